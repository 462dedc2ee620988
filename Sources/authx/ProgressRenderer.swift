import AuthExport
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The one progress line of every command, on standard error when it is a terminal.
///
/// It shows the whole run, not only the current table: `table k/n`, the rows and bytes of the whole archive done,
/// the rate and the whole-run ETA (when the totals are known: an archive file's index, or the tables counted by
/// an export), then the phase after loading (keys, checks and indexes; foreign keys; ANALYZE) with its step. The
/// line is cut to the terminal's width and redrawn at most 10 times a second for rows (every table or phase
/// change at once). ``finish()`` clears it before the command prints its summary line.
///
/// In a pipe of two authx commands on one terminal only the reading end draws: a command whose standard output is
/// a pipe (export `-o -`) draws nothing.
final class ProgressRenderer: @unchecked Sendable {
    /// What the whole run holds, where known before it starts.
    struct Totals {
        var tables: Int
        var rows: Int64
        var bytes: Int64
    }

    private let lock = NSLock()
    private let verb: String
    private var totals: Totals?
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var lineShown = false
    private var tablesStarted = 0
    private var rowsOfFinishedTables: Int64 = 0
    private var currentRows: Int64 = 0
    /// The last event other than a lock wait: drawn again when a wait ends.
    private var lastEvent: ProgressEvent?

    /// A renderer for `verb` ("restore", "export", "verify"), or nil when nothing should be drawn: `quiet`, standard
    /// error not a terminal, or standard output a pipe (the writing end of a pipe of two commands).
    static func make(_ verb: String, quiet: Bool, totals: Totals? = nil) -> ProgressRenderer? {
        guard !quiet, isatty(2) != 0 else { return nil }
        var info = stat()
        if fstat(1, &info) == 0, (info.st_mode & S_IFMT) == S_IFIFO { return nil }
        return ProgressRenderer(verb: verb, totals: totals)
    }

    /// The totals of an archive file, from its index (nil for standard input or an unreadable file).
    static func totals(ofArchive path: String) -> Totals? {
        guard path != "-", let listing = try? ArchiveListing(path: path) else { return nil }
        return Totals(
            tables: listing.tables.count, rows: listing.tables.reduce(0) { $0 + $1.entry.rows },
            bytes: listing.fileSize)
    }

    private init(verb: String, totals: Totals?) {
        self.verb = verb
        self.totals = totals
    }

    /// The handler to give a library call.
    var handler: ProgressHandler { { [self] event in self.report(event) } }

    func report(_ event: ProgressEvent) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        switch event.kind {
        case .tableStarted:
            tablesStarted += 1
            currentRows = 0
        case .rows:
            currentRows = event.rowsDone
            guard now.timeIntervalSince(lastDraw) >= 0.1 else { return }
        case .tableFinished:
            rowsOfFinishedTables += event.rowsDone
            currentRows = 0
        case .phase:
            break
        case .lockWait:
            guard event.table.isEmpty else { break }
            // The wait ended: back to what the work is doing.
            guard let lastEvent else { return draw("") }
            lastDraw = now
            return draw(Self.cut(SafeOutput.line(line(for: lastEvent, now: now)), to: Self.terminalWidth()))
        }
        if event.kind != .lockWait { lastEvent = event }
        lastDraw = now
        draw(Self.cut(SafeOutput.line(line(for: event, now: now)), to: Self.terminalWidth()))
    }

    /// The text of the line for `event`.
    func line(for event: ProgressEvent, now: Date) -> String {
        let elapsed = max(0.001, now.timeIntervalSince(start))
        if event.kind == .lockWait {
            var text = "\(verb): waiting for a lock on \(event.table)"
            if !event.lockHolders.isEmpty {
                let pids = event.lockHolders.prefix(3).map(String.init).joined(separator: ", ")
                text += " held by pid\(event.lockHolders.count == 1 ? "" : "s") \(pids)"
                if event.lockHolders.count > 3 { text += " and \(event.lockHolders.count - 3) more" }
            }
            text += String(format: " · %.0fs", event.waitedSeconds.rounded(.down))
            return text
        }
        if event.kind == .phase {
            var text = "\(verb): \(event.phase ?? "finishing")"
            if let total = event.stepsTotal, total > 0 { text += " \(min(event.stepsDone + 1, total))/\(total)" }
            if !event.table.isEmpty { text += " (\(event.table))" }
            text += String(format: " · %.0fs", elapsed)
            return text
        }
        var text = "\(verb): table \(tablesStarted)"
        if let totals, totals.tables > 0 { text += "/\(totals.tables)" }
        text += " \(event.table)"
        let rowsDone = rowsOfFinishedTables + currentRows
        if let totals, totals.rows > 0 {
            text += " · \(rowsDone)/\(totals.rows) rows"
        } else {
            text += " · \(rowsDone) rows"
        }
        if let totals, totals.bytes > 0 {
            let fraction = min(1, Double(event.bytesDone) / Double(totals.bytes))
            text += String(format: " · %.0f%% of %@", fraction * 100, formatBytes(totals.bytes))
            if fraction > 0.01 && fraction < 1 {
                text += String(format: " · ETA %.0fs", (elapsed / fraction - elapsed).rounded(.up))
            }
        } else if let total = event.rowsTotal, total > 0 {
            text += " · table \(event.rowsDone)/\(total)"
        }
        text += String(format: " · %.1f MB/s", Double(event.bytesDone) / 1_000_000 / elapsed)
        return text
    }

    /// Clears the line (call before printing the summary, and on errors).
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if lineShown { draw("") }
        lineShown = false
    }

    private func draw(_ text: String) {
        var err = StandardError()
        err.write("\r\u{1B}[2K" + text)
        lineShown = !text.isEmpty
    }

    /// `text` cut to fit `width` columns (one column left free, so the terminal never wraps).
    static func cut(_ text: String, to width: Int) -> String {
        let room = max(10, width - 1)
        guard text.count > room else { return text }
        return String(text.prefix(room - 1)) + "…"
    }

    /// The terminal's width in columns (80 when unknown).
    static func terminalWidth() -> Int {
        var size = winsize()
        if ioctl(2, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 80
    }
}
