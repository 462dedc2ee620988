import AuthExport

/// Loads the rows of one table with `COPY … FROM STDIN`, widening a column when a value does not fit its type
/// (`integer` → `bigint`, `varchar(n)` → `text`, `numeric(p,s)` → `numeric`) and reporting it.
final class TableLoader {
    private let connection: PGConnection
    private(set) var plan: TablePlan
    private let schema: String
    private var encoder: CopyEncoder
    /// Whether column types may be changed (not when loading into existing tables).
    private let mayWiden: Bool
    /// Use COPY FREEZE (the table was created in this transaction).
    private let freeze: Bool
    private var copyOpen = false
    /// Rows of this table encoded so far.
    private(set) var rows: Int64 = 0
    /// Rows sent in earlier COPY statements (before a widening restarted it).
    private var segmentStart: Int64 = 0
    /// Rows the server confirmed.
    private(set) var serverRows: Int64 = 0
    private(set) var notes: [RestoreNote] = []

    init(connection: PGConnection, plan: TablePlan, schema: String, format: CopyEncoder.Format, mayWiden: Bool, freeze: Bool) {
        self.connection = connection
        self.plan = plan
        self.schema = schema
        self.mayWiden = mayWiden
        self.freeze = freeze
        let types = plan.columns.map(\.type)
        let logical = plan.columns.map(\.source.type)
        let binary = format == .binary && CopyEncoder.supportsBinary(logical: logical, types: types)
        encoder = CopyEncoder(format: binary ? .binary : .text, logical: logical, types: types)
    }

    var format: CopyEncoder.Format { encoder.format }

    /// The COPY statement.
    static func copySQL(_ plan: TablePlan, schema: String, format: CopyEncoder.Format, freeze: Bool) -> String {
        let columns = plan.columns.map { PGConnection.quoteIdentifier($0.pgName) }.joined(separator: ", ")
        var options = "FORMAT \(format.rawValue)"
        if freeze { options += ", FREEZE" }
        return "COPY \(plan.qualified(schema, created: true)) (\(columns)) FROM STDIN (\(options))"
    }

    func begin() throws {
        try connection.beginCopy(Self.copySQL(plan, schema: schema, format: encoder.format, freeze: freeze))
        copyOpen = true
        encoder.begin()
    }

    /// A sink that writes the cells the archive reader hands it straight into this table's COPY data. Keep it in
    /// a local variable (a value: no exclusivity checks per cell), pass it to the reader for each row and end
    /// each row with ``finishRow(_:values:)``, which renews it when the table's columns change.
    func rowSink() -> CopyRowSink { CopyRowSink(encoder: encoder, columns: plan.columns.count) }

    /// Ends a row whose cells `sink` took; `values` decodes the row again, as values, when a cell did not fit
    /// its column (which is then widened, or the restore fails).
    func finishRow(_ sink: inout CopyRowSink, values: () throws -> [Value]) throws {
        if let misfit = sink.misfit {
            encoder.buffer.truncate(to: sink.rowStart)
            try handle(misfit)
            try append(values())
            sink = rowSink()
            return
        }
        if sink.columns == 0 { encoder.beginRow(columns: 0) }
        encoder.endRow()
        rows += 1
        if encoder.buffer.count >= CopyEncoder.flushSize { try flush() }
    }

    /// Encodes and (every 256 KiB) sends one row.
    func append(_ row: [Value]) throws {
        while true {
            do {
                try encoder.encode(row)
                break
            } catch {
                try handle(error)
            }
        }
        rows += 1
        if encoder.buffer.count >= CopyEncoder.flushSize { try flush() }
    }

    private func handle(_ misfit: CopyEncoder.Misfit) throws {
        let row = rows + 1
        switch misfit {
        case .unsupported(let column, let message):
            throw PostgresError(
                .unsupportedValue, message,
                hint: "fix the value in the source database, or leave the table out with --exclude-table",
                location: .init(table: plan.source.name, row: row, column: plan.columns[column].source.name),
                operation: "loading table \(plan.source.name)")
        case .widen(let column, let type, let reason):
            let c = plan.columns[column]
            guard mayWiden else {
                throw PostgresError(
                    .unsupportedValue, "\(reason) of the existing column",
                    location: .init(table: plan.source.name, row: row, column: c.source.name),
                    operation: "loading table \(plan.source.name)")
            }
            // End the COPY so far, change the column type, start a new COPY for the rest.
            try finishCopy()
            let name = PGConnection.quoteIdentifier(c.pgName)
            var sql = "ALTER TABLE \(plan.qualified(schema, created: true)) ALTER COLUMN \(name) TYPE \(type.sql)"
            if type == .bytea { sql += " USING convert_to(\(name), 'UTF8')" }
            do {
                try connection.execute(sql)
            } catch {
                throw error.filling(.init(table: plan.source.name, column: c.source.name), operation: "widening column \(c.source.name)")
            }
            notes.append(
                RestoreNote(
                    .typeChanged, table: plan.source.name,
                    "column \(c.source.name): \(c.type.sql) widened to \(type.sql) (row \(row): \(reason))"))
            plan.columns[column].type = type
            encoder.setType(type, at: column)
            try begin()
        }
    }

    private func flush() throws {
        defer { encoder.buffer.removeAll() }
        do {
            try connection.putCopyData(encoder.buffer.bytes)
        } catch {
            copyOpen = false
            throw located(error)
        }
    }

    private func finishCopy() throws {
        encoder.end()
        try flush()
        copyOpen = false
        do {
            serverRows += try connection.endCopy()
        } catch {
            throw located(error)
        }
        segmentStart = rows
    }

    /// Ends the table's COPY; returns the rows the server loaded.
    func finish() throws -> Int64 {
        if copyOpen { try finishCopy() }
        return serverRows
    }

    /// Aborts an open COPY (the transaction is failing anyway).
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

/// Writes the cells of one row at a time, as the archive reader validates them, into a table's COPY data (see
/// ``TableLoader/rowSink()``). A cell that does not fit its column is remembered and the rest of the row ignored.
struct CopyRowSink: RowCellSink {
    fileprivate var encoder: CopyEncoder
    fileprivate let columns: Int
    /// Where the current row starts in the COPY data.
    fileprivate var rowStart = 0
    /// The first cell of the current row that did not fit its column.
    fileprivate var misfit: CopyEncoder.Misfit?

    fileprivate init(encoder: CopyEncoder, columns: Int) {
        self.encoder = encoder
        self.columns = columns
    }

    mutating func cell(_ view: CellView, column: Int) {
        if column == 0 {
            rowStart = encoder.buffer.count
            misfit = nil
            encoder.beginRow(columns: columns)
        }
        guard misfit == nil else { return }
        do {
            try encoder.encodeCell(view, column)
        } catch {
            misfit = error
        }
    }
}

@available(*, unavailable)
extension TableLoader: Sendable {}
