import Crypto

/// Compares two record streams table by table — two archives (`authx diff OLD NEW`), or an archive and a database
/// read as an export would read it (`authx verify FILE --against DATABASE`) — and reports what differs: tables
/// added or removed, schema changes, and per table the rows added, removed and changed, by primary key (by whole
/// row for tables without one).
///
/// Values are compared in the archive's logical form, digested as ``ArchiveVerifier/Options/checkKeys`` digests
/// keys (`CellDigester`): under the old side's logical type a uuid equals its other spellings (dashed or not,
/// upper case, 16 bytes), a timestamp its spellings with a space, `+00:00` or trailing zeros, a decimal its value
/// (`12.50` = `12.5` = 12), JSON its value whatever the key order and whitespace; text and bytes compare exactly.
///
/// Memory: the old side's table is held while the new side's table of the same name streams past it, per row
/// 8 bytes per column (a 64-bit digest of each cell), the key's display text plus 8 bytes, and 20 bytes while
/// matching (the key's 128-bit digest and the row number), plus 65,537 × 8 bytes per table for the lookup. A
/// table of the old side that the new side has not reached yet (tables in another order, or removed) is held
/// until the end. Messages name tables, keys and columns, never other values; a key column whose name looks
/// secret (password, token, secret, hash, salt, key) is shown as a SHA-256 prefix unless ``Options/showValues``.
///
/// ```swift
/// let report = try RecordComparator().compare(old: ArchiveReader(path: "monday.authx.gz"),
///                                             new: ArchiveReader(path: "tuesday.authx.gz"))
/// for table in report.tables where !table.isSame { print(table.summary) }
/// ```
public struct RecordComparator {
    /// What to compare and how much to report.
    public struct Options: Sendable {
        /// How many keys to list per table and kind (added, removed, changed). Default 10.
        public var maxKeys = 10
        /// Show the values of secret-looking key columns instead of their digests.
        public var showValues = false
        /// The new side is a database restored from the old side: column types a restore deliberately changes
        /// (a documented translation or a representation such as uuid as text) are not differences — values are
        /// still compared in logical form — and identity/serial sequences must be past the highest key.
        public var newIsRestoredDatabase = false
        /// Maps an old-side name to the name the new side holds it under (a restore's name mapping); the
        /// arguments are the name and its kind (`table`, `column`, `index`, `constraint`).
        public var mapName: (@Sendable (String, String) -> String)?
        /// The tables compared (`--table`, `--exclude-table`); the others are skipped on both sides.
        public var tables = TableFilter()
        /// Receives progress events (reading the new side).
        public var progress: ProgressHandler?
        /// Polled between rows; returning true stops the comparison with `ArchiveError` `.io` "cancelled".
        public var isCancelled: (@Sendable () -> Bool)?
        /// Creates the default options.
        public init() {}
    }

    /// The outcome of a comparison.
    public struct Report: Sendable {
        /// Every table of either side: the old side's order, then the tables only the new side has.
        public var tables: [TableComparison]
        /// Whether both sides hold the same tables, schemas and rows.
        public var isSame: Bool { tables.allSatisfy(\.isSame) }
    }

    /// How one table compares.
    public struct TableComparison: Sendable {
        /// Where the table is.
        public enum Presence: String, Sendable {
            /// On both sides.
            case both
            /// Only on the old side (removed).
            case onlyOld = "only_old"
            /// Only on the new side (added).
            case onlyNew = "only_new"
        }
        /// The table's name (the old side's, when on both).
        public var name: String
        public var presence: Presence
        /// Schema differences, one line each, naming the column, key or index.
        public var schemaChanges: [String] = []
        /// Rows on each side.
        public var oldRows: Int64 = 0
        public var newRows: Int64 = 0
        /// Rows only on the new side, only on the old side, and on both with other values.
        public var added: Int64 = 0
        public var removed: Int64 = 0
        public var changed: Int64 = 0
        /// For changed rows: how many rows changed in each column, in column order.
        public var changedColumns: [(column: String, rows: Int64)] = []
        /// The first ``Options/maxKeys`` keys of each kind (`id=42`, or `row 17` for tables without a key).
        public var addedKeys: [String] = []
        public var removedKeys: [String] = []
        /// The first changed keys, each with the columns that changed.
        public var changedKeys: [(key: String, columns: [String])] = []
        /// The columns rows were matched by (the primary key), empty when matched by whole row.
        public var keyColumns: [String] = []
        /// Sequence problems (a restored database's identity/serial sequence not past the highest key).
        public var sequenceProblems: [String] = []

        /// Whether nothing differs.
        public var isSame: Bool {
            presence == .both && schemaChanges.isEmpty && added == 0 && removed == 0 && changed == 0
                && sequenceProblems.isEmpty
        }

        /// One line: `users: 1,204 added, 3 removed, 87 changed (last_login 85, password_hash 2)`, with the words
        /// given for added and removed rows.
        public func summary(added addedWord: String = "added", removed removedWord: String = "removed") -> String {
            switch presence {
            case .onlyOld: return "\(name): table \(removedWord) (\(grouped(oldRows)) rows)"
            case .onlyNew: return "\(name): table \(addedWord) (\(grouped(newRows)) rows)"
            case .both:
                var parts: [String] = []
                if added > 0 || removed > 0 || changed > 0 || schemaChanges.isEmpty {
                    var rows = "\(grouped(added)) \(addedWord), \(grouped(removed)) \(removedWord), \(grouped(changed)) changed"
                    if !changedColumns.isEmpty {
                        rows += " (" + changedColumns.map { "\($0.column) \(grouped($0.rows))" }.joined(separator: ", ") + ")"
                    }
                    parts.append(rows)
                }
                if !schemaChanges.isEmpty {
                    parts.append("\(schemaChanges.count) schema change\(schemaChanges.count == 1 ? "" : "s")")
                }
                if !sequenceProblems.isEmpty { parts.append("sequence behind") }
                return "\(name): " + parts.joined(separator: "; ")
            }
        }
    }

    private let options: Options

    /// Creates a comparator.
    public init(options: Options = Options()) {
        self.options = options
    }

    /// Compares the records of `old` with those of `new`, reading each once.
    ///
    /// - Returns: the differences; both sides are read to their end record.
    /// - Throws: `ArchiveError` when either side is not a valid archive (the first problem found: run `authx
    ///   verify` on it), `.io` when it cannot be read or the comparison was cancelled.
    public func compare(old: ArchiveReader, new: ArchiveReader) throws -> Report {
        old.materializeRows = false
        new.materializeRows = false
        var session = Session(options: options, old: old)
        while let record = try session.nextNew(new) {
            switch record {
            case .header(let header): session.newBackend = header.source.backend
            case .table(let schema): try session.beginNew(schema)
            case .row: session.endNewRow()
            case .tableEnd: session.endNewTable()
            default: break
            }
        }
        try session.drainOld()
        return Report(tables: session.orderedResults())
    }

    // MARK: The two streams

    /// A table of the old side, held while the new side's table streams past it.
    fileprivate struct HeldTable {
        var schema: TableSchema
        /// The name the new side holds it under.
        var mappedName: String
        var rows: Int64 = 0
        /// `rows × columns` cell digests, row after row.
        var digests: [UInt64] = []
        /// Each row's key text, concatenated; `keyEnds[r]` is where row r's ends.
        var keyText: [UInt8] = []
        var keyEnds: [Int] = []

        func key(_ row: Int) -> String {
            let start = row == 0 ? 0 : keyEnds[row - 1]
            return String(decoding: keyText[start..<keyEnds[row]], as: UTF8.self)
        }
    }

    /// The sink the cells of a row go through: digests them (``CellDigester``) and spells the key columns.
    fileprivate struct RowSink: RowCellSink {
        var cells = CellDigester()
        var keyColumns: [Int] = []
        var keyNames: [String] = []
        var secret: [Bool] = []
        var showValues = false
        /// The current row's key text pieces, by position in `keyColumns`.
        var keyParts: [String] = []
        var keyPosition: [Int: Int] = [:]

        mutating func begin(_ schema: TableSchema, forms: [CellDigester.LogicalForm], keyColumns: [Int], showValues: Bool) {
            cells.reset(schema.columns, forms: forms)
            self.keyColumns = keyColumns
            keyNames = keyColumns.map { schema.columns[$0].name }
            secret = keyColumns.map { RecordComparator.looksSecret(schema.columns[$0].name) }
            keyParts = Array(repeating: "", count: keyColumns.count)
            keyPosition = Dictionary(uniqueKeysWithValues: keyColumns.enumerated().map { ($1, $0) })
            self.showValues = showValues
        }

        mutating func cell(_ view: CellView, column: Int) {
            cells.take(view, column: column)
            if let position = keyPosition[column] {
                keyParts[position] = RecordComparator.spell(view, hidden: secret[position] && !showValues)
            }
        }

        /// `id=42`, `(tenant=1, id=42)`, or `row N` for tables matched by whole row.
        func keyText(row: Int64) -> String {
            if keyColumns.isEmpty { return "row \(row)" }
            if keyColumns.count == 1 { return "\(keyNames[0])=\(keyParts[0])" }
            return "(" + zip(keyNames, keyParts).map { "\($0)=\($1)" }.joined(separator: ", ") + ")"
        }
    }

    /// The comparison's state.
    fileprivate struct Session {
        let options: Options
        let old: ArchiveReader
        var oldDone = false
        /// Old tables read, by the name the new side holds them under, until their new table comes.
        var held: [String: HeldTable] = [:]
        /// The old side's table order.
        var oldOrder: [String] = []
        var results: [String: TableComparison] = [:]
        var newOnly: [String] = []
        var sink = RowSink()

        // The new table being compared.
        var current: TableComparison?
        var newSchema: TableSchema?
        var heldTable: HeldTable?
        /// Old column position for each new column, or nil.
        var oldPosition: [Int?] = []
        /// The new columns compared (those the old side has too), and their names.
        var compared: [Int] = []
        var keyOld: [Int] = []
        var keyNew: [Int] = []
        var lookup: SortedDigests?
        var lookupRows: [Int32] = []
        var matched: [Bool] = []
        var changedByColumn: [Int64] = []
        var newRow: Int64 = 0
        /// Identity/serial columns of a restored table and the highest value seen in each.
        var sequenceColumns: [(column: Int, max: Int64?)] = []
        /// The new side's backend (a PostgreSQL sequence never used has no value: one that must be past a key).
        var newBackend = ""

        init(options: Options, old: ArchiveReader) {
            self.options = options
            self.old = old
        }

        func mapped(_ name: String, _ kind: String) -> String { options.mapName?(name, kind) ?? name }

        mutating func nextNew(_ new: ArchiveReader) throws -> ArchiveRecord? {
            if options.isCancelled?() == true { throw ArchiveError(.io, "comparison cancelled") }
            return current == nil || newSchema == nil ? try new.next() : try new.next(rowsInto: &sink)
        }

        // MARK: Old side

        /// Reads the old side until the table the new side calls `name` is held, or the old side ends.
        mutating func readOld(until name: String) throws {
            var loading: HeldTable?
            var oldSink = RowSink()
            var rowIndex = 0
            while !oldDone && held[name] == nil {
                guard let record = loading == nil ? try old.next() : try old.next(rowsInto: &oldSink) else {
                    oldDone = true
                    break
                }
                switch record {
                case .table(let schema):
                    guard options.tables.includes(schema.name) else { continue }
                    var table = HeldTable(schema: schema, mappedName: mapped(schema.name, "table"))
                    oldOrder.append(table.mappedName)
                    let forms = schema.columns.map {
                        options.newIsRestoredDatabase && $0.type == .any ? .textual : RecordComparator.form(of: $0.type)
                    }
                    let keys = RecordComparator.positions(of: schema.primaryKey, in: schema)
                    oldSink.begin(schema, forms: forms, keyColumns: keys ?? [], showValues: options.showValues)
                    table.keyEnds.reserveCapacity(1024)
                    loading = table
                    rowIndex = 0
                case .row:
                    guard var table = loading else { break }
                    loading = nil  // keeps the arrays uniquely referenced while they grow
                    rowIndex += 1
                    for column in table.schema.columns.indices { table.digests.append(oldSink.cells.columnDigest(column)) }
                    table.keyText.append(contentsOf: oldSink.keyText(row: Int64(rowIndex)).utf8)
                    table.keyEnds.append(table.keyText.count)
                    table.rows += 1
                    oldSink.cells.clear()
                    loading = table
                case .tableEnd:
                    if let table = loading { held[table.mappedName] = table }
                    loading = nil
                case .end:
                    oldDone = true
                default:
                    break
                }
            }
        }

        /// Reads the rest of the old side: its tables the new side does not have are removed.
        mutating func drainOld() throws {
            while !oldDone { try readOld(until: "\u{0}end") }
            for (name, table) in held {
                var result = TableComparison(name: table.schema.name, presence: .onlyOld)
                result.oldRows = table.rows
                results[name] = result
            }
            held = [:]
        }

        func orderedResults() -> [TableComparison] {
            oldOrder.compactMap { results[$0] } + newOnly.compactMap { results[$0] }
        }

        // MARK: New side

        mutating func beginNew(_ schema: TableSchema) throws {
            guard options.tables.includes(schema.name) else { return }
            try readOld(until: schema.name)
            newSchema = schema
            newRow = 0
            guard let table = held.removeValue(forKey: schema.name) else {
                heldTable = nil
                newOnly.append(schema.name)
                current = TableComparison(name: schema.name, presence: .onlyNew)
                let keys = RecordComparator.positions(of: schema.primaryKey, in: schema) ?? []
                sink.begin(schema, forms: schema.columns.map { RecordComparator.form(of: $0.type) }, keyColumns: keys,
                           showValues: options.showValues)
                return
            }
            heldTable = table
            var result = TableComparison(name: table.schema.name, presence: .both)
            result.oldRows = table.rows
            result.schemaChanges = RecordComparator.schemaChanges(
                old: table.schema, new: schema, restored: options.newIsRestoredDatabase, mapName: mapped)
            let newPositions = Dictionary(
                schema.columns.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
            oldPosition = Array(repeating: nil, count: schema.columns.count)
            var forms = Array(repeating: CellDigester.LogicalForm.exact, count: schema.columns.count)
            compared = []
            for (index, column) in table.schema.columns.enumerated() {
                guard let position = newPositions[mapped(column.name, "column")] else { continue }
                oldPosition[position] = index
                // The old side's logical type decides how both spell a value; a dynamically typed column, or text
                // a restore stored as bytes (NUL, invalid UTF-8), compares by text.
                let stored = schema.columns[position].type
                forms[position] =
                    options.newIsRestoredDatabase
                        && (column.type == .any || (column.type == .text && stored == .bytes))
                    ? .textual : RecordComparator.form(of: column.type)
                compared.append(position)
            }
            compared.sort { oldPosition[$0]! < oldPosition[$1]! }  // swift-format-ignore: NeverForceUnwrap (set above)
            // Rows are matched by the old primary key when the new side has its columns, else by whole row.
            let keyNames = table.schema.primaryKey.map { mapped($0, "column") }
            if let keys = RecordComparator.positions(of: keyNames, in: schema), !keys.isEmpty {
                keyNew = keys
                result.keyColumns = table.schema.primaryKey
            } else {
                keyNew = compared
            }
            keyOld = keyNew.map { oldPosition[$0]! }  // swift-format-ignore: NeverForceUnwrap (compared columns)
            sink.begin(schema, forms: forms, keyColumns: result.keyColumns.isEmpty ? [] : keyNew,
                       showValues: options.showValues)
            // The old rows' keys, sorted for lookups.
            let width = table.schema.columns.count
            var entries: [(digest: KeyChecker.Digest, row: Int32)] = []
            entries.reserveCapacity(Int(table.rows))
            for row in 0..<Int(table.rows) {
                entries.append((RecordComparator.combine(keyOld.map { table.digests[row * width + $0] }), Int32(row)))
            }
            entries.sort { ($0.digest, $0.row) < ($1.digest, $1.row) }
            lookup = SortedDigests(entries.map(\.digest))
            lookupRows = entries.map(\.row)
            matched = Array(repeating: false, count: Int(table.rows))
            changedByColumn = Array(repeating: 0, count: schema.columns.count)
            sequenceColumns =
                options.newIsRestoredDatabase && (schema.sequenceValue != nil || newBackend == "postgresql")
                ? schema.columns.indices.filter { schema.columns[$0].autoIncrement && schema.columns[$0].type == .integer }
                    .map { ($0, nil) } : []
            current = result
        }

        mutating func endNewRow() {
            newRow += 1
            defer { sink.cells.clear() }
            guard var result = current else { return }
            current = nil
            defer { current = result }
            result.newRows += 1
            if newRow & 0xFFFF == 0 {
                options.progress?(.init(kind: .rows, table: result.name, rowsDone: newRow, rowsTotal: nil, bytesDone: 0))
            }
            guard let table = heldTable, let lookup else {
                result.added += 1
                if result.addedKeys.count < options.maxKeys { result.addedKeys.append(sink.keyText(row: newRow)) }
                return
            }
            for index in sequenceColumns.indices {
                let column = sequenceColumns[index].column
                if !sink.cells.isNull[column], let value = RecordComparator.integer(sink.cells.cells[column]) {
                    sequenceColumns[index].max = max(sequenceColumns[index].max ?? value, value)
                }
            }
            let digests = keyNew.map { sink.cells.columnDigest($0) }
            let key = RecordComparator.combine(digests)
            var found: Int?
            if var index = lookup.firstIndex(of: key) {
                while index < lookupRows.count, lookup.digests[index] == key {
                    if !matched[Int(lookupRows[index])] {
                        found = Int(lookupRows[index])
                        break
                    }
                    index += 1
                }
            }
            guard let row = found else {
                result.added += 1
                if result.addedKeys.count < options.maxKeys { result.addedKeys.append(sink.keyText(row: newRow)) }
                return
            }
            matched[row] = true
            let width = table.schema.columns.count
            var changedColumns: [Int] = []
            for column in compared
            where table.digests[row * width + oldPosition[column]!] != sink.cells.columnDigest(column) {  // swift-format-ignore: NeverForceUnwrap
                changedColumns.append(column)
                changedByColumn[column] += 1
            }
            if !changedColumns.isEmpty {
                result.changed += 1
                if result.changedKeys.count < options.maxKeys, let schema = newSchema {
                    result.changedKeys.append(
                        (table.key(row), changedColumns.map { table.schema.columns[oldPosition[$0]!].name }))  // swift-format-ignore: NeverForceUnwrap
                    _ = schema
                }
            }
        }

        mutating func endNewTable() {
            guard var result = current else { return }
            if let table = heldTable {
                for row in matched.indices where !matched[row] {
                    result.removed += 1
                    if result.removedKeys.count < options.maxKeys { result.removedKeys.append(table.key(row)) }
                }
                for column in compared where changedByColumn[column] > 0 {
                    result.changedColumns.append(
                        (table.schema.columns[oldPosition[column]!].name, changedByColumn[column]))  // swift-format-ignore: NeverForceUnwrap
                }
                if let schema = newSchema {
                    for (column, highest) in sequenceColumns {
                        guard let highest else { continue }
                        guard let value = schema.sequenceValue else {
                            result.sequenceProblems.append(
                                "the sequence of \(schema.columns[column].name) was never set (next value 1), below the highest key \(highest)")
                            continue
                        }
                        guard value < highest else { continue }
                        result.sequenceProblems.append(
                            "the sequence of \(schema.columns[column].name) is at \(value), below the highest key \(highest)")
                    }
                }
            }
            options.progress?(.init(kind: .tableFinished, table: result.name, rowsDone: newRow, rowsTotal: newRow, bytesDone: 0))
            results[heldTable?.mappedName ?? result.name] = result
            current = nil
            heldTable = nil
            newSchema = nil
            lookup = nil
            lookupRows = []
            matched = []
        }
    }

    // MARK: Helpers

    /// The logical form cells of a column of type `type` are compared in.
    static func form(of type: LogicalType) -> CellDigester.LogicalForm {
        switch type {
        case .uuid: .uuid
        case .timestamp, .time: .instant
        case .decimal: .decimal
        case .json: .json
        default: .exact
        }
    }

    static func positions(of names: [String], in schema: TableSchema) -> [Int]? {
        let found = names.compactMap { name in schema.columns.firstIndex { $0.name == name } }
        return found.count == names.count ? found : nil
    }

    /// A key's digest from its cells' digests.
    static func combine(_ digests: [UInt64]) -> KeyChecker.Digest {
        var first = Hasher()
        var second = Hasher()
        first.combine(0x726F_7731)
        second.combine(0x726F_7732)
        for digest in digests {
            first.combine(digest)
            second.combine(digest)
        }
        return KeyChecker.Digest(
            high: UInt64(bitPattern: Int64(first.finalize())), low: UInt64(bitPattern: Int64(second.finalize())))
    }

    /// The integer in a digested cell (tag 2), if it is one.
    static func integer(_ cell: [UInt8]) -> Int64? {
        guard cell.count == 9, cell[0] == 2 else { return nil }
        var value: Int64 = 0
        for index in (1...8).reversed() { value = value << 8 | Int64(cell[index]) }
        return value
    }

    /// Whether a column's name suggests its values are secrets.
    static func looksSecret(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return ["password", "passwd", "token", "secret", "hash", "salt", "key", "otp", "credential"]
            .contains { lowered.contains($0) }
    }

    /// A key cell as shown in messages; a hidden one as `sha256:` and the first 12 hex digits of its digest.
    static func spell(_ view: CellView, hidden: Bool) -> String {
        if hidden {
            var bytes: [UInt8] = []
            switch view {
            case .text(let b), .bytes(let b), .json(let b), .invalidText(let b): bytes = Array(b)
            case .integer(let i): bytes = Array(String(i).utf8)
            case .real(let d): bytes = Array(String(d).utf8)
            case .boolean(let b): bytes = Array(String(b).utf8)
            case .null: return "null"
            }
            return "sha256:" + SHA256.hash(data: bytes).prefix(6).map { String($0, radix: 16).leftPadded(2) }.joined()
        }
        switch view {
        case .null: return "null"
        case .boolean(let b): return String(b)
        case .integer(let i): return String(i)
        case .real(let d): return String(d)
        case .text(let b), .json(let b): return "\"" + String(decoding: b, as: UTF8.self) + "\""
        case .bytes(let b), .invalidText(let b):
            return "sha256:" + SHA256.hash(data: Array(b)).prefix(6).map { String($0, radix: 16).leftPadded(2) }.joined()
        }
    }

    /// The differences between two schemas of a table.
    static func schemaChanges(
        old: TableSchema, new: TableSchema, restored: Bool, mapName: (String, String) -> String
    ) -> [String] {
        var changes: [String] = []
        let newColumns = Dictionary(new.columns.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let oldNames = Set(old.columns.map { mapName($0.name, "column") })
        for column in old.columns {
            guard let other = newColumns[mapName(column.name, "column")] else {
                changes.append("column \(column.name) removed")
                continue
            }
            if column.type != other.type && !(restored && translates(column.type, to: other.type)) {
                changes.append("column \(column.name): type \(column.type.rawValue) → \(other.type.rawValue)")
            }
            if column.nullable != other.nullable {
                changes.append("column \(column.name): \(column.nullable ? "NOT NULL added" : "NOT NULL dropped (now nullable)")")
            }
        }
        for column in new.columns where !oldNames.contains(column.name) {
            changes.append("column \(column.name) added")
        }
        let oldKey = old.primaryKey.map { mapName($0, "column") }
        // A restore makes a primary key PostgreSQL cannot have (a nullable column) a UNIQUE constraint, with a note.
        let keyBecameUnique =
            restored && new.primaryKey.isEmpty && !oldKey.isEmpty
            && new.uniqueConstraints.contains { $0.columns.sorted() == oldKey.sorted() }
        if oldKey != new.primaryKey && !keyBecameUnique {
            changes.append("primary key (\(old.primaryKey.joined(separator: ", "))) → (\(new.primaryKey.joined(separator: ", ")))")
        }
        func listed(_ columns: [String]) -> String { "(" + columns.joined(separator: ", ") + ")" }
        let oldUniques = Set(old.uniqueConstraints.map { $0.columns.map { mapName($0, "column") }.sorted() })
        var newUniques = Set(new.uniqueConstraints.map { $0.columns.sorted() })
        if keyBecameUnique { newUniques.remove(oldKey.sorted()) }
        for unique in oldUniques.subtracting(newUniques).sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            changes.append("UNIQUE \(listed(unique)) removed")
        }
        for unique in newUniques.subtracting(oldUniques).sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            changes.append("UNIQUE \(listed(unique)) added")
        }
        func reference(_ key: ForeignKey, mapped: Bool) -> String {
            let columns = mapped ? key.columns.map { mapName($0, "column") } : key.columns
            let table = mapped ? mapName(key.referencedTable, "table") : key.referencedTable
            return "foreign key \(listed(columns)) → \(table)"
        }
        let oldReferences = Set(old.foreignKeys.map { reference($0, mapped: true) })
        let newReferences = Set(new.foreignKeys.map { reference($0, mapped: false) })
        for key in oldReferences.subtracting(newReferences).sorted() { changes.append("\(key) removed") }
        for key in newReferences.subtracting(oldReferences).sorted() { changes.append("\(key) added") }
        let oldIndexes = Set(old.indexes.map { mapName($0.name, "index") })
        let newIndexes = Set(new.indexes.map(\.name))
        for index in oldIndexes.subtracting(newIndexes).sorted() { changes.append("index \(index) removed") }
        for index in newIndexes.subtracting(oldIndexes).sorted() { changes.append("index \(index) added") }
        return changes
    }

    /// Whether a restore may store a column of logical type `type` as `stored` on purpose (a documented type
    /// translation or representation, docs/restore.md and docs/orm-profiles.md); its values are still compared.
    static func translates(_ type: LogicalType, to stored: LogicalType) -> Bool {
        switch (type, stored) {
        case (.any, _), (_, .text), (_, .any): true
        case (.boolean, .integer), (.integer, .boolean): true
        case (.decimal, .real), (.decimal, .integer), (.real, .decimal), (.integer, .decimal): true
        case (.uuid, .bytes), (.json, .text), (.text, .json), (.text, .uuid): true
        case (.timestamp, .integer), (.timestamp, .real), (.date, .timestamp), (.time, .timestamp): true
        default: false
        }
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// Groups digits by thousands: `1,204`.
public func grouped(_ value: Int64) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (index, digit) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
        out.append(digit)
    }
    return (value < 0 ? "-" : "") + out
}
