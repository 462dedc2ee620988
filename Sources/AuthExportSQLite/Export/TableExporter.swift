import AuthExport

/// A value read after the sample contradicts the types chosen from it: the export must start over with a full
/// scan.
///
/// Only thrown in ``TableExporter/Mode/sampled``.
struct SampleMisfit: Error {
    var table: String
    var column: String?
    var reason: String
    /// How many rows the types were chosen from.
    var sampleRows: Int64
}

/// Exports tables one by one, inside the caller's read transaction, rows in archive order.
///
/// Two ways to choose the column types:
/// - ``Mode/exact``: a first pass scans every value, then a second pass writes the rows.
/// - ``Mode/sampled``: the types are chosen from the first rows of the export's own query, which are kept (up to
///   `SQLiteExportOptions.sampleBytes`) and written once the types are chosen, so the table is read once. Every
///   value written is checked against the decision as it goes (it must decode exactly, and meet the decision's
///   guards). A value that does not fit throws ``SampleMisfit`` and the caller starts over in exact mode. When
///   every value fits, the result is identical to exact mode: a narrower type would have had to fit the sample too.
struct TableExporter {
    enum Mode {
        case exact
        case sampled(rows: Int)
    }

    let db: SQLiteConnection
    let writer: any ArchiveRecordSink
    let options: SQLiteExportOptions
    let mode: Mode
    var warnings: [ExportWarning] = []
    /// Approximate bytes read from the database so far (for progress).
    var bytesRead: Int64 = 0
    private var scratch: [UInt8] = []

    init(db: SQLiteConnection, writer: any ArchiveRecordSink, options: SQLiteExportOptions, mode: Mode) {
        self.db = db
        self.writer = writer
        self.options = options
        self.mode = mode
        scratch.reserveCapacity(1024)
    }

    /// How often (in rows) progress is reported and cancellation polled.
    private static let checkInterval: Int64 = 8192

    mutating func export(_ table: SourceTable, sequence: Int64?) throws -> SQLiteExportSummary.Table {
        let query = Self.selectSQL(table)
        /// Whether the types come from a sample that is not the whole table.
        var sampled = false
        let scan: TableScan
        var total: Int64?
        // A reader thread steps SQLite and copies rows into batches while this thread encodes them.
        var reader: RowReader?
        defer { reader?.finish() }
        /// Batches read for the sample, to be written first (last one first).
        var held: [RowBatch] = []
        switch mode {
        case .exact:
            let count = try db.query("SELECT count(*) FROM " + SQLStatementText.quote(table.name)).first?.first?.integer
            scan = try scanTable(table, query: query.sql(forRows: count ?? 0))
            total = scan.rows
        case .sampled(let rows):
            if options.progress != nil {
                total = try db.query("SELECT count(*) FROM " + SQLStatementText.quote(table.name)).first?.first?.integer
            }
            // The sample is the start of the export's own read: its rows are kept and written, not read again.
            // A table ordered by a key that is not the rowid is sorted by SQLite whatever its size (the same order
            // as walking the key's index, which costs a random page read per row on a big table).
            let statement = try db.prepare(query.sql(forRows: Self.sortThreshold))
            let started = RowReader(statement: statement, columns: table.columns.count + query.firstColumn)
            started.start()
            reader = started
            let sample = try takeSample(table, query: query, from: started, rows: rows)
            scan = sample.scan
            held = sample.batches.reversed()
            sampled = sample.more
            if !sampled { total = scan.rows }
        }
        var plans: [ColumnPlan] = []
        var columnWarnings: [[ExportWarning]] = []
        for (i, columnScan) in scan.columns.enumerated() {
            var found: [ExportWarning] = []
            plans.append(
                try TypeInference.plan(
                    columnScan, table: table, override: override(table, columnScan.column),
                    inferFromValues: options.inferFromValues, selectIndex: Int32(i + query.firstColumn),
                    describe: scan.describe, warnings: &found))
            columnWarnings.append(found)
        }
        // After a sample: columns whose decision could still change with more values ("any", or no value seen
        // yet) are scanned in full while their rows are written, and decided again at the end.
        var fullScans: [ColumnScan] = []
        var fullScanColumns: [Int] = []
        if sampled {
            for (i, plan) in plans.enumerated() where plan.column.type == .any || !plan.fromValues {
                fullScanColumns.append(i)
                fullScans.append(
                    ColumnScan(
                        column: table.columns[i], zone: options.assumeTimeZone,
                        forcedType: override(table, table.columns[i])))
            }
        }
        let schema = TableSchema(
            name: table.name, columns: plans.map(\.column), primaryKey: table.primaryKey,
            uniqueConstraints: table.uniqueConstraints, foreignKeys: table.foreignKeys, indexes: table.indexes,
            checks: table.checks, sql: table.sql, withoutRowID: table.withoutRowID, sequenceValue: sequence)

        try writer.beginTable(schema)
        report(.tableStarted, table.name, rows: 0, total: total)
        if options.schemaOnly {
            try writer.endTable()
            warnings += columnWarnings.flatMap { $0 }
            try tableWarnings(table)
            report(.tableFinished, table.name, rows: 0, total: 0)
            return SQLiteExportSummary.Table(name: table.name, rows: 0, columns: schema.columns)
        }
        let rowReader: RowReader
        if let reader {
            rowReader = reader
        } else {
            let statement = try db.prepare(query.sql(forRows: scan.rows))
            rowReader = RowReader(statement: statement, columns: table.columns.count + query.firstColumn)
            rowReader.start()
            reader = rowReader
        }
        var rows: Int64 = 0
        let emitPlans = plans.map { EmitPlan($0, verify: sampled) }
        var keys: [Int64: String] = [:]
        try emitPlans.withUnsafeBufferPointer { plansBuffer in
            while let batch = try held.popLast() ?? rowReader.next() {
                try batch.withView { view in
                    for r in 0..<batch.rows {
                        let row = view.row(r)
                        do {
                            try writer.appendRow { encoder in
                                for i in plansBuffer.indices { try emit(plansBuffer, i, row, &encoder) }
                            }
                        } catch let error as ArchiveError where sampled && error.code == .invalidValue {
                            throw SampleMisfit(
                                table: table.name, column: error.location.column, reason: error.message,
                                sampleRows: scan.rows)
                        }
                        if !fullScanColumns.isEmpty {
                            var flagged = false
                            for k in fullScans.indices {
                                observe(
                                    &fullScans[k], row, Int32(fullScanColumns[k] + query.firstColumn), ordinal: rows)
                                if fullScans[k].recordedFailure {
                                    fullScans[k].recordedFailure = false
                                    flagged = true
                                }
                            }
                            if flagged { keys[rows] = query.hasRowID ? "rowid \(row.integer(0))" : "row \(rows + 1)" }
                        }
                        rows += 1
                        if rows % Self.checkInterval == 0 {
                            try checkCancelled()
                            report(.rows, table.name, rows: rows, total: total)
                        }
                    }
                }
                rowReader.recycle(batch)
            }
        }
        if !sampled && rows != scan.rows {
            // Cannot happen inside one read transaction; guards against a broken snapshot.
            throw ArchiveError(
                .io, "the table changed during the export (\(scan.rows) rows scanned, \(rows) read)",
                location: .init(table: table.name))
        }
        // Columns scanned in full: the decision must not have changed.
        for (i, full) in zip(fullScanColumns, fullScans) {
            var found: [ExportWarning] = []
            let describe: TypeInference.RowDescriber = { ordinal in keys[ordinal] ?? "row \(ordinal + 1)" }
            let decided = try TypeInference.plan(
                full, table: table, override: override(table, full.column), inferFromValues: options.inferFromValues,
                selectIndex: plans[i].selectIndex,
                describe: describe, warnings: &found)
            guard decided.column == plans[i].column else {
                throw SampleMisfit(
                    table: table.name, column: full.column.name, reason: "the full scan chose another type",
                    sampleRows: scan.rows)
            }
            columnWarnings[i] = found
        }
        try writer.endTable()
        warnings += columnWarnings.flatMap { $0 }
        try tableWarnings(table)
        report(.tableFinished, table.name, rows: rows, total: rows)
        return SQLiteExportSummary.Table(name: table.name, rows: rows, columns: schema.columns)
    }

    private func override(_ table: SourceTable, _ column: SourceColumn) -> LogicalType? {
        options.typeOverrides.last { $0.table == table.name && $0.column == column.name }?.type
    }

    private mutating func tableWarnings(_ table: SourceTable) throws {
        if !table.generatedColumns.isEmpty {
            warnings.append(
                ExportWarning(
                    table: table.name,
                    message: "generated column(s) \(table.generatedColumns.joined(separator: ", ")) are computed by "
                        + "the table's SQL and not exported as data"))
        }
    }

    // MARK: Rows

    /// The parts of a ``ColumnPlan`` the row loop needs.
    struct EmitPlan {
        var emitter: CellEmitter
        var index: Int32
        /// Boxed: a class's constant is read in place, where a struct read from the plan buffer while the row
        /// loop writes its scratch space would be copied (its strings and arrays retained) for every cell.
        let decoder: Decoder
        var name: String
        var guards: ValueGuards
        /// Check each value against the decision (after a sample): exact JSON spelling, REAL decimals, guards.
        var verify: Bool
        /// How a json column's text is spelled.
        var jsonSpelling: TextForms.JSONSpelling

        init(_ plan: ColumnPlan, verify: Bool) {
            emitter = plan.emitter
            index = plan.selectIndex
            decoder = Decoder(plan.representation)
            name = plan.column.name
            guards = plan.guards
            self.verify = verify
            switch plan.representation.encoding {
            case .jsonPython: jsonSpelling = .python
            case .jsonPythonUTF8: jsonSpelling = .pythonUTF8
            default: jsonSpelling = .compact
            }
        }
    }

    /// A column's representation, for the row loop (see ``EmitPlan/decoder``).
    final class Decoder {
        let representation: ColumnRepresentation
        init(_ representation: ColumnRepresentation) { self.representation = representation }
    }

    @inline(__always)
    private mutating func emit<Row: RowSource>(
        _ plans: UnsafeBufferPointer<EmitPlan>, _ p: Int, _ cursor: Row, _ encoder: inout RowEncoder
    ) throws {
        let i = plans[p].index
        let storage = cursor.storageClass(i)
        if storage == StorageClass.null {
            try encoder.appendNull()
            return
        }
        switch plans[p].emitter {
        case .integer:
            guard storage == StorageClass.integer else { throw misfit(plans[p], "storage class changed") }
            bytesRead += 8
            try encoder.appendInteger(cursor.integer(i))
        case .real:
            guard storage == StorageClass.real else { throw misfit(plans[p], "storage class changed") }
            bytesRead += 8
            try encoder.appendReal(cursor.real(i))
        case .text:
            guard storage == StorageClass.text else { throw misfit(plans[p], "storage class changed") }
            let text = cursor.text(i)
            bytesRead += Int64(text.count)
            try encoder.appendText(utf8: text)
        case .bytes:
            guard storage == StorageClass.blob else { throw misfit(plans[p], "storage class changed") }
            let blob = cursor.blob(i)
            bytesRead += Int64(blob.count)
            try encoder.appendBytes(blob)
        case .boolean:
            let value = cursor.integer(i)
            guard storage == StorageClass.integer, value == 0 || value == 1 else {
                throw misfit(plans[p], "not 0 or 1")
            }
            bytesRead += 8
            try encoder.appendBoolean(value == 1)
        case .any:
            switch storage {
            case StorageClass.integer:
                bytesRead += 8
                try encoder.appendInteger(cursor.integer(i))
            case StorageClass.real:
                bytesRead += 8
                try encoder.appendReal(cursor.real(i))
            case StorageClass.text:
                let text = cursor.text(i)
                bytesRead += Int64(text.count)
                try encoder.appendText(utf8: text)
            default:
                let blob = cursor.blob(i)
                bytesRead += Int64(blob.count)
                try encoder.appendBytes(blob)
            }
        case .converted, .json:
            let stored = cursor.ref(i)
            scratch.removeAll(keepingCapacity: true)
            let decoded = plans[p].decoder.representation.decode(stored, into: &scratch)
            if plans[p].verify { try verify(plans[p], stored, decoded) }
            switch decoded {
            case .text(let inScratch)?:
                if inScratch {
                    try scratch.withUnsafeBytes { try encoder.appendText(utf8: $0) }
                } else if case .text(let bytes) = stored {
                    bytesRead += Int64(bytes.count)
                    try encoder.appendText(utf8: bytes)
                }
            case .json(let inScratch)?:
                if inScratch {
                    try scratch.withUnsafeBytes { try encoder.appendJSON(utf8: $0) }
                } else if case .text(let bytes) = stored {
                    bytesRead += Int64(bytes.count)
                    try encoder.appendJSON(utf8: bytes)
                }
            case .boolean(let b)?:
                try encoder.appendBoolean(b)
            default:
                throw misfit(plans[p], "does not decode")
            }
        }
    }

    /// After a sample: checks what decoding alone does not (exact JSON spelling, REAL decimals, guards).
    private mutating func verify(_ plan: borrowing EmitPlan, _ stored: StoredValueRef, _ decoded: DecodedCell?) throws {
        guard decoded != nil else { throw misfit(plan, "does not decode") }
        switch stored {
        case .integer(let value):
            if let range = plan.guards.integerRange, !range.contains(value) {
                throw misfit(plan, "implausible unix time")
            }
        case .real(let value):
            // A REAL reproduces through NUMERIC affinity only when not integral within int64.
            if value.isNaN || SQLiteAffinity.exactInteger(value) != nil || (plan.emitter == .json && !value.isFinite) {
                throw misfit(plan, "REAL not reproducible")
            }
        case .text(let bytes):
            if plan.guards.rfcShapedHex, bytes.count == 32, !TypeHints.isRFCShaped(hex32: bytes) {
                throw misfit(plan, "hex not RFC-shaped")
            }
            // The writer validates the JSON; what it cannot see is whether the spelling is reproducible.
            if plan.emitter == .json, !TextForms.isSpelled(bytes, as: plan.jsonSpelling) {
                throw misfit(plan, "JSON spelling not reproducible")
            }
        default:
            break
        }
    }

    private func misfit(_ plan: borrowing EmitPlan, _ reason: String) -> ArchiveError {
        ArchiveError(
            .invalidValue, "value no longer fits the column's type (\(reason))", location: .init(column: plan.name))
    }

    private func checkCancelled() throws(ArchiveError) {
        if let isCancelled = options.isCancelled, isCancelled() {
            throw ArchiveError(.io, "export interrupted; no archive was written")
        }
    }

    private func report(_ kind: ProgressEvent.Kind, _ table: String, rows: Int64, total: Int64?) {
        options.progress?(
            ProgressEvent(kind: kind, table: table, rowsDone: rows, rowsTotal: total, bytesDone: bytesRead))
    }

    // MARK: Scan

    struct TableScan {
        var columns: [ColumnScan]
        var rows: Int64
        /// Keys of rows some column reported, by scan ordinal.
        var keys: [Int64: String]
        var describe: TypeInference.RowDescriber {
            let keys = keys
            return { ordinal in keys[ordinal] ?? "row \(ordinal + 1)" }
        }
    }

    private mutating func observe<Row: RowSource>(_ scan: inout ColumnScan, _ cursor: Row, _ i: Int32, ordinal: Int64) {
        switch cursor.storageClass(i) {
        case StorageClass.integer: scan.observeInteger(cursor.integer(i), ordinal: ordinal)
        case StorageClass.real: scan.observeReal(cursor.real(i), ordinal: ordinal)
        case StorageClass.text: scan.observeText(cursor.text(i), ordinal: ordinal, scratch: &scratch)
        case StorageClass.blob: scan.observeBlob(cursor.blob(i), ordinal: ordinal)
        default: scan.observeNull()
        }
    }

    /// Observes row `ordinal` (table columns from select index `first` on) in every column's scan; when a scan
    /// recorded a failure, remembers the row's key (its rowid, else its position) for the warnings.
    private mutating func observeRow<Row: RowSource>(
        _ columns: inout [ColumnScan], _ row: Row, first: Int32, ordinal: Int64, hasRowID: Bool,
        keys: inout [Int64: String]
    ) {
        var flagged = false
        for c in columns.indices {
            observe(&columns[c], row, first + Int32(c), ordinal: ordinal)
            if columns[c].recordedFailure {
                columns[c].recordedFailure = false
                flagged = true
            }
        }
        if flagged { keys[ordinal] = hasRowID ? "rowid \(row.integer(0))" : "row \(ordinal + 1)" }
    }

    /// Reads the first `limit` rows (fewer when they pass `options.sampleBytes`) through `reader`, observing each
    /// for the type decision, and keeps the batches read, to be written first. `more` tells whether the table goes
    /// on past the sample (when it does not, the sample is the whole table and the decision is exact).
    private mutating func takeSample(_ table: SourceTable, query: SelectQuery, from reader: RowReader, rows limit: Int)
        throws -> (scan: TableScan, batches: [RowBatch], more: Bool)
    {
        var columns = table.columns.map { column in
            ColumnScan(column: column, zone: options.assumeTimeZone, forcedType: override(table, column))
        }
        var keys: [Int64: String] = [:]
        var ordinal: Int64 = 0
        let first = Int32(query.firstColumn)
        var batches: [RowBatch] = []
        var bytes = 0
        var more = false
        var ended = false
        while ordinal < limit && bytes < options.sampleBytes {
            guard let batch = try reader.next() else {
                ended = true
                break
            }
            // The reader goes on reading into a new batch while this one is kept.
            reader.lendBatch()
            let observed = min(batch.rows, limit - Int(ordinal))
            batch.withView { view in
                for r in 0..<observed {
                    observeRow(
                        &columns, view.row(r), first: first, ordinal: ordinal, hasRowID: query.hasRowID, keys: &keys)
                    ordinal += 1
                }
            }
            bytes += batch.bytes.count + batch.values.count * 16
            batches.append(batch)
            more = observed < batch.rows
            try checkCancelled()
        }
        // The sample ended with a batch: whether the table goes on is the next batch.
        if !more && !ended, let next = try reader.next() {
            reader.lendBatch()
            batches.append(next)
            more = true
        }
        return (TableScan(columns: columns, rows: ordinal, keys: keys), batches, more)
    }

    private mutating func scanTable(_ table: SourceTable, query: String) throws -> TableScan {
        var columns = table.columns.map { column in
            ColumnScan(column: column, zone: options.assumeTimeZone, forcedType: override(table, column))
        }
        var keys: [Int64: String] = [:]
        let statement = try db.prepare(query)
        let cursor = ExportCursor(statement)
        var ordinal: Int64 = 0
        let hasRowID = table.rowIDName != nil
        let first: Int32 = hasRowID ? 1 : 0
        while try cursor.step() {
            observeRow(&columns, cursor, first: first, ordinal: ordinal, hasRowID: hasRowID, keys: &keys)
            ordinal += 1
            if ordinal % (Self.checkInterval * 8) == 0 { try checkCancelled() }
        }
        return TableScan(columns: columns, rows: ordinal, keys: keys)
    }

    struct SelectQuery {
        var sql: String
        /// The same query reading the table in storage order and sorting (`NOT INDEXED`), for a rowid table
        /// ordered by a primary key that is not the rowid; nil otherwise.
        var sortedSQL: String?
        /// Index of the first table column in the select list (1 when the rowid comes first).
        var firstColumn: Int
        var hasRowID: Bool

        /// The query for reading `rows` rows (or more): walking the primary-key index costs one random table
        /// page read per row, so big tables are read in storage order and sorted by SQLite's external merge
        /// sort (temp files, bounded memory) instead — the same order, at about half the CPU.
        func sql(forRows rows: Int64) -> String {
            rows >= TableExporter.sortThreshold ? (sortedSQL ?? sql) : sql
        }
    }

    /// From how many rows a table ordered by a non-rowid primary key is sorted rather than read through its index.
    static let sortThreshold: Int64 = 10_000

    /// `SELECT [rowid,] "c1", "c2"… FROM "t" ORDER BY <primary key>[, rowid]` (rowid order without a key).
    static func selectSQL(_ table: SourceTable) -> SelectQuery {
        let quote = SQLStatementText.quote
        let columns = table.columns.map { quote($0.name) }.joined(separator: ", ")
        var select = "SELECT "
        let rowID = table.rowIDName
        if let rowID { select += "\(rowID), " }
        select += columns + " FROM " + quote(table.name)
        var order: [String] = []
        let aliasKey = table.primaryKey.count == 1 && table.columns.contains { $0.isRowIDAlias }
        if !table.primaryKey.isEmpty && !aliasKey { order = table.primaryKey.map(quote) }
        let sortsByKey = !order.isEmpty && !table.withoutRowID
        if let rowID { order.append(rowID) }
        let orderBy = order.isEmpty ? "" : " ORDER BY " + order.joined(separator: ", ")
        return SelectQuery(
            sql: select + orderBy, sortedSQL: sortsByKey ? select + " NOT INDEXED" + orderBy : nil,
            firstColumn: rowID == nil ? 0 : 1, hasRowID: rowID != nil)
    }
}
