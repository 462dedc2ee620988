import AuthExport

/// Encodes the rows of one table into `COPY … FROM STDIN` data and hands it to a ``CopyTarget`` every 256 KiB,
/// widening a column when a value does not fit its type (`integer` → `bigint`, `varchar(n)` → `text`,
/// `numeric(p,s)` → `numeric`) and reporting it. Runs on the thread that reads the archive, whichever connection
/// the target sends over.
final class TableLoader {
    private let target: any CopyTarget
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
    /// Rows encoded since the last hand-over to the target.
    private var pendingRows: Int64 = 0
    private(set) var notes: [RestoreNote] = []

    init(target: any CopyTarget, plan: TablePlan, schema: String, format: CopyEncoder.Format, mayWiden: Bool, freeze: Bool) {
        self.target = target
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
        try target.beginCopy(Self.copySQL(plan, schema: schema, format: encoder.format, freeze: freeze))
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
        try rowDone()
    }

    /// Encodes one row given as values (a row decoded again after a misfit).
    private func append(_ row: [Value]) throws {
        while true {
            do {
                try encoder.encode(row)
                break
            } catch {
                try handle(error)
            }
        }
        try rowDone()
    }

    /// Counts a complete row; hands the COPY data encoded so far to the target once it reaches 256 KiB.
    @inline(__always)
    private func rowDone() throws {
        rows += 1
        pendingRows += 1
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
            try target.execute(
                sql, location: .init(table: plan.source.name, column: c.source.name),
                operation: "widening column \(c.source.name)")
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
        defer {
            encoder.buffer.removeAll()
            pendingRows = 0
        }
        do {
            try target.send(encoder.buffer.bytes, rows: pendingRows)
        } catch {
            copyOpen = false
            throw error
        }
    }

    private func finishCopy() throws {
        encoder.end()
        try flush()
        copyOpen = false
        try target.endCopy()
    }

    /// Ends the table's COPY (the target checks that the server loaded every row).
    func finish() throws {
        if copyOpen { try finishCopy() }
    }

    /// Aborts an open COPY (the transaction is failing anyway).
    func abort() {
        guard copyOpen else { return }
        copyOpen = false
        target.abort()
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
