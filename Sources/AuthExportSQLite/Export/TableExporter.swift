import AuthExport

/// Exports tables one by one: a scan that decides the column types, then the rows through the writer's fast
/// path. Both passes run in the caller's read transaction and read rows in the same (archive) order.
struct TableExporter {
    let db: SQLiteConnection
    let writer: ArchiveWriter
    let options: SQLiteExportOptions
    var warnings: [ExportWarning] = []
    /// Approximate bytes read from the database so far (for progress).
    var bytesRead: Int64 = 0
    private var scratch: [UInt8] = []

    init(db: SQLiteConnection, writer: ArchiveWriter, options: SQLiteExportOptions) {
        self.db = db
        self.writer = writer
        self.options = options
        scratch.reserveCapacity(1024)
    }

    /// How often (in rows) progress is reported and cancellation polled.
    private static let checkInterval: Int64 = 8192

    mutating func export(_ table: SourceTable, sequence: Int64?) throws -> SQLiteExportSummary.Table {
        let query = Self.selectSQL(table)
        // Pass 1: scan every value to choose the column types.
        let scan = try scanTable(table, query: query)
        var plans: [ColumnPlan] = []
        for (i, columnScan) in scan.columns.enumerated() {
            let override = options.typeOverrides.last { $0.table == table.name && $0.column == columnScan.column.name }
            plans.append(
                try TypeInference.plan(
                    columnScan, table: table, override: override?.type, selectIndex: Int32(i + query.firstColumn),
                    describe: scan.describe, warnings: &warnings))
        }
        if let sequence, let alias = table.columns.firstIndex(where: \.isRowIDAlias),
            scan.columns[alias].integers > 0, sequence > scan.columns[alias].maxInteger
        {
            warnings.append(
                ExportWarning(
                    table: table.name,
                    message: "sqlite_sequence is \(sequence), above the highest \(table.columns[alias].name) "
                        + "\(scan.columns[alias].maxInteger) (rows were deleted); format 1.0 has no field for it, so a "
                        + "restored AUTOINCREMENT continues from the highest value"))
        }
        if !table.generatedColumns.isEmpty {
            warnings.append(
                ExportWarning(
                    table: table.name,
                    message: "generated column(s) \(table.generatedColumns.joined(separator: ", ")) are computed by "
                        + "the table's SQL and not exported as data"))
        }
        let schema = TableSchema(
            name: table.name, columns: plans.map(\.column), primaryKey: table.primaryKey,
            uniqueConstraints: table.uniqueConstraints, foreignKeys: table.foreignKeys, indexes: table.indexes,
            checks: table.checks, sql: table.sql, withoutRowID: table.withoutRowID)

        // Pass 2: the rows.
        try writer.beginTable(schema)
        report(.tableStarted, table.name, rows: 0, total: scan.rows)
        let statement = try db.prepare(query.sql)
        let cursor = ExportCursor(statement)
        var rows: Int64 = 0
        while try cursor.step() {
            try writer.appendRow { encoder in
                for plan in plans { try emit(plan, cursor, &encoder) }
            }
            rows += 1
            if rows % Self.checkInterval == 0 {
                try checkCancelled()
                report(.rows, table.name, rows: rows, total: scan.rows)
            }
        }
        guard rows == scan.rows else {
            // Cannot happen inside one read transaction; guards against a broken snapshot.
            throw ArchiveError(
                .io, "the table changed during the export (\(scan.rows) rows scanned, \(rows) read)",
                location: .init(table: table.name))
        }
        try writer.endTable()
        report(.tableFinished, table.name, rows: rows, total: rows)
        return SQLiteExportSummary.Table(name: table.name, rows: rows, columns: schema.columns)
    }

    // MARK: Rows

    @inline(__always)
    private mutating func emit(_ plan: ColumnPlan, _ cursor: ExportCursor, _ encoder: inout RowEncoder) throws {
        let i = plan.selectIndex
        let storage = cursor.storageClass(i)
        if storage == StorageClass.null {
            try encoder.appendNull()
            return
        }
        switch plan.emitter {
        case .integer:
            guard storage == StorageClass.integer else { throw changed(plan) }
            bytesRead += 8
            try encoder.appendInteger(cursor.integer(i))
        case .real:
            guard storage == StorageClass.real else { throw changed(plan) }
            bytesRead += 8
            try encoder.appendReal(cursor.real(i))
        case .text:
            guard storage == StorageClass.text else { throw changed(plan) }
            let text = cursor.text(i)
            bytesRead += Int64(text.count)
            try encoder.appendText(utf8: text)
        case .bytes:
            guard storage == StorageClass.blob else { throw changed(plan) }
            let blob = cursor.blob(i)
            bytesRead += Int64(blob.count)
            try encoder.appendBytes(blob)
        case .boolean:
            guard storage == StorageClass.integer else { throw changed(plan) }
            bytesRead += 8
            try encoder.appendBoolean(cursor.integer(i) == 1)
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
            switch plan.representation.decode(stored, into: &scratch) {
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
                throw changed(plan)
            }
        }
    }

    private func changed(_ plan: ColumnPlan) -> ArchiveError {
        ArchiveError(
            .invalidValue, "a value no longer fits the column's \(plan.column.type.rawValue) type chosen by the scan",
            location: .init(column: plan.column.name))
    }

    private func checkCancelled() throws(ArchiveError) {
        if let isCancelled = options.isCancelled, isCancelled() {
            throw ArchiveError(.io, "export interrupted; no archive was written")
        }
    }

    private func report(_ kind: ProgressEvent.Kind, _ table: String, rows: Int64, total: Int64?) {
        options.progress?(ProgressEvent(kind: kind, table: table, rowsDone: rows, rowsTotal: total, bytesDone: bytesRead))
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

    private mutating func scanTable(_ table: SourceTable, query: SelectQuery) throws -> TableScan {
        var columns = table.columns.map { column in
            ColumnScan(
                column: column, zone: options.assumeTimeZone,
                forcedType: options.typeOverrides.last { $0.table == table.name && $0.column == column.name }?.type)
        }
        var keys: [Int64: String] = [:]
        let statement = try db.prepare(query.sql)
        let cursor = ExportCursor(statement)
        var ordinal: Int64 = 0
        let first = Int32(query.firstColumn)
        while try cursor.step() {
            var flagged = false
            for c in columns.indices {
                let i = first + Int32(c)
                switch cursor.storageClass(i) {
                case StorageClass.integer: columns[c].observeInteger(cursor.integer(i), ordinal: ordinal)
                case StorageClass.real: columns[c].observeReal(cursor.real(i), ordinal: ordinal)
                case StorageClass.text: columns[c].observeText(cursor.text(i), ordinal: ordinal, scratch: &scratch)
                case StorageClass.blob: columns[c].observeBlob(cursor.blob(i), ordinal: ordinal)
                default: columns[c].observeNull()
                }
                if columns[c].recordedFailure {
                    columns[c].recordedFailure = false
                    flagged = true
                }
            }
            if flagged {
                keys[ordinal] = query.hasRowID ? "rowid \(cursor.integer(0))" : "row \(ordinal + 1)"
            }
            ordinal += 1
            if ordinal % (Self.checkInterval * 8) == 0 { try checkCancelled() }
        }
        return TableScan(columns: columns, rows: ordinal, keys: keys)
    }

    struct SelectQuery {
        var sql: String
        /// Index of the first table column in the select list (1 when the rowid comes first).
        var firstColumn: Int
        var hasRowID: Bool
    }

    /// `SELECT [rowid,] "c1", "c2"… FROM "t" ORDER BY <primary key>[, rowid]` (rowid order without a key).
    static func selectSQL(_ table: SourceTable) -> SelectQuery {
        let quote = SQLStatementText.quote
        let columns = table.columns.map { quote($0.name) }.joined(separator: ", ")
        var sql = "SELECT "
        let rowID = table.rowIDName
        if let rowID { sql += "\(rowID), " }
        sql += columns + " FROM " + quote(table.name)
        var order: [String] = []
        let aliasKey = table.primaryKey.count == 1 && table.columns.contains { $0.isRowIDAlias }
        if !table.primaryKey.isEmpty && !aliasKey { order = table.primaryKey.map(quote) }
        if let rowID { order.append(rowID) }
        if !order.isEmpty { sql += " ORDER BY " + order.joined(separator: ", ") }
        return SelectQuery(sql: sql, firstColumn: rowID == nil ? 0 : 1, hasRowID: rowID != nil)
    }
}
