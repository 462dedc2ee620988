import AuthExport

/// Where a ``TableLoader`` sends a table's COPY statements and data: its own connection
/// (``ConnectionCopyTarget``), or a loading connection of `--jobs N` on another thread (``LoadWorkers``).
///
/// The loader encodes on the reading thread either way; a target only sends.
protocol CopyTarget: AnyObject {
    /// Starts a `COPY … FROM STDIN` statement.
    func beginCopy(_ sql: String) throws
    /// Sends COPY data that holds `rows` whole rows.
    func send(_ data: UnsafeRawBufferPointer, rows: Int64) throws
    /// Ends the COPY statement; fails unless the server loaded every row sent in it.
    func endCopy() throws
    /// Runs a statement between two COPY statements (a column widening); `location` and `operation` name it in
    /// an error.
    func execute(_ sql: String, location: ArchiveError.Location, operation: String) throws
    /// Aborts an open COPY (the transaction is failing anyway).
    func abort()
}

/// Sends a table's COPY over a connection, on the calling thread, and places the server's errors: the archive
/// row from the COPY's line number, the archive column from the PostgreSQL column name.
final class ConnectionCopyTarget: CopyTarget {
    private let connection: PGConnection
    /// The table: its archive name and its columns' names on both sides.
    private let plan: TablePlan
    private var copyOpen = false
    /// Rows sent in earlier COPY statements of this table.
    private var segmentStart: Int64 = 0
    /// Rows sent in the open COPY statement.
    private var segmentRows: Int64 = 0
    /// Rows the server confirmed, over every COPY statement of this table.
    private(set) var serverRows: Int64 = 0

    init(connection: PGConnection, plan: TablePlan) {
        self.connection = connection
        self.plan = plan
    }

    func beginCopy(_ sql: String) throws {
        do {
            try connection.beginCopy(sql)
        } catch {
            throw error.filling(.init(table: plan.source.name), operation: "starting COPY into \(plan.source.name)")
        }
        copyOpen = true
    }

    func send(_ data: UnsafeRawBufferPointer, rows: Int64) throws {
        do {
            try connection.putCopyData(data)
        } catch {
            copyOpen = false
            throw located(error)
        }
        segmentRows += rows
    }

    func endCopy() throws {
        copyOpen = false
        let loaded: Int64
        do {
            loaded = try connection.endCopy()
        } catch {
            throw located(error)
        }
        guard loaded == segmentRows else {
            throw PostgresError(
                .server, "the server loaded \(serverRows + loaded) rows, the archive has \(segmentStart + segmentRows)",
                location: .init(table: plan.source.name), operation: "loading table \(plan.source.name)")
        }
        serverRows += loaded
        segmentStart += segmentRows
        segmentRows = 0
    }

    func execute(_ sql: String, location: ArchiveError.Location, operation: String) throws {
        do {
            try connection.execute(sql)
        } catch {
            throw error.filling(location, operation: operation)
        }
    }

    func abort() {
        guard copyOpen else { return }
        copyOpen = false
        connection.abortCopy(reason: "authx restore failed")
    }

    /// Adds the archive table, row and column to a server error raised by the COPY, from its context line
    /// `COPY t, line N, column c: …` (the value it may quote is dropped).
    private func located(_ error: PostgresError) -> PostgresError {
        var location = ArchiveError.Location(table: plan.source.name)
        var pgColumn = error.columnName
        if let context = error.context, let parsed = Self.parseCopyContext(context) {
            location.row = segmentStart + parsed.line
            pgColumn = parsed.column ?? pgColumn
        }
        if let pgColumn {
            location.column = plan.columns.first { $0.pgName == pgColumn }?.source.name ?? pgColumn
        }
        return error.filling(location, operation: "loading table \(plan.source.name)")
    }

    /// The line (1-based row of this COPY) and column of a COPY error context.
    static func parseCopyContext(_ context: String) -> (line: Int64, column: String?)? {
        guard let firstLine = context.split(separator: "\n").first(where: { $0.hasPrefix("COPY ") }) else { return nil }
        let text = String(firstLine)
        guard let lineRange = text.firstRange(of: ", line ") else { return nil }
        let rest = text[lineRange.upperBound...]
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        guard let line = Int64(digits) else { return nil }
        var column: String?
        let afterDigits = rest[digits.endIndex...]
        if afterDigits.hasPrefix(", column ") {
            let name = afterDigits.dropFirst(", column ".count)
            // The column name runs to ": " (the quoted value follows) or the end of the line.
            if let colon = name.firstRange(of: ": ") {
                column = String(name[..<colon.lowerBound])
            } else {
                column = String(name)
            }
        }
        return (line, column)
    }
}

@available(*, unavailable)
extension ConnectionCopyTarget: Sendable {}
