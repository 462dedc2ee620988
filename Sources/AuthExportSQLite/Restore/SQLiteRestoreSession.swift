import AuthExport
internal import CSQLite

/// Where a restore gets its input: a ``RestoreInputReader``, or one running on another thread.
protocol RestoreInputSource: AnyObject {
    /// The next input, or nil after the `end` record.
    func next() throws -> RestoreInput?
    /// Where the last input returned is (path, line, byte offset).
    var location: ArchiveError.Location { get }
    /// Bytes of the archive consumed so far, for progress.
    var bytesRead: Int64 { get }
}

/// One restore run: reads an archive's records and builds the database on an open connection, or only records the
/// SQL it would run (``Mode/plan``).
///
/// The order is the one a bulk load wants: tables (with their keys and constraints), rows through one reused
/// prepared INSERT per table, then indexes, `sqlite_sequence` values, views and triggers, then `foreign_key_check`
/// and `integrity_check`. Everything runs in one transaction on a connection the caller made private.
final class SQLiteRestoreSession {
    /// What the session does with the statements.
    enum Mode {
        /// Build the database.
        case restore
        /// Check the schema SQL against the connection (an in-memory database) and record the plan.
        case plan
        /// Load rows into the tables of an existing database (`--data-only`): nothing is created, each value is
        /// converted to what the target column's declared type implies, and the whole load is one transaction
        /// committed only when every table fits and every foreign key holds.
        case dataOnly
    }

    private let connection: SQLiteConnection
    private let mode: Mode
    private let options: SQLiteRestoreOptions
    private let source: any RestoreInputSource

    private var header: ArchiveHeader?
    private var isSQLiteSource = true
    private var current: TableLoad?
    private var restoredTables: [String] = []
    /// The rows loaded into each table whose rows were restored.
    private var rowsByTable: [String: Int64] = [:]

    /// Each table created, with its rows (0 for schema only), in archive order.
    var tableRows: [SQLiteRestoreSummary.Table] {
        restoredTables.map { SQLiteRestoreSummary.Table(name: $0, rows: rowsByTable[$0] ?? 0) }
    }
    private var restoredTableSet = Set<String>()
    private var archiveTables: [String] = []
    /// Every table of the archive with its columns, to check that each `--as` names one.
    private var archiveColumns: [(name: String, columns: [AuthExport.Column])] = []
    private var deferredIndexes: [(table: String, name: String, sql: String)] = []
    /// Whether the page cache is at ``uniqueLoadCacheKiB`` for the table being loaded.
    private var widenedCache = false
    /// The page cache while a table with UNIQUE constraints is loaded. Their indexes are kept up to date row by
    /// row, and their keys (emails, tokens, handles) arrive in random order: with the load's 2 MiB cache each insert
    /// into them evicts and reads back pages through the kernel. Flask-Security's `user` (five UNIQUE columns),
    /// 200k users: 4.3 s → 3.3 s with 16 MiB, 3.2 s with 48 MiB (for 40 MB more memory); a Django database, whose
    /// only such key is `username`, is unchanged. Back to 2 MiB for the table's CREATE INDEX sorts (see
    /// `SQLiteRestore.loadCacheKiB`).
    static let uniqueLoadCacheKiB = 16 * 1024
    private var objects: [SchemaObject] = []
    private var internalRows: [String: [[Value]]] = [:]
    private var internalOrder: [String] = []
    private(set) var warnings: [String] = []
    private(set) var totalRows: Int64 = 0
    private(set) var plan: [String] = []
    private var probe: NumericAffinityProbe?
    /// `table.column` → how many values were kept in a storage class the column's affinity would not give.
    private var keptStorageClasses: [String: Int] = [:]
    private var tablesChecked: [RestoreVerifier.Table] = []
    /// AUTOINCREMENT tables of the archive with their `sequence` value.
    private var sequenceValues: [(table: String, value: Int64)] = []
    /// `--data-only`: what keeps the archive from loading into the target's schema, one line each.
    private var misfits: [String] = []
    /// `--data-only`: the tables loaded, for the foreign-key check.
    private var loadedTables: [String] = []

    /// Rows between two progress events.
    private static let progressInterval: Int64 = 65_536

    init(connection: SQLiteConnection, mode: Mode, options: SQLiteRestoreOptions, source: any RestoreInputSource) {
        self.connection = connection
        self.mode = mode
        self.options = options
        self.source = source
    }

    /// The number of tables created.
    var tableCount: Int { restoredTables.count }

    // MARK: Running

    /// Reads every record and builds the database (or the plan).
    ///
    /// The caller commits nothing: the session runs `BEGIN` and `COMMIT` itself and leaves the connection open.
    ///
    /// - Throws: `ArchiveError` with the archive location (and table, row, column) of the first problem; SQLite
    ///   failures are wrapped as its `underlying` error.
    func run() throws {
        try executeInternal(mode == .dataOnly ? "BEGIN IMMEDIATE" : "BEGIN")
        probe = try wrap { () throws(SQLiteError) in try NumericAffinityProbe(connection: connection) }
        guard case .record(.header(let header))? = try source.next() else {
            throw ArchiveError(.badRecord, "expected the header record first", location: source.location)
        }
        self.header = header
        isSQLiteSource = header.source.backend == "sqlite"
        plan.append(
            DisplayText.sqlComment(
                "authx restore plan: \(header.source.backend) database \(header.source.database)"
                    + (header.source.serverVersion.map { " (\($0))" } ?? "") + ", archive format \(header.version)"))
        plan.append("BEGIN;")
        var ended = false
        var sinceCheck = 0
        while let input = try source.next() {
            sinceCheck += 1
            if sinceCheck >= 4096 {
                sinceCheck = 0
                if options.isCancelled?() == true {
                    throw ArchiveError(.io, "restore cancelled; nothing was changed", location: source.location)
                }
            }
            guard case .record(let record) = input else {
                if case .row(let row) = input { try insert(row) }
                continue
            }
            switch record {
            case .header:
                throw ArchiveError(.badRecord, "a second header record", location: source.location)
            case .table(let schema):
                try beginTable(schema)
            case .row(let values):
                keepInternalRow(values)
            case .tableEnd(let end):
                try endTable(end)
            case .object(let object):
                objects.append(object)
            case .extensionRecord:
                continue
            case .end:
                ended = true
            }
        }
        guard ended else {
            throw ArchiveError(.truncated, "the archive ends before its end record", location: source.location)
        }
        // A filter selecting nothing is a usage error, never an empty database published over the target.
        if let problem = options.tables.problem(in: archiveTables, of: "the archive") {
            throw ArchiveError(.invalidValue, problem)
        }
        let unknown = options.representation.unmatchedColumns(for: .sqlite, in: archiveColumns)
        if !unknown.isEmpty {
            throw ArchiveError(
                .invalidValue,
                "--as names a column the archive does not have: "
                    + unknown.map { "\($0.table).\($0.column)" }.joined(separator: ", ") + "; nothing was restored",
                location: .init(path: source.location.path))
        }
        try finish()
        // Finalize every statement so the connection can really close (and release its exclusive lock).
        probe = nil
        current = nil
    }

    // MARK: Tables

    /// The state of the table whose rows are being read.
    private final class TableLoad {
        let schema: TableSchema
        /// Whether the table is restored (selected, and not an internal table we cannot create).
        var isSelected: Bool
        /// For `sqlite_sequence` and `sqlite_stat*`: rows are kept and applied at the end.
        var isInternal: Bool
        var insert: SQLiteStatement?
        /// The parameter index of each archive column (0 when the target computes it: a generated column).
        var parameters: [Int32]
        /// For each `any` column whose affinity may convert values: that affinity (nil for the others).
        var convertingAffinities: [SQLiteAffinity?]
        /// The names of the archive's columns.
        var columnNames: [String]
        var rows: Int64 = 0
        var withoutRowID: Bool
        /// Rows whose `any` cells column affinity converted; corrected at the end of the table.
        var conversions: [AffinityConversion] = []
        /// `--data-only`: the rows are read but not loaded (the table does not fit the target; reported at the end).
        var skipsRows = false
        /// `--data-only`: whether the target table held rows before the load (a key clash is then with them).
        var hadRows = false

        init(
            schema: TableSchema, isSelected: Bool, isInternal: Bool, insert: SQLiteStatement? = nil,
            parameters: [Int32] = [], convertingAffinities: [SQLiteAffinity?] = [], withoutRowID: Bool = false
        ) {
            self.schema = schema
            self.isSelected = isSelected
            self.isInternal = isInternal
            self.insert = insert
            self.parameters = parameters
            self.convertingAffinities = convertingAffinities
            self.columnNames = schema.columns.map(\.name)
            self.withoutRowID = withoutRowID
        }
    }

    /// A stored value that column affinity converted to another storage class, to be put back exactly.
    private struct AffinityConversion {
        var rowid: Int64
        var keyValues: [SQLiteValue]
        var columns: [Int]
        var values: [SQLiteValue]
    }

    private func beginTable(_ schema: TableSchema) throws {
        // SQLite cannot name anything with a NUL (its SQL text ends there): the same refusal, code and exit status
        // as the PostgreSQL restore's, before any SQL is built.
        if let bad = schema.names.first(where: { $0.name.utf8.contains(0) }) {
            throw ArchiveError(
                .unsupportedValue, "table \(schema.name): \(bad.kind) name contains a NUL character, which SQLite does not allow",
                location: .init(path: source.location.path, table: schema.name))
        }
        archiveTables.append(schema.name)
        archiveColumns.append((schema.name, schema.columns))
        let lower = schema.name.lowercased()
        if lower.hasPrefix("sqlite_") {
            let known = lower == "sqlite_sequence" || lower == "sqlite_stat1" || lower == "sqlite_stat4"
            let selected = known && options.tables.includes(schema.name) && !options.schemaOnly
            if !known { warnings.append("table \(schema.name): SQLite internal table skipped") }
            if selected && internalRows[lower] == nil {
                internalRows[lower] = []
                internalOrder.append(lower)
            }
            current = TableLoad(schema: schema, isSelected: selected, isInternal: true)
            return
        }
        guard options.tables.includes(schema.name) else {
            current = TableLoad(schema: schema, isSelected: false, isInternal: false)
            return
        }
        if mode == .dataOnly {
            try beginExistingTable(schema)
            return
        }
        guard !restoredTableSet.contains(schema.name.lowercased()) else {
            throw ArchiveError(.badRecord, "table \(schema.name) appears twice", location: source.location)
        }
        var sql: String
        if isSQLiteSource, let original = schema.sql {
            guard SQLiteSyntax.schemaStatementKind(original) == .table else {
                throw ArchiveError(
                    .badRecord, "the table's sql is not a CREATE TABLE statement", location: source.location)
            }
            sql = original
        } else {
            let options = self.options
            let source: DatabaseEngine = isSQLiteSource ? .sqlite : .postgresql
            sql = try SQLiteSchemaBuilder.createTable(
                schema, connection: connection,
                choice: { column in try? options.valueForm(of: column, in: schema.name, from: source).form },
                warnings: &warnings)
        }
        sql = try executeArchiveTableSQL(sql, table: schema.name)
        plan.append(sql + ";")
        if let value = schema.sequenceValue, !options.schemaOnly,
            SQLiteSyntax.tokenize(sql).contains(where: { $0.isKeyword("AUTOINCREMENT") })
        {
            sequenceValues.append((schema.name, value))
        }
        restoredTables.append(schema.name)
        restoredTableSet.insert(schema.name.lowercased())
        if !options.schemaOnly {
            let uniqueIndexes = try wrap { () throws(SQLiteError) in
                try connection.query(
                    "SELECT count(*) FROM pragma_index_list(?) WHERE origin = 'u'", [.text(Array(schema.name.utf8))])
            }
            if (uniqueIndexes.first?.first?.integer ?? 0) > 0 {
                try wrap { () throws(SQLiteError) in
                    try connection.execute("PRAGMA cache_size = -\(Self.uniqueLoadCacheKiB)")
                }
                widenedCache = true
            }
        }

        // Match the archive's columns with the created table's (generated columns are computed, not inserted).
        let info = try wrap { () throws(SQLiteError) in
            try connection.query(
                "SELECT name, type, hidden FROM pragma_table_xinfo(?) ORDER BY cid",
                [.text(Array(schema.name.utf8))])
        }
        guard !info.isEmpty else {
            throw ArchiveError(
                .badRecord, "the table's sql did not create a table named \(schema.name)", location: source.location)
        }
        var targetColumns: [String: (type: String, hidden: Int64)] = [:]
        for row in info {
            guard let name = row[0].string else { continue }
            targetColumns[name.lowercased()] = (row[1].string ?? "", row[2].integer ?? 0)
        }
        var parameters: [Int32] = []
        var convertingAffinities: [SQLiteAffinity?] = []
        var insertColumns: [String] = []
        var described: [String] = []
        for column in schema.columns {
            guard let target = targetColumns[column.name.lowercased()] else {
                throw ArchiveError(
                    .badRecord, "the archive's column is not in the table's CREATE statement",
                    location: .init(
                        path: source.location.path, line: source.location.line, table: schema.name,
                        column: column.name))
            }
            if target.hidden == 2 || target.hidden == 3 {
                parameters.append(0)
                convertingAffinities.append(nil)
                described.append("\(column.name): generated")
                continue
            }
            let writer: CellEncoder
            do {
                let choice = try options.valueForm(
                    of: column, in: schema.name, from: isSQLiteSource ? .sqlite : .postgresql)
                writer = try CellEncoder.forTarget(
                    column: column, declaredType: target.type, table: schema.name,
                    exact: isSQLiteSource && schema.sql != nil, choice: choice.form, explicit: choice.explicit,
                    warnings: &warnings)
            } catch {
                throw error.filling(source.location)
            }
            let affinity = SQLiteAffinity(declaredType: target.type)
            convertingAffinities.append(column.type == .any && affinity != .blob ? affinity : nil)
            insertColumns.append(column.name)
            parameters.append(Int32(insertColumns.count))
            described.append("\(column.name): \(writer.planDescription)")
        }
        let archiveNames = Set(schema.columns.map { $0.name.lowercased() })
        for row in info where (row[2].integer ?? 0) == 0 {
            if let name = row[0].string, !archiveNames.contains(name.lowercased()) {
                warnings.append("table \(schema.name): column \(name) is not in the archive; it gets its default")
            }
        }
        var insert: SQLiteStatement?
        let insertSQL: String
        if insertColumns.isEmpty {
            insertSQL = "INSERT INTO \(SQLiteSyntax.quote(schema.name)) DEFAULT VALUES"
        } else {
            insertSQL =
                "INSERT INTO \(SQLiteSyntax.quote(schema.name)) (\(SQLiteSyntax.quoteList(insertColumns))) VALUES ("
                + Array(repeating: "?", count: insertColumns.count).joined(separator: ", ") + ")"
        }
        if mode == .restore && !options.schemaOnly {
            insert = try wrap { () throws(SQLiteError) in try connection.prepare(insertSQL) }
        }
        if !options.schemaOnly {
            plan.append(DisplayText.sqlComment("rows of \(schema.name): " + insertSQL + ";"))
            plan.append(DisplayText.sqlComment("  " + described.joined(separator: "; ")))
        }
        let withoutRowID =
            try wrap { () throws(SQLiteError) in
                try connection.query(
                    "SELECT wr FROM pragma_table_list(?) WHERE schema = 'main'",
                    [.text(Array(schema.name.utf8))])
            }.first?.first?.integer == 1
        current = TableLoad(
            schema: schema, isSelected: true, isInternal: false, insert: insert, parameters: parameters,
            convertingAffinities: convertingAffinities, withoutRowID: withoutRowID)
        for index in schema.indexes {
            if let sql = try indexSQL(index, table: schema) {
                deferredIndexes.append((schema.name, index.name, sql))
            }
        }
        report(.tableStarted, table: schema.name, rows: 0)
    }

    /// The SQL that recreates `index` after the data, or nil (with a warning) when it cannot be.
    private func indexSQL(_ index: Index, table: TableSchema) throws -> String? {
        if isSQLiteSource, let sql = index.sql {
            guard SQLiteSyntax.schemaStatementKind(sql) == .index else {
                throw ArchiveError(
                    .badRecord, "index \(index.name): its sql is not a CREATE INDEX statement",
                    location: .init(path: source.location.path, line: source.location.line, table: table.name))
            }
            return sql
        }
        return SQLiteSchemaBuilder.createIndex(index, table: table.name, connection: connection, warnings: &warnings)
    }

    /// Keeps a row of `sqlite_sequence` or `sqlite_stat*`, applied at the end.
    private func keepInternalRow(_ values: [Value]) {
        guard let table = current else { return }
        table.rows += 1
        guard table.isSelected, table.isInternal, !options.schemaOnly else { return }
        internalRows[table.schema.name.lowercased(), default: []].append(values)
    }

    /// Binds an encoded row to the table's INSERT and runs it.
    private func insert(_ row: EncodedRow) throws {
        if let table = current, table.skipsRows {
            table.rows += 1
            return
        }
        guard let table = current, table.isSelected, let statement = table.insert else {
            throw ArchiveError(.badRecord, "a row outside a restored table", location: source.location)
        }
        table.rows += 1
        guard row.count == table.parameters.count else {
            throw ArchiveError(
                .wrongArity, "row has \(row.count) cells, the table has \(table.parameters.count) columns",
                location: rowLocation(table))
        }
        // swift-format-ignore: NeverForceUnwrap
        let probe = self.probe!  // set in run() before any input is read
        var converted: [Int] = []
        // TEXT and BLOB are bound in place (no copy): bind and step inside the buffer's access scope.
        let outcome: InsertOutcome = row.batch.bytes.withUnsafeBytes { bytes in
            let base = bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)
            for i in 0..<row.count {
                let parameter = table.parameters[i]
                if parameter == 0 { continue }
                let cell = row.batch.cells[row.start + i]
                let rc: Int32
                switch cell {
                case .null: rc = statement.bindNull(at: parameter)
                case .integer(let v): rc = statement.bindInteger(v, at: parameter)
                case .real(let v): rc = statement.bindReal(v, at: parameter)
                case .text(let start, let count):
                    rc = statement.bindStaticText(base.map { $0 + Int(start) }, count: Int(count), at: parameter)
                case .blob(let start, let count):
                    rc = statement.bindStaticBlob(base.map { $0 + Int(start) }, count: Int(count), at: parameter)
                }
                if rc != SQLITE_OK { return .bindFailed(rc, column: i) }
                if let affinity = table.convertingAffinities[i],
                    Self.affinityWillConvert(cell, affinity, bytes: bytes, probe: probe)
                {
                    converted.append(i)
                }
            }
            do throws(SQLiteError) {
                try statement.stepOnceAndReset()
            } catch {
                return .stepFailed(error)
            }
            return .inserted
        }
        switch outcome {
        case .inserted: break
        case .bindFailed(let rc, let column):
            let error = wrapError(rc, statement)
            throw ArchiveError(
                .io, "cannot bind the value: \(error.message)",
                location: rowLocation(table, column: table.columnNames[column]), underlying: error)
        case .stepFailed(let error):
            throw insertError(error, table)
        }
        if !converted.isEmpty {
            let keyValues: [SQLiteValue] =
                table.withoutRowID ? primaryKeyPositions(table.schema).map { row.value(at: $0) } : []
            table.conversions.append(
                AffinityConversion(
                    rowid: connection.lastInsertRowID, keyValues: keyValues, columns: converted,
                    values: converted.map { row.value(at: $0) }))
        }
        totalRows += 1
        if table.rows % Self.progressInterval == 0 { report(.rows, table: table.schema.name, rows: table.rows) }
    }

    private enum InsertOutcome {
        case inserted
        case bindFailed(Int32, column: Int)
        case stepFailed(SQLiteError)
    }

    /// Whether SQLite will store `cell` of an `any` column in another storage class than its own, because of the
    /// column's affinity. (In a REAL column SQLite reads every integer back as a REAL, so a source cannot hold an
    /// integer there: that case is not a conversion.)
    @inline(__always)
    private static func affinityWillConvert(
        _ cell: BoundCell, _ affinity: SQLiteAffinity, bytes: UnsafeRawBufferPointer, probe: NumericAffinityProbe
    ) -> Bool {
        switch cell {
        case .null, .blob: return false
        case .integer: return affinity == .text
        case .real(let d):
            switch affinity {
            case .text: return true
            // SQLite stores a REAL that is exactly an integer as INTEGER in these columns.
            case .integer, .numeric: return SQLiteAffinity.exactInteger(d) != nil
            case .real, .blob: return false
            }
        case .text(let start, let count):
            return affinity.convertsNumericText
                && probe.wouldConvert(UnsafeRawBufferPointer(rebasing: bytes[Int(start)..<Int(start + count)]))
        }
    }

    private func primaryKeyPositions(_ schema: TableSchema) -> [Int] {
        schema.primaryKey.compactMap { key in
            schema.columns.firstIndex { $0.name.lowercased() == key.lowercased() }
        }
    }

    private func endTable(_ end: TableEnd) throws {
        guard let table = current else {
            throw ArchiveError(.badRecord, "a table_end outside a table", location: source.location)
        }
        current = nil
        guard table.isSelected, !table.isInternal else { return }
        if mode == .dataOnly {
            if !table.skipsRows { loadedTables.append(table.schema.name) }
            report(.tableFinished, table: table.schema.name, rows: table.rows)
            return
        }
        if !table.conversions.isEmpty { try restoreStorageClasses(table) }
        if widenedCache {
            try wrap { () throws(SQLiteError) in
                try connection.execute("PRAGMA cache_size = -\(SQLiteRestore.loadCacheKiB)")
            }
            widenedCache = false
        }
        // This table's indexes, now that its data is in (the next table is meanwhile being read).
        for index in deferredIndexes {
            do {
                try executeArchiveSQL(index.sql, what: "index \(index.name) of table \(index.table)")
            } catch let error as ArchiveError {
                // An index calling a function off the allow-list is left out (its table's data is all there).
                guard let denied = (error.underlying as? SQLiteError)?.deniedFunctions, !denied.isEmpty, !options.strictSQL
                else { throw error }
                warnings.append(
                    "index \(index.name) of table \(index.table) left out: it calls \(denied.joined(separator: ", ")), "
                        + "not on the allow-list of side-effect-free functions")
                continue
            }
            plan.append(index.sql + ";")
        }
        deferredIndexes = []
        let btrees =
            1 + table.schema.indexes.count + table.schema.uniqueConstraints.count
            + (table.schema.primaryKey.isEmpty ? 0 : 1)
        let rows = max(1, table.rows)
        tablesChecked.append(
            RestoreVerifier.Table(
                name: table.schema.name, btreeRows: rows * Int64(btrees),
                foreignKeyRows: rows * Int64(table.schema.foreignKeys.count)))
        rowsByTable[table.schema.name] = table.rows
        report(.tableFinished, table: table.schema.name, rows: table.rows)
    }

    // MARK: Loading into an existing schema (--data-only)

    /// Matches an archive table with the target's table of the same name: every archive column must have a target
    /// column that can hold its values, and every target column that must be filled (NOT NULL without a default)
    /// must be in the archive. A table that does not fit is reported at the end (its rows are read, not loaded).
    private func beginExistingTable(_ schema: TableSchema) throws {
        let table = TableLoad(schema: schema, isSelected: true, isInternal: false)
        current = table
        guard let target = try wrap({ () throws(SQLiteError) in try TargetTable.read(schema.name, connection) })
        else {
            misfits.append("table \(schema.name) is not in the target database")
            table.skipsRows = true
            return
        }
        var problems: [String] = []
        var insertColumns: [String] = []
        var described: [String] = []
        var parameters: [Int32] = []
        for column in schema.columns {
            guard let declared = target.declaredType(of: column.name) else {
                problems.append("column \(column.name) of the archive is not in the target table")
                continue
            }
            if let reason = TargetTable.cannotHold(column.type, declaredType: declared) {
                problems.append("column \(column.name) is \(declared.isEmpty ? "untyped" : declared) in the target: "
                    + "it cannot hold the archive's \(column.type.rawValue) values (\(reason))")
                continue
            }
            let writer: CellEncoder
            do {
                let choice = try options.valueForm(
                    of: column, in: schema.name, from: isSQLiteSource ? .sqlite : .postgresql)
                writer = try CellEncoder.forTarget(
                    column: column, declaredType: declared, table: schema.name, exact: false, choice: choice.form,
                    explicit: choice.explicit, warnings: &warnings)
            } catch {
                throw error.filling(source.location)
            }
            insertColumns.append(column.name)
            parameters.append(Int32(insertColumns.count))
            described.append("\(column.name): \(writer.planDescription)")
        }
        let archiveNames = Set(schema.columns.map { $0.name.lowercased() })
        for name in target.columnsToFill where !archiveNames.contains(name.lowercased()) {
            problems.append("column \(name) of the target is NOT NULL without a default, and the archive has no values for it")
        }
        guard problems.isEmpty else {
            misfits.append("table \(schema.name): " + problems.joined(separator: "; "))
            table.skipsRows = true
            return
        }
        let insertSQL =
            "INSERT INTO \(SQLiteSyntax.quote(target.name)) (\(SQLiteSyntax.quoteList(insertColumns))) VALUES ("
            + Array(repeating: "?", count: insertColumns.count).joined(separator: ", ") + ")"
        plan.append(DisplayText.sqlComment("rows of \(schema.name): " + insertSQL + ";"))
        plan.append(DisplayText.sqlComment("  " + described.joined(separator: "; ")))
        table.insert = try wrap { () throws(SQLiteError) in try connection.prepare(insertSQL) }
        table.parameters = parameters
        table.convertingAffinities = Array(repeating: nil, count: parameters.count)
        table.hadRows = try wrap { () throws(SQLiteError) in
            try !connection.query("SELECT 1 FROM \(SQLiteSyntax.quote(target.name)) LIMIT 1").isEmpty
        }
        if let value = schema.sequenceValue, target.autoIncrement { sequenceValues.append((target.name, value)) }
        restoredTables.append(schema.name)
        restoredTableSet.insert(schema.name.lowercased())
        report(.tableStarted, table: schema.name, rows: 0)
    }

    /// Reports every table that did not fit, sets AUTOINCREMENT counters past the loaded keys, checks the foreign
    /// keys of the loaded tables, and commits; on any problem nothing is committed.
    private func finishDataOnly() throws {
        guard misfits.isEmpty else {
            throw ArchiveError(
                .invalidValue,
                "the archive does not fit the target's schema, nothing was loaded: " + misfits.joined(separator: "; "),
                location: .init(path: source.location.path))
        }
        try applySequenceValues()
        let check = ForeignKeyCheck(connection: connection, keptStorageClasses: [])
        for table in loadedTables {
            let violations = try wrap { () throws(SQLiteError) in try check.violations(of: table) }
            if let first = violations.first {
                throw ArchiveError(
                    .danglingReference,
                    "\(violations.count) row(s) reference a missing row of \(first.parent)"
                        + (first.rowid.map { " (first: rowid \($0))" } ?? "") + "; nothing was loaded",
                    location: .init(path: source.location.path, table: table))
            }
        }
        plan.append("PRAGMA foreign_key_check;")
        plan.append("COMMIT;")
        try executeInternal("COMMIT")
    }

    // MARK: Finishing

    private func finish() throws {
        if mode == .dataOnly {
            try finishDataOnly()
            return
        }
        try applySequenceValues()
        try applyInternalTables()
        try createObjects()
        plan.append("COMMIT;")
        plan.append("PRAGMA foreign_key_check;")
        plan.append("PRAGMA integrity_check;")
        try executeInternal("COMMIT")
    }

    /// Sets each AUTOINCREMENT table's counter to the archive's `sequence` value (the source's
    /// `sqlite_sequence.seq`, or a PostgreSQL sequence's last value), which may be above the largest restored key
    /// because rows were deleted; never below the largest key.
    private func applySequenceValues() throws {
        let tables = sequenceValues.filter { restoredTableSet.contains($0.table.lowercased()) }
        guard !tables.isEmpty else { return }
        let hasSequenceTable = try tableExists("sqlite_sequence")
        guard mode == .plan || hasSequenceTable else { return }
        for (table, value) in tables {
            plan.append(DisplayText.sqlComment("sqlite_sequence: \(table) continues after \(value)"))
            guard mode != .plan else { continue }
            let update = try wrap { () throws(SQLiteError) in
                try connection.prepare("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?")
            }
            try bindAndStep(update, [.integer(value), .text(Array(table.utf8))], table: "sqlite_sequence")
            if connection.changes == 0 {
                let insert = try wrap { () throws(SQLiteError) in
                    try connection.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)")
                }
                try bindAndStep(insert, [.text(Array(table.utf8)), .integer(value)], table: "sqlite_sequence")
            }
        }
    }

    /// Writes the archive's `sqlite_sequence` (AUTOINCREMENT counters, which may be above the largest key) and
    /// `sqlite_stat1`/`sqlite_stat4` rows, for the tables that were restored.
    private func applyInternalTables() throws {
        for name in internalOrder where mode != .dataOnly {
            let rows = internalRows[name] ?? []
            if name == "sqlite_sequence" {
                guard try tableExists("sqlite_sequence") else { continue }
                plan.append("-- sqlite_sequence: the archive's \(rows.count) AUTOINCREMENT counters")
                guard mode == .restore else { continue }
                try executeInternal("DELETE FROM sqlite_sequence")
                let statement = try wrap { () throws(SQLiteError) in
                    try connection.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)")
                }
                for row in rows {
                    guard row.count == 2, case .text(let table) = rowText(row[0]),
                        restoredTableSet.contains(table.lowercased())
                    else { continue }
                    try bindAndStep(statement, [row[0], row[1]].map(Self.sqliteValue), table: "sqlite_sequence")
                }
            } else {
                // sqlite_stat1 (tbl, idx, stat) and sqlite_stat4: ANALYZE creates them; the rows are the statistics.
                plan.append("ANALYZE sqlite_schema;  -- creates \(name); the archive's \(rows.count) rows follow")
                guard mode == .restore else { continue }
                try executeInternal("ANALYZE sqlite_schema")
                guard try tableExists(name) else { continue }
                try executeInternal("DELETE FROM \(SQLiteSyntax.quote(name))")
                guard let width = rows.first?.count else { continue }
                let statement = try wrap { () throws(SQLiteError) in
                    try connection.prepare(
                        "INSERT INTO \(SQLiteSyntax.quote(name)) VALUES ("
                            + Array(repeating: "?", count: width).joined(separator: ", ") + ")")
                }
                for row in rows where row.count == width {
                    guard case .text(let table) = rowText(row[0]), restoredTableSet.contains(table.lowercased())
                    else { continue }
                    try bindAndStep(statement, row.map(Self.sqliteValue), table: name)
                }
            }
        }
    }

    /// The text of an `any` or `text` cell.
    private func rowText(_ value: Value) -> Value {
        if case .text = value { return value }
        return .null
    }

    private func bindAndStep(_ statement: SQLiteStatement, _ values: [SQLiteValue], table: String) throws {
        for (i, value) in values.enumerated() {
            try wrap { () throws(SQLiteError) in try statement.bind(value, at: Int32(i + 1)) }
        }
        do {
            try statement.stepOnceAndReset()
        } catch {
            throw ArchiveError(
                .io, "cannot write \(table): \(error.message)",
                location: .init(path: source.location.path, table: table),
                underlying: error)
        }
    }

    /// A kept value as SQLite stores it.
    private static func sqliteValue(_ value: Value) -> SQLiteValue {
        switch value {
        case .null: return .null
        case .integer(let v): return .integer(v)
        case .real(let v): return .real(v)
        case .text(let v): return .text(Array(v.utf8))
        case .bytes(let v): return .blob(v)
        case .invalidText(let v): return .text(v)
        case .boolean(let v): return .integer(v ? 1 : 0)
        case .json(let v): return .text(Array(v.utf8))
        }
    }

    private func tableExists(_ name: String) throws -> Bool {
        try wrap { () throws(SQLiteError) in
            try !connection.query(
                "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?", [.text(Array(name.utf8))]
            )
            .isEmpty
        }
    }

    /// Creates views and triggers in archive order.
    ///
    /// Views may refer to views that come later, so a view that fails is retried after the others. Objects of a PostgreSQL archive are PostgreSQL SQL: they are created
    /// when SQLite accepts them and otherwise reported in the warnings.
    private func createObjects() throws {
        var pending: [SchemaObject] = []
        for object in objects {
            if let table = object.table, !restoredTableSet.contains(table.lowercased()) {
                if options.tables.includes(table) {
                    warnings.append("\(object.type) \(object.name): its table \(table) is not in the archive; skipped")
                }
                continue
            }
            let expected: SQLiteSyntax.SchemaStatementKind? =
                switch object.type {
                case "view": .view
                case "trigger": .trigger
                default: nil
                }
            guard let expected else {
                warnings.append("\(object.type) \(object.name): unknown object type; skipped")
                continue
            }
            guard SQLiteSyntax.schemaStatementKind(object.sql) == expected else {
                if isSQLiteSource {
                    throw ArchiveError(
                        .badRecord,
                        "\(object.type) \(object.name): its sql is not a CREATE \(object.type.uppercased())",
                        location: .init(path: source.location.path))
                }
                warnings.append("\(object.type) \(object.name): not SQLite SQL; skipped")
                continue
            }
            pending.append(object)
        }
        var lastError: [String: ArchiveError] = [:]
        var createdViews: [SchemaObject] = []
        while !pending.isEmpty {
            var failed: [SchemaObject] = []
            for object in pending {
                do {
                    try executeArchiveSQL(object.sql, what: "\(object.type) \(object.name)")
                    plan.append(object.sql + ";")
                    if object.type == "view" { createdViews.append(object) }
                } catch let error as ArchiveError {
                    lastError[object.name] = error
                    failed.append(object)
                }
            }
            if failed.count == pending.count {
                for object in failed {
                    let reason =
                        (lastError[object.name]?.underlying as? SQLiteError)?.message ?? "not accepted by SQLite"
                    if isSQLiteSource && options.tables.selectsAll {
                        throw lastError[object.name]
                            ?? ArchiveError(.badRecord, "\(object.type) \(object.name) cannot be created")
                    }
                    warnings.append("\(object.type) \(object.name) not created: \(reason)")
                }
                break
            }
            pending = failed
        }
        // SQLite accepts a view over tables that do not exist; a PostgreSQL view that does not work in SQLite is
        // dropped and reported rather than left broken. (A SQLite archive's views are kept exactly as they were.)
        guard !isSQLiteSource else { return }
        for view in createdViews {
            do {
                _ = try connection.prepare("SELECT * FROM \(SQLiteSyntax.quote(view.name)) LIMIT 0")
            } catch {
                try executeInternal("DROP VIEW \(SQLiteSyntax.quote(view.name))")
                plan.removeAll { $0 == view.sql + ";" }
                warnings.append("view \(view.name) not created: \(error.message)")
            }
        }
    }

    /// The restored tables with the cost of checking each (rows × b-trees), for ``RestoreVerifier``.
    var tablesToVerify: [RestoreVerifier.Table] { tablesChecked }

    /// The lowercased names of the restored tables.
    var restoredTableNames: Set<String> { restoredTableSet }

    /// `table.column` → how many values were kept in a storage class the column's affinity would not give.
    var storageClassesKept: [String: Int] { keptStorageClasses }

    // MARK: Exact storage classes

    /// Puts back `any` cells that column affinity converted on insert (text that looks like a number in a NUMERIC
    /// column of a database written by another SQLite version or by schema edits, for instance).
    ///
    /// SQLite applies affinity on every write, so the only exact way is the one SQLite documents for schema
    /// changes that do not alter the stored format: with `writable_schema`, declare the affected columns without
    /// a type (BLOB affinity: values stored as given), rewrite the cells, then put the original CREATE statement
    /// back. Indexes on these columns are maintained by the UPDATE; `integrity_check` runs at the end.
    private func restoreStorageClasses(_ table: TableLoad) throws {
        let columnIndexes = Set(table.conversions.flatMap(\.columns))
        let names = columnIndexes.sorted().map { table.schema.columns[$0].name }
        guard let originalSQL = try currentSQL(table.schema.name),
            let neutralSQL = SQLiteSyntax.replacingColumnTypes(
                in: originalSQL, columns: Set(names.map { $0.lowercased() }), with: "BLOB")
        else {
            warnings.append(
                "table \(table.schema.name): \(table.conversions.count) value(s) in column(s) "
                    + names.joined(separator: ", ")
                    + " were converted by the column's type affinity and could not be put back exactly")
            return
        }
        try rewriteSchemaSQL(table: table.schema.name, sql: neutralSQL)
        let keyColumns: [String] = table.withoutRowID ? table.schema.primaryKey : []
        for conversion in table.conversions {
            let assignments = conversion.columns.map { "\(SQLiteSyntax.quote(table.schema.columns[$0].name)) = ?" }
            let condition =
                table.withoutRowID
                ? keyColumns.map { "\(SQLiteSyntax.quote($0)) IS ?" }.joined(separator: " AND ") : "rowid = ?"
            let sql =
                "UPDATE \(SQLiteSyntax.quote(table.schema.name)) SET \(assignments.joined(separator: ", ")) WHERE \(condition)"
            let statement = try wrap { () throws(SQLiteError) in try connection.prepare(sql) }
            var bindings = conversion.values
            if table.withoutRowID {
                bindings += conversion.keyValues
            } else {
                bindings.append(.integer(conversion.rowid))
            }
            try bindAndStep(statement, bindings, table: table.schema.name)
        }
        try rewriteSchemaSQL(table: table.schema.name, sql: originalSQL)
        for conversion in table.conversions {
            for column in conversion.columns {
                keptStorageClasses["\(table.schema.name).\(table.schema.columns[column].name)", default: 0] += 1
            }
        }
        warnings.append(
            "table \(table.schema.name): \(table.conversions.count) row(s) keep values in column(s) "
                + names.joined(separator: ", ") + " whose storage class the column's type affinity would not give "
                + "(as in the source database); PRAGMA integrity_check reports them, as it does on the source")
    }

    private func currentSQL(_ table: String) throws -> String? {
        try wrap { () throws(SQLiteError) in
            try connection.query(
                "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", [.text(Array(table.utf8))])
        }.first?.first?.string
    }

    private func rewriteSchemaSQL(table: String, sql: String) throws {
        let version =
            try wrap { () throws(SQLiteError) in try connection.query("PRAGMA schema_version") }.first?.first?.integer
            ?? 0
        try executeInternal("PRAGMA writable_schema = ON")
        let update = try wrap { () throws(SQLiteError) in
            try connection.prepare("UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = ?")
        }
        try bindAndStep(update, [.text(Array(sql.utf8)), .text(Array(table.utf8))], table: "sqlite_schema")
        try executeInternal("PRAGMA schema_version = \(version + 1)")
        try executeInternal("PRAGMA writable_schema = OFF")
    }

    // MARK: Helpers

    /// Runs SQL that came from the archive (CREATE TABLE / INDEX / VIEW / TRIGGER), one statement only, with an
    /// authorizer that refuses anything but creating schema objects, and functions off the allow-list.
    private func executeArchiveSQL(_ sql: String, what: String) throws {
        do {
            try connection.executeSchemaStatement(sql)
        } catch {
            let code: ArchiveError.Code =
                error.resultCode == SQLITE_AUTH || error.resultCode == SQLITE_ERROR ? .badRecord : .io
            var message = "\(what): SQLite refused its SQL: \(error.message)"
            if !error.deniedFunctions.isEmpty {
                message = "\(what): its SQL calls \(error.deniedFunctions.joined(separator: ", ")), not on the allow-list "
                    + "of side-effect-free functions" + (options.strictSQL ? " (--strict-sql)" : "")
            }
            throw ArchiveError(code, message, location: .init(path: source.location.path), underlying: error)
        }
    }

    /// Runs a table's CREATE statement; a CHECK calling a function off the allow-list is left out with a warning
    /// (unless ``SQLiteRestoreOptions/strictSQL``). Returns the statement that ran.
    private func executeArchiveTableSQL(_ sql: String, table: String) throws -> String {
        do {
            try executeArchiveSQL(sql, what: "table \(table)")
            return sql
        } catch let error as ArchiveError {
            guard let denied = (error.underlying as? SQLiteError)?.deniedFunctions, !denied.isEmpty, !options.strictSQL,
                let (rewritten, removed) = SQLiteSyntax.removingChecks(in: sql, calling: Set(denied))
            else { throw error }
            try executeArchiveSQL(rewritten, what: "table \(table)")
            for check in removed {
                warnings.append(
                    "table \(table): \(check) left out: it calls \(denied.joined(separator: ", ")), not on the allow-list "
                        + "of side-effect-free functions")
            }
            return rewritten
        }
    }

    /// Runs SQL the restore itself wrote.
    private func executeInternal(_ sql: String) throws {
        try wrap { () throws(SQLiteError) in try connection.execute(sql) }
    }

    private func wrap<T>(_ body: () throws(SQLiteError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw ArchiveError(
                .io, "SQLite: \(error.message)",
                location: .init(path: source.location.path, table: current?.schema.name),
                underlying: error)
        }
    }

    private func wrapError(_ rc: Int32, _ statement: SQLiteStatement) -> SQLiteError {
        do throws(SQLiteError) {
            try statement.check(rc)
        } catch {
            return error
        }
        return SQLiteError(resultCode: rc, message: "bind failed")
    }

    private func rowLocation(_ table: TableLoad, column: String? = nil) -> ArchiveError.Location {
        var location = source.location
        location.table = table.schema.name
        location.row = table.rows
        if let column { location.column = column }
        return location
    }

    /// Maps a failed INSERT to an error naming the table, row and (where SQLite says) column.
    private func insertError(_ error: SQLiteError, _ table: TableLoad) -> ArchiveError {
        let code: ArchiveError.Code
        switch error.resultCode {
        case 1555, 2067: code = .duplicateKey  // SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_UNIQUE
        case 1299: code = .nullViolation  // SQLITE_CONSTRAINT_NOTNULL
        case 787: code = .danglingReference  // SQLITE_CONSTRAINT_FOREIGNKEY
        case 3091, 20: code = .typeMismatch  // SQLITE_CONSTRAINT_DATATYPE, SQLITE_MISMATCH
        case _ where error.resultCode & 0xFF == SQLITE_CONSTRAINT: code = .invalidValue
        case _ where error.resultCode & 0xFF == SQLITE_TOOBIG:
            // No value of a valid archive is that long: the table's own SQL (a DEFAULT) built it.
            return ArchiveError(
                .unsupportedValue,
                "a value SQLite had to build for this row is longer than the restore's limit of "
                    + "\(SQLiteRestore.maxValueBytes >> 20) MiB (the table's SQL builds it: a DEFAULT of a column the "
                    + "archive does not list?); nothing was written",
                location: rowLocation(table), underlying: error)
        default: code = .io
        }
        // "NOT NULL constraint failed: t.c" names the column; keep it when there is exactly one.
        var column: String?
        if let range = error.message.firstRange(of: "failed: ") {
            let names = error.message[range.upperBound...].split(separator: ",")
            if names.count == 1, let dot = names[0].lastIndex(of: ".") {
                column = String(names[0][names[0].index(after: dot)...]).trimmingSpaces()
            }
        }
        if code == .duplicateKey && table.hadRows {
            return ArchiveError(
                code,
                "\(error.message): the key is already held by a row that was in the target table before this "
                    + "restore (--data-only loads into empty tables: empty them, or restore into a new database); "
                    + "nothing was loaded",
                location: rowLocation(table, column: column), underlying: error)
        }
        return ArchiveError(code, error.message, location: rowLocation(table, column: column), underlying: error)
    }

    private func report(_ kind: ProgressEvent.Kind, table: String, rows: Int64) {
        guard let progress = options.progress, mode != .plan else { return }
        progress(ProgressEvent(kind: kind, table: table, rowsDone: rows, rowsTotal: nil, bytesDone: source.bytesRead))
    }
}

@available(*, unavailable)
extension SQLiteRestoreSession: Sendable {}

extension StringProtocol {
    /// The string without leading and trailing spaces.
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
