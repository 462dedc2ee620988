import AuthExport
import Foundation

/// Draws a one-line progress display on standard error when it is a terminal.
///
/// Per table: rows done / total, MB/s and ETA when the total is known. Thread-safe; redraws at most 10 times a second.
final class ProgressPrinter: @unchecked Sendable {
    private let lock = NSLock()
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var lineShown = false

    /// A handler that draws progress, or nil when stderr is not a terminal or `quiet` is set.
    static func handler(quiet: Bool) -> (ProgressPrinter, ProgressHandler)? {
        guard !quiet, isatty(2) != 0 else { return nil }
        let printer = ProgressPrinter()
        return (printer, { event in printer.report(event) })
    }

    func report(_ event: ProgressEvent) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard event.kind != .rows || now.timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = now
        let elapsed = max(0.001, now.timeIntervalSince(start))
        let mbps = Double(event.bytesDone) / 1_048_576 / elapsed
        var text = "\(event.table): \(event.rowsDone)"
        if let total = event.rowsTotal, total > 0 {
            text += "/\(total) rows"
            let fraction = Double(event.rowsDone) / Double(total)
            text += String(format: " (%.0f%%)", fraction * 100)
        } else {
            text += " rows"
        }
        text += String(format: "  %.1f MB/s  %.1fs", mbps, elapsed)
        var err = StandardError()
        print("\r\u{1B}[2K" + text, terminator: "", to: &err)
        lineShown = true
    }

    /// Clears the progress line.
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if lineShown {
            var err = StandardError()
            print("\r\u{1B}[2K", terminator: "", to: &err)
            lineShown = false
        }
    }
}

/// Formats byte counts for people: `12.3 MB`.
func formatBytes(_ bytes: Int64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1000 && unit < units.count - 1 {
        value /= 1000
        unit += 1
    }
    return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
}

/// Prints a JSON document (compact, one line) on standard output.
func printJSON(_ value: JSONValue) {
    print(value.compactText)
}

extension ArchiveError {
    /// The error as a JSON object for `--json` reports.
    var json: JSONValue {
        var members: [(String, JSONValue)] = [("code", .string(code.name)), ("message", .string(message))]
        if let v = location.path { members.append(("path", .string(v))) }
        if let v = location.line { members.append(("line", .integer(v))) }
        if let v = location.byteOffset { members.append(("byte_offset", .integer(v))) }
        if let v = location.table { members.append(("table", .string(v))) }
        if let v = location.row { members.append(("row", .integer(v))) }
        if let v = location.column { members.append(("column", .string(v))) }
        members.append(("description", .string(description)))
        return .object(members)
    }
}
