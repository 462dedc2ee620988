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
/// Both sides are read at once, each on a thread of its own, into a 64-bit digest per cell; rows are matched by
/// key digest as they come. Where both sides list a keyed table's columns alike, rows travel as their lines with
/// only the key digested: a row whose line is the other side's byte for byte is equal without its cells being
/// digested, the others are digested from their lines to compare them by value. Memory: a row is held only while
/// one side has read it and the other has not — when both list a table in the same order (two exports of one
/// database, a database and the archive it was restored from), a few thousand rows whatever the sizes; otherwise
/// up to the whole table. A row held costs its line (up to 64 MiB of lines per table, then 8 bytes per column
/// instead), its key cells as read, and about 60 bytes of bookkeeping and lookup (docs/verify.md). A table of the
/// old side that the new side has not reached yet (tables in another order, or removed) is held the same way
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
        /// The new side's tables are not the old side's to reproduce: a data-only restore loaded the rows into
        /// tables an application made itself (its migrations), whose types, NOT NULLs, keys, UNIQUE constraints,
        /// foreign keys, indexes and extra columns are its own. The schema then differs only where the rows cannot
        /// be compared: an old-side column the new side lacks. Rows and sequences are compared as always, in the
        /// old side's logical forms; a new-side column or table the old side lacks is not compared (the restore
        /// left it alone).
        public var dataOnly = false
        /// Maps an old-side name to the name the new side holds it under (a restore's name mapping); the
        /// arguments are the name and its kind (`table`, `column`, `index`, `constraint`).
        public var mapName: (@Sendable (String, String) -> String)?
        /// The tables compared (`--table`, `--exclude-table`); the others are skipped on both sides.
        public var tables = TableFilter()
        /// Receives progress events (reading the new side).
        public var progress: ProgressHandler?
        /// Polled between rows; returning true stops the comparison with `ArchiveError` `.io` "cancelled".
        public var isCancelled: (@Sendable () -> Bool)?
        /// Bytes of lines the rows of a table waiting for their match may hold (both sides) before they are kept
        /// as cell digests instead (8 bytes a column, usually less than a line): rows in another order on each side.
        var maxHeldLineBytes = 64 << 20
        /// Bytes of digested rows each side may read ahead of the comparison.
        var readAheadBytes = 8 << 20
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
    /// The two sides are read at the same time, each on a thread of its own, into digests; this thread matches
    /// them. Rows are matched as soon as both sides have read them, so when both list a table in the same order
    /// (two exports of one database, a database and the archive it was restored from) only the rows one side is
    /// ahead by are held.
    ///
    /// - Returns: the differences; both sides are read to their end record.
    /// - Throws: `ArchiveError` when either side is not a valid archive (the first problem found: run `authx
    ///   verify` on it), `.io` when it cannot be read or the comparison was cancelled.
    public func compare(old: ArchiveReader, new: ArchiveReader) throws -> Report {
        new.materializeRows = false
        return try compare(
            old: old, new: ComparedSide(new, readAhead: options.readAheadBytes, isCancelled: options.isCancelled, localPlan: nil))
    }

    /// Compares `old` with the records `producer` writes, on a thread of its own, into the record sink it makes
    /// for their header — an exporter reading a database (`verify --against`): the same comparison as
    /// ``compare(old:new:)`` with an archive of those records, without the archive (no compression, pipe,
    /// checksums or decoding between; each row is still encoded and checked as export checks it).
    ///
    /// - Parameter producer: writes the records (`makeSink` once, with the header) and returns, or throws.
    /// - Throws: the producer's error where its records stop (a database read error mid-table is that error, not
    ///   a difference), `ArchiveError` when `old` is not a valid archive, `.io` when cancelled — whichever the
    ///   comparison meets first in the order of the records.
    package func compare(
        old: ArchiveReader,
        producer: @escaping @Sendable (_ makeSink: (ArchiveHeader) throws -> any ArchiveRecordSink) throws -> Void
    ) throws -> Report {
        try compare(
            old: old, new: ComparedSide(readAhead: options.readAheadBytes, isCancelled: options.isCancelled, producer: producer))
    }

    private func compare(old: ArchiveReader, new newSide: ComparedSide) throws -> Report {
        old.materializeRows = false
        let options = self.options
        // Against a restored database the archive's side waits for each table's plan from this thread, which
        // knows then how the database stores each column (text stored as uuid or json is digested in that form on
        // both sides); between archives it plans each table itself and reads ahead.
        var localPlan: (@Sendable (TableSchema) -> DigestPlan)?
        if !options.newIsRestoredDatabase {
            localPlan = { schema in RecordComparator.oldPlan(schema, options: options) }
        }
        let oldSide = ComparedSide(
            old, readAhead: options.readAheadBytes, isCancelled: options.isCancelled, localPlan: localPlan)
        defer {
            newSide.stop()
            oldSide.stop()
        }
        var session = Session(options: options, old: oldSide, new: newSide)
        try session.run()
        return Report(tables: session.orderedResults())
    }

    /// How the old side digests a table: by its own types (a dynamically typed column by text when the new side
    /// is a restored database), naming rows by its primary key.
    static func oldPlan(_ schema: TableSchema, options: Options) -> DigestPlan {
        guard options.tables.includes(schema.name) else { return .skipped }
        let keys = positions(of: schema.primaryKey, in: schema) ?? []
        return DigestPlan(
            forms: schema.columns.map {
                options.newIsRestoredDatabase && $0.type == .any ? .textual : RecordComparator.form(of: $0.type)
            },
            keyColumns: keys, lines: !keys.isEmpty)
    }

    /// ``oldPlan(_:options:)`` for a table whose new side is `stored`: an old text column the new side stores as
    /// a uuid or as json is digested as one on both sides (the database spells it canonically: dashes and lower
    /// case, jsonb's key order and spacing), keys included.
    static func oldPlan(_ schema: TableSchema, storedAs stored: TableSchema, options: Options) -> DigestPlan {
        var plan = oldPlan(schema, options: options)
        guard options.newIsRestoredDatabase, !plan.skip else { return plan }
        let storedTypes = Dictionary(stored.columns.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
        for (index, column) in schema.columns.enumerated() where column.type == .text {
            switch storedTypes[options.mapName?(column.name, "column") ?? column.name] {
            case .uuid?: plan.forms[index] = .uuid
            case .json?: plan.forms[index] = .json
            default: continue
            }
        }
        return plan
    }


    // MARK: Matching

    /// An old table read before the new side reached it (tables in another order, or removed): all its rows.
    fileprivate struct HeldTable {
        var schema: TableSchema
        var rows: PendingRows
        var count: Int64 = 0
        /// Digests the rows the old side carried as lines.
        var digester: LineDigester
    }

    /// How a key is spelled in messages: the key columns' names and which are hidden; no names for `row N`.
    fileprivate struct KeySpelling {
        var names: [String] = []
        var hidden: [Bool] = []

        init(_ schema: TableSchema, columns: [Int], showValues: Bool) {
            names = columns.map { schema.columns[$0].name }
            hidden = names.map { RecordComparator.looksSecret($0) && !showValues }
        }

        /// `id=42`, `(tenant=1, id=42)`, or `row N` for rows named by number.
        func text(_ cells: ArraySlice<UInt8>, row: Int64) -> String {
            if names.isEmpty { return "row \(row)" }
            let values = RecordComparator.keyValues(cells)
            let spelled = values.indices.map { index in
                values[index].withCellView { RecordComparator.spell($0, hidden: hidden[index]) }
            }
            if names.count == 1 { return "\(names[0])=\(spelled.first ?? "null")" }
            return "(" + zip(names, spelled).map { "\($0)=\($1)" }.joined(separator: ", ") + ")"
        }
    }

    /// The comparison's state, on the calling thread.
    fileprivate struct Session {
        let options: Options
        let old: ComparedSide
        let new: ComparedSide
        var oldDone = false
        /// Old tables read before their new table came, by the name the new side holds them under.
        var held: [String: HeldTable] = [:]
        /// The old side's table order (names as the new side holds them).
        var oldOrder: [String] = []
        var results: [String: TableComparison] = [:]
        var newOnly: [String] = []
        /// The new side's backend (a PostgreSQL sequence never used has no value: one that must be past a key).
        var newBackend = ""

        init(options: Options, old: ComparedSide, new: ComparedSide) {
            self.options = options
            self.old = old
            self.new = new
        }

        func mapped(_ name: String, _ kind: String) -> String { options.mapName?(name, kind) ?? name }

        func next(_ side: ComparedSide) throws -> ComparedSide.Event {
            if options.isCancelled?() == true { throw ArchiveError(.io, "comparison cancelled") }
            return try side.next()
        }

        mutating func run() throws {
            reading: while true {
                switch try next(new) {
                case .header(let header): newBackend = header.source.backend
                case .table(let schema): try compareTable(schema)
                case .end: break reading
                default: continue
                }
            }
            try drainOld()
        }

        func orderedResults() -> [TableComparison] {
            oldOrder.compactMap { results[$0] } + newOnly.compactMap { results[$0] }
        }

        // MARK: Old side

        enum OldTable {
            case held(HeldTable)
            /// Its rows come next on the old side, digested by the plan.
            case streaming(TableSchema, DigestPlan)
        }

        /// The old side plans its tables itself (between archives), or waits for each plan from here.
        var oldWaitsForPlans: Bool { options.newIsRestoredDatabase }

        /// The old table the new side (`newSchema`) calls `name`: held, or read up to its rows (holding the tables
        /// before it). With no name, reads the old side to its end: the tables left are only counted (removed).
        mutating func oldTable(named name: String?, newSchema: TableSchema? = nil) throws -> OldTable? {
            if let name, let table = held.removeValue(forKey: name) { return .held(table) }
            while !oldDone {
                switch try next(old) {
                case .table(let schema):
                    guard options.tables.includes(schema.name) else {
                        if oldWaitsForPlans { old.send(.skipped) }
                        continue
                    }
                    let mappedName = mapped(schema.name, "table")
                    oldOrder.append(mappedName)
                    if mappedName == name {
                        let plan =
                            newSchema.map { RecordComparator.oldPlan(schema, storedAs: $0, options: options) }
                            ?? RecordComparator.oldPlan(schema, options: options)
                        if oldWaitsForPlans { old.send(plan) }
                        return .streaming(schema, plan)
                    }
                    let plan = RecordComparator.oldPlan(schema, options: options)
                    if oldWaitsForPlans { old.send(plan) }
                    var table = HeldTable(
                        schema: schema, rows: PendingRows(width: schema.columns.count),
                        digester: LineDigester(schema, plan: plan))
                    try readRows(into: &table, holding: name != nil)
                    if name != nil {
                        held[mappedName] = table
                    } else {
                        var result = TableComparison(name: schema.name, presence: .onlyOld)
                        result.oldRows = table.count
                        results[mappedName] = result
                    }
                case .end:
                    oldDone = true
                default:
                    continue
                }
            }
            return nil
        }

        /// Reads the rows of the old table whose record was just read: counts them, and holds them if `holding`.
        mutating func readRows(into table: inout HeldTable, holding: Bool) throws {
            while true {
                switch try next(old) {
                case .rows(let batch):
                    guard holding else {
                        table.count += Int64(batch.rows)
                        continue
                    }
                    // Held whole until the new side reaches it: as cell digests, not lines.
                    let digested = try table.digester.expand(batch)
                    for row in 0..<digested.rows {
                        table.count += 1
                        table.rows.add(key: nil, digested, row: row, number: table.count)
                    }
                case .tableEnd: return
                default: continue
                }
            }
        }

        /// Reads the rest of the old side: its tables the new side does not have are removed.
        mutating func drainOld() throws {
            _ = try oldTable(named: nil)
            for (name, table) in held {
                var result = TableComparison(name: table.schema.name, presence: .onlyOld)
                result.oldRows = table.count
                results[name] = result
            }
            held = [:]
        }

        // MARK: New side

        mutating func compareTable(_ schema: TableSchema) throws {
            guard options.tables.includes(schema.name) else {
                new.send(.skipped)
                return
            }
            guard let oldTable = try oldTable(named: schema.name, newSchema: schema) else {
                // A data-only restore leaves the application's other tables alone; they are not the old side's.
                if options.dataOnly {
                    new.send(.skipped)
                    return
                }
                try addedTable(schema)
                return
            }
            let oldSchema: TableSchema
            let oldPlan: DigestPlan
            var oldRows: PendingRows
            var heldCount: Int64?
            switch oldTable {
            case .held(let table):
                oldSchema = table.schema
                oldPlan = table.digester.plan
                oldRows = table.rows
                heldCount = table.count
            case .streaming(let table, let plan):
                oldSchema = table
                oldPlan = plan
                oldRows = PendingRows(width: table.columns.count, lines: true)
            }
            var result = TableComparison(name: oldSchema.name, presence: .both)
            result.schemaChanges = RecordComparator.schemaChanges(
                old: oldSchema, new: schema, restored: options.newIsRestoredDatabase, dataOnly: options.dataOnly,
                mapName: mapped)
            let newPositions = Dictionary(
                schema.columns.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
            var oldPosition = Array(repeating: -1, count: schema.columns.count)
            var forms = Array(repeating: CellDigester.LogicalForm.exact, count: schema.columns.count)
            var compared: [Int] = []
            for (index, column) in oldSchema.columns.enumerated() {
                guard let position = newPositions[mapped(column.name, "column")] else { continue }
                oldPosition[position] = index
                // The old side's logical type decides how both spell a value: where the old side was planned in
                // another form than its type's own (text stored as uuid or json, a dynamically typed column by
                // text), in that form; otherwise the stored value is brought to the type's form (``storedForm``).
                forms[position] =
                    oldPlan.forms[index] != RecordComparator.form(of: column.type)
                    ? oldPlan.forms[index]
                    : RecordComparator.storedForm(
                        of: column.type, storedAs: schema.columns[position].type, restored: options.newIsRestoredDatabase)
                compared.append(position)
            }
            compared.sort { oldPosition[$0] < oldPosition[$1] }
            // Rows are matched by the old primary key when the new side has its columns, else by whole row.
            let keyNames = oldSchema.primaryKey.map { mapped($0, "column") }
            let keyNew: [Int]
            if let keys = RecordComparator.positions(of: keyNames, in: schema), !keys.isEmpty {
                keyNew = keys
                result.keyColumns = oldSchema.primaryKey
            } else {
                keyNew = compared
            }
            let keyOld = keyNew.map { oldPosition[$0] }
            let sequenceColumns =
                options.newIsRestoredDatabase && (schema.sequenceValue != nil || newBackend == "postgresql")
                ? schema.columns.indices.filter { schema.columns[$0].autoIncrement && schema.columns[$0].type == .integer }
                : []
            let newKeyColumns = result.keyColumns.isEmpty ? [] : keyNew
            // Rows travel as lines (a row whose line is the other side's byte for byte is not digested) when equal
            // lines mean equal values: rows matched by key, the same columns in the same places, of the same types
            // and collations, digested in the same forms. Otherwise the old side's lines are digested here.
            var lines =
                heldCount == nil && oldPlan.lines && !newKeyColumns.isEmpty
                && schema.columns.count == oldSchema.columns.count
                && schema.columns.indices.allSatisfy { position in
                    oldPosition[position] == position && forms[position] == oldPlan.forms[position]
                        && schema.columns[position].type == oldSchema.columns[position].type
                        && schema.columns[position].collation?.uppercased()
                            == oldSchema.columns[position].collation?.uppercased()
                }
            let newPlan = DigestPlan(
                forms: forms, keyColumns: newKeyColumns, sequenceColumns: sequenceColumns, lines: lines)
            new.send(newPlan)
            var oldDigester = LineDigester(oldSchema, plan: oldPlan)
            var newDigester = LineDigester(schema, plan: newPlan)
            let oldSpelling = KeySpelling(
                oldSchema, columns: RecordComparator.positions(of: oldSchema.primaryKey, in: oldSchema) ?? [],
                showValues: options.showValues)
            let newSpelling = KeySpelling(schema, columns: newKeyColumns, showValues: options.showValues)
            if heldCount != nil { oldRows.reindex(keyOld) }
            if !lines && oldRows.lines { oldRows = PendingRows(width: oldSchema.columns.count) }

            var newRows = PendingRows(width: schema.columns.count, lines: lines)
            var changedByColumn = Array(repeating: Int64(0), count: schema.columns.count)
            /// The first changed rows by new row number: the number, the old key, the columns.
            var changedKeys: [(row: Int64, key: String, columns: [String])] = []
            var changedColumns: [Int] = []
            let maxKeys = options.maxKeys
            func compareRow(_ oldDigests: [UInt64], _ oldBase: Int, _ newDigests: [UInt64], _ newBase: Int, newRow: Int64,
                            oldKey: () -> String) {
                changedColumns.removeAll(keepingCapacity: true)
                for column in compared where oldDigests[oldBase + oldPosition[column]] != newDigests[newBase + column] {
                    changedColumns.append(column)
                    changedByColumn[column] += 1
                }
                guard !changedColumns.isEmpty else { return }
                result.changed += 1
                guard maxKeys > 0, changedKeys.count < maxKeys || newRow < changedKeys[changedKeys.count - 1].row else { return }
                let entry = (newRow, oldKey(), changedColumns.map { oldSchema.columns[oldPosition[$0]].name })
                let position = changedKeys.firstIndex { $0.row > newRow } ?? changedKeys.count
                changedKeys.insert(entry, at: position)
                if changedKeys.count > maxKeys { changedKeys.removeLast() }
            }

            /// Rows matched so far as lines, and how many of them had lines that differ.
            var linesMatched = 0
            var linesDiffering = 0
            /// The sides stop carrying lines and digest every cell (from their next batch; the rows held as lines
            /// are digested here) when the rows held as lines pass `Options.maxHeldLineBytes` (the sides list the
            /// rows in other orders), or when most lines differ (the sides spell the values differently: a
            /// database's JSON key order, a timestamp's trailing zeros), so that lines would only cost.
            func limitLines() throws {
                guard lines else { return }
                let tooMuchHeld = oldRows.heldBytes + newRows.heldBytes > options.maxHeldLineBytes
                let mostlyDiffering = linesMatched >= 1024 && linesDiffering * 4 > linesMatched
                guard tooMuchHeld || mostlyDiffering else { return }
                old.stopLines(oldSchema.name)
                new.stopLines(schema.name)
                oldRows = try oldRows.digestingLines(&oldDigester)
                newRows = try newRows.digestingLines(&newDigester)
                lines = false
            }

            var newRow: Int64 = 0
            var oldRow: Int64 = heldCount ?? 0
            var maxima: [Int64?] = []
            var oldOpen = heldCount == nil
            var newOpen = true
            while oldOpen || newOpen {
                if newOpen {
                    switch try next(new) {
                    case .rows(let received):
                        let batch = lines ? received : try newDigester.expand(received)
                        for row in 0..<batch.rows {
                            newRow += 1
                            if newRow & 0xFFFF == 0 {
                                options.progress?(.init(kind: .rows, table: result.name, rowsDone: newRow, rowsTotal: nil, bytesDone: 0))
                            }
                            let base = row * batch.width
                            let key = RecordComparator.combine(keyNew, at: base, in: batch.digests)
                            if let slot = oldRows.take(key) {
                                let oldKey = { oldSpelling.text(oldRows.keyCells(slot), row: oldRows.rowNumbers[slot]) }
                                if lines { linesMatched += 1 }
                                if !lines {
                                    compareRow(oldRows.digests, slot * oldRows.stride, batch.digests, base, newRow: newRow, oldKey: oldKey)
                                } else if oldRows.lineDigests[slot] != batch.lineDigests[row] {
                                    linesDiffering += 1
                                    compareRow(
                                        try oldDigester.digests(oldRows.line(slot)), 0, try newDigester.digests(batch.line(row)), 0,
                                        newRow: newRow, oldKey: oldKey)
                                }
                                oldRows.release(slot)
                            } else {
                                newRows.add(key: key, batch, row: row, number: newRow)
                            }
                        }
                        try limitLines()
                    case .tableEnd(let highest):
                        maxima = highest
                        newOpen = false
                    default:
                        continue
                    }
                }
                if oldOpen {
                    switch try next(old) {
                    case .rows(let received):
                        let batch = lines ? received : try oldDigester.expand(received)
                        for row in 0..<batch.rows {
                            oldRow += 1
                            let base = row * batch.width
                            let key = RecordComparator.combine(keyOld, at: base, in: batch.digests)
                            if let slot = newRows.take(key) {
                                let number = oldRow
                                let oldKey = { oldSpelling.text(batch.key(row), row: number) }
                                if lines { linesMatched += 1 }
                                if !lines {
                                    compareRow(batch.digests, base, newRows.digests, slot * newRows.stride, newRow: newRows.rowNumbers[slot], oldKey: oldKey)
                                } else if batch.lineDigests[row] != newRows.lineDigests[slot] {
                                    linesDiffering += 1
                                    compareRow(
                                        try oldDigester.digests(batch.line(row)), 0, try newDigester.digests(newRows.line(slot)), 0,
                                        newRow: newRows.rowNumbers[slot], oldKey: oldKey)
                                }
                                newRows.release(slot)
                            } else {
                                oldRows.add(key: key, batch, row: row, number: oldRow)
                            }
                        }
                        try limitLines()
                    case .tableEnd:
                        oldOpen = false
                    default:
                        continue
                    }
                }
            }

            result.oldRows = oldRow
            result.newRows = newRow
            result.added = Int64(newRows.count)
            result.removed = Int64(oldRows.count)
            result.addedKeys = newRows.firstSlots(maxKeys).map { newSpelling.text(newRows.keyCells($0), row: newRows.rowNumbers[$0]) }
            result.removedKeys = oldRows.firstSlots(maxKeys).map { oldSpelling.text(oldRows.keyCells($0), row: oldRows.rowNumbers[$0]) }
            result.changedKeys = changedKeys.map { ($0.key, $0.columns) }
            for column in compared where changedByColumn[column] > 0 {
                result.changedColumns.append((oldSchema.columns[oldPosition[column]].name, changedByColumn[column]))
            }
            for (index, column) in sequenceColumns.enumerated() {
                guard index < maxima.count, let highest = maxima[index] else { continue }
                guard let value = schema.sequenceValue else {
                    result.sequenceProblems.append(
                        "the sequence of \(schema.columns[column].name) was never set (next value 1), below the highest key \(highest)")
                    continue
                }
                guard value < highest else { continue }
                result.sequenceProblems.append(
                    "the sequence of \(schema.columns[column].name) is at \(value), below the highest key \(highest)")
            }
            options.progress?(.init(kind: .tableFinished, table: result.name, rowsDone: newRow, rowsTotal: newRow, bytesDone: 0))
            results[mapped(oldSchema.name, "table")] = result
        }

        /// A table only the new side has: every row added.
        mutating func addedTable(_ schema: TableSchema) throws {
            let keys = RecordComparator.positions(of: schema.primaryKey, in: schema) ?? []
            new.send(DigestPlan(forms: schema.columns.map { RecordComparator.form(of: $0.type) }, keyColumns: keys))
            let spelling = KeySpelling(schema, columns: keys, showValues: options.showValues)
            newOnly.append(schema.name)
            var result = TableComparison(name: schema.name, presence: .onlyNew)
            reading: while true {
                switch try next(new) {
                case .rows(let batch):
                    for row in 0..<batch.rows {
                        result.newRows += 1
                        result.added += 1
                        if result.newRows & 0xFFFF == 0 {
                            options.progress?(.init(kind: .rows, table: result.name, rowsDone: result.newRows, rowsTotal: nil, bytesDone: 0))
                        }
                        if result.addedKeys.count < options.maxKeys {
                            result.addedKeys.append(spelling.text(batch.key(row), row: result.newRows))
                        }
                    }
                case .tableEnd: break reading
                default: continue
                }
            }
            options.progress?(.init(kind: .tableFinished, table: result.name, rowsDone: result.newRows, rowsTotal: result.newRows, bytesDone: 0))
            results[schema.name] = result
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
        case .boolean, .integer: .number
        default: .exact
        }
    }

    /// How the new side digests a column the old side has as `type` and the new side stores as `stored`, so that
    /// a value digests as the old side's (digested in ``form(of:)``) does. In a restored database, a dynamically
    /// typed column, or text stored as bytes, compares by text; a real stored as `numeric` by the number it reads
    /// as; a date stored as a timestamp at midnight as that date. The other translations a restore makes are in
    /// the old type's form already: booleans and integers 0/1 (``CellDigester/LogicalForm/number``), a decimal
    /// stored as a real (its decimal text), a timestamp stored as Unix seconds (its UTC instant), a uuid as 16
    /// bytes, json as text.
    static func storedForm(of type: LogicalType, storedAs stored: LogicalType, restored: Bool) -> CellDigester.LogicalForm {
        guard restored else { return form(of: type) }
        switch (type, stored) {
        case (.any, _), (.text, .bytes): return .textual
        case (.real, .decimal): return .real
        case (.date, .timestamp): return .dateFromTimestamp
        default: return form(of: type)
        }
    }

    static func positions(of names: [String], in schema: TableSchema) -> [Int]? {
        let found = names.compactMap { name in schema.columns.firstIndex { $0.name == name } }
        return found.count == names.count ? found : nil
    }

    /// A key's digest from the cell digests at `columns` of the row at `base` in `digests`.
    static func combine(_ columns: [Int], at base: Int, in digests: [UInt64]) -> KeyChecker.Digest {
        var first = Hasher()
        var second = Hasher()
        first.combine(0x726F_7731)
        second.combine(0x726F_7732)
        for column in columns {
            first.combine(digests[base + column])
            second.combine(digests[base + column])
        }
        return KeyChecker.Digest(
            high: UInt64(bitPattern: Int64(first.finalize())), low: UInt64(bitPattern: Int64(second.finalize())))
    }

    /// Appends a key cell as it is kept with a row until it is named in a message: a kind byte, then the value
    /// (8 bytes for a number, a 4-byte length and the bytes for text, bytes and JSON).
    static func appendKeyCell(_ view: CellView, to out: inout [UInt8]) {
        func append(_ kind: UInt8, _ bytes: UnsafeRawBufferPointer) {
            out.append(kind)
            withUnsafeBytes(of: UInt32(bytes.count).littleEndian) { out.append(contentsOf: $0) }
            out.append(contentsOf: bytes)
        }
        switch view {
        case .null: out.append(0)
        case .boolean(let b): out.append(contentsOf: [1, b ? 1 : 0])
        case .integer(let i):
            out.append(2)
            withUnsafeBytes(of: i.littleEndian) { out.append(contentsOf: $0) }
        case .real(let d):
            out.append(3)
            withUnsafeBytes(of: d.bitPattern.littleEndian) { out.append(contentsOf: $0) }
        case .text(let b): append(4, b)
        case .bytes(let b): append(5, b)
        case .json(let b): append(6, b)
        case .invalidText(let b): append(7, b)
        }
    }

    /// The key cells ``appendKeyCell(_:to:)`` kept, as values.
    static func keyValues(_ cells: ArraySlice<UInt8>) -> [Value] {
        var values: [Value] = []
        var at = cells.startIndex
        func word() -> UInt64 {
            var value: UInt64 = 0
            for index in (at..<(at + 8)).reversed() { value = value << 8 | UInt64(cells[index]) }
            at += 8
            return value
        }
        func bytes() -> [UInt8] {
            var length = 0
            for index in (at..<(at + 4)).reversed() { length = length << 8 | Int(cells[index]) }
            at += 4
            defer { at += length }
            return Array(cells[at..<(at + length)])
        }
        while at < cells.endIndex {
            let kind = cells[at]
            at += 1
            switch kind {
            case 0: values.append(.null)
            case 1:
                values.append(.boolean(cells[at] != 0))
                at += 1
            case 2: values.append(.integer(Int64(bitPattern: word())))
            case 3: values.append(.real(Double(bitPattern: word())))
            case 4: values.append(.text(String(decoding: bytes(), as: UTF8.self)))
            case 5: values.append(.bytes(bytes()))
            case 6: values.append(.json(String(decoding: bytes(), as: UTF8.self)))
            default: values.append(.invalidText(bytes()))
            }
        }
        return values
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

    /// The differences between two schemas of a table; with `dataOnly`, only the old side's columns the new side
    /// lacks (``Options/dataOnly``).
    static func schemaChanges(
        old: TableSchema, new: TableSchema, restored: Bool, dataOnly: Bool = false,
        mapName: (String, String) -> String
    ) -> [String] {
        var changes: [String] = []
        let newColumns = Dictionary(new.columns.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let oldNames = Set(old.columns.map { mapName($0.name, "column") })
        for column in old.columns {
            guard let other = newColumns[mapName(column.name, "column")] else {
                changes.append("column \(column.name) removed")
                continue
            }
            if dataOnly { continue }
            if column.type != other.type && !(restored && translates(column.type, to: other.type)) {
                changes.append("column \(column.name): type \(column.type.rawValue) → \(other.type.rawValue)")
            }
            if column.nullable != other.nullable {
                changes.append("column \(column.name): \(column.nullable ? "NOT NULL added" : "NOT NULL dropped (now nullable)")")
            }
        }
        if dataOnly { return changes }
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
