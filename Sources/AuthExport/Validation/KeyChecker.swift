/// Checks the keys of an archive's rows offline: every primary key, UNIQUE constraint and full unique index holds
/// no value twice, and every foreign key value has its referenced row (``ArchiveVerifier/Options/checkKeys``).
///
/// The semantics are those of SQL: a key or reference with a null in any of its columns is not checked (`MATCH
/// SIMPLE`); a real with an integral value equals that integer; text compares byte for byte, ASCII case folded
/// under `NOCASE` and trailing spaces ignored under `RTRIM` (SQLite's collations). A foreign key is checked against
/// its referenced table's primary key (when it names no columns) or against a key of that table with the same
/// columns, in any order; a reference to a table the archive does not hold, or to columns that are no key of it, is
/// not checked. (Keys are digested in the order of their column names, so that `FOREIGN KEY (b, a) REFERENCES
/// t (y, x)` meets a `UNIQUE (x, y)`; a composite primary key not declared in name order is also digested in its
/// declared order, for references that name no columns and are read before it.)
///
/// Each key value is kept as a 128-bit digest (two SipHash values under a per-process random seed) with its row
/// number: 24 bytes per value of the current table's keys, freed at its table_end; 16 bytes per value of the
/// keys that foreign keys reference, kept to the end; and 24 bytes per value of a foreign key whose referenced
/// table comes later in the archive (or is the same table), checked at the end. Row values never appear in the
/// messages.
struct KeyChecker: RowCellSink {
    /// A key value's digest.
    struct Digest: Hashable, Comparable {
        var high: UInt64
        var low: UInt64
        static func < (a: Digest, b: Digest) -> Bool { (a.high, a.low) < (b.high, b.low) }
    }

    /// A key of the current table: its label for messages, its column positions and the values seen.
    private struct Key {
        var label: String
        /// Lowercased column names, sorted; `columns` in the same order.
        var names: [String]
        var columns: [Int]
        /// The first declared column, named in messages.
        var shownColumn: Int
        var values: [(digest: Digest, row: Int64)] = []
        /// A composite primary key not declared in name order: its columns and names as declared, and its values
        /// digested in that order (for references naming no columns that were read before the key was known).
        var declared: (columns: [Int], names: [String])?
        var declaredValues: [Digest] = []
    }

    /// Marks the key list under which a primary key's values digested in declared order are kept.
    private static let declaredOrderMarker = "\u{0}declared"

    /// A foreign key of the current table.
    private struct Reference {
        var label: String
        /// The referencing columns, in the order of `parentColumns` (sorted by name), or of the parent's primary
        /// key as declared when `parentColumns` is nil (its names were not known yet).
        var columns: [Int]
        /// The first declared referencing column, named in messages.
        var shownColumn: Int
        var parent: String
        var parentName: String
        var parentColumns: [String]?
    }

    /// The values of a foreign key whose parent keys were not known yet when its rows were read.
    private struct Pending {
        var reference: Reference
        var table: String
        var column: String
        var values: [(digest: Digest, row: Int64)] = []
    }

    /// The sorted digests of each kept key, by lowercased table name and lowercased column list.
    private var parentKeys: [String: [[String]: SortedDigests]] = [:]
    /// Each table's primary key columns (lowercased), for references that name no columns.
    private var primaryKeys: [String: [String]] = [:]
    /// The keys to keep to the end, when the archive's table list was known beforehand; nil keeps every key.
    private let kept: Set<[String]>?
    /// Each table's primary key columns (lowercased, declared order), when the table list was known beforehand.
    private let listedPrimaryKeys: [String: [String]]
    private var pending: [Pending] = []
    /// For each reference of the current table, its entry in `pending` (when its parent keys are not known).
    private var pendingIndex: [Int?] = []

    private var table: TableSchema?
    private var keys: [Key] = []
    private var references: [Reference] = []
    /// The watched cells of the current row, in digestible form.
    private var cells = CellDigester()
    private var watched: [Bool] = []
    /// The watched columns' positions.
    private var watchedColumns: [Int] = []
    /// Per reference of the current table: its parent's key values when already known.
    private var knownParents: [SortedDigests?] = []
    private var row: Int64 = 0
    private let path: String?

    /// Whether rows of the current table need their cells (it has keys or references).
    var wantsCells: Bool { !keys.isEmpty || !references.isEmpty }

    /// Creates a checker. `tables`, when the archive's table schemas are known in advance (from its index),
    /// limits the keys kept to the end to those that foreign keys reference.
    init(path: String?, tables: [TableSchema]?) {
        self.path = path
        let byName = Dictionary((tables ?? []).map { ($0.name.lowercased(), $0) }, uniquingKeysWith: { a, _ in a })
        listedPrimaryKeys = byName.mapValues { $0.primaryKey.map { $0.lowercased() } }
        self.kept = tables.map { schemas in
            var kept: Set<[String]> = []
            for schema in schemas {
                for key in schema.foreignKeys {
                    let parent = key.referencedTable.lowercased()
                    let columns =
                        key.referencedColumns.isEmpty
                        ? (byName[parent]?.primaryKey ?? []) : key.referencedColumns
                    kept.insert([parent] + columns.map { $0.lowercased() }.sorted())
                }
            }
            return kept
        }
    }

    // MARK: Tables and rows

    /// Starts a table: finds its keys and references. `expectedRows` (from the archive's index) sizes the arrays.
    mutating func begin(_ schema: TableSchema, expectedRows: Int64? = nil) {
        table = schema
        row = 0
        let positions = Dictionary(
            schema.columns.enumerated().map { ($1.name.lowercased(), $0) }, uniquingKeysWith: { a, _ in a })
        func resolve(_ names: [String]) -> [Int]? {
            let found = names.compactMap { positions[$0.lowercased()] }
            return found.count == names.count && !names.isEmpty ? found : nil
        }
        keys = []
        var seen: Set<[String]> = []
        func addKey(_ label: String, _ names: [String], primary: Bool = false) {
            guard let columns = resolve(names) else { return }
            let lowered = names.map { $0.lowercased() }
            let sorted = zip(lowered, columns).sorted { $0.0 < $1.0 }
            guard seen.insert(sorted.map(\.0)).inserted else { return }
            var key = Key(label: label, names: sorted.map(\.0), columns: sorted.map(\.1), shownColumn: columns[0])
            if primary && lowered != key.names { key.declared = (columns, lowered) }
            keys.append(key)
        }
        addKey("primary key (\(schema.primaryKey.joined(separator: ", ")))", schema.primaryKey, primary: true)
        for unique in schema.uniqueConstraints {
            addKey(
                "UNIQUE \(unique.name.map { $0 + " " } ?? "")(\(unique.columns.joined(separator: ", ")))",
                unique.columns)
        }
        for index in schema.indexes where index.unique && index.predicate == nil && !index.hasExpressions {
            addKey("unique index \(index.name) (\(index.columns.joined(separator: ", ")))", index.columns)
        }
        let name = schema.name.lowercased()
        primaryKeys[name] = schema.primaryKey.map { $0.lowercased() }
        references = schema.foreignKeys.compactMap { key in
            guard let columns = resolve(key.columns), key.referencedColumns.isEmpty || key.referencedColumns.count == columns.count
            else { return nil }
            let parent = key.referencedTable.lowercased()
            let target = "\(key.referencedTable)" + (key.referencedColumns.isEmpty ? "" : " (\(key.referencedColumns.joined(separator: ", ")))")
            // The referenced columns: named, or the parent's primary key where it is known by now.
            let named = key.referencedColumns.isEmpty
                ? (parent == name ? primaryKeys[name] : primaryKeys[parent] ?? listedPrimaryKeys[parent])
                : key.referencedColumns.map { $0.lowercased() }
            var reference = Reference(
                label: "foreign key \(key.name.map { $0 + " " } ?? "")(\(key.columns.joined(separator: ", "))) → \(target)",
                columns: columns, shownColumn: columns[0], parent: parent, parentName: key.referencedTable,
                parentColumns: nil)
            if let named, named.count == columns.count {
                let sorted = zip(named, columns).sorted { $0.0 < $1.0 }
                reference.parentColumns = sorted.map(\.0)
                reference.columns = sorted.map(\.1)
            }
            return reference
        }
        pendingIndex = []
        knownParents = []
        for index in references.indices {
            // A parent that came earlier in the archive is known now; the table itself and later ones are not.
            let known = references[index].parent != schema.name.lowercased() ? parentValues(references[index]) : nil
            knownParents.append(known)
            if known == nil {
                pendingIndex.append(pending.count)
                pending.append(
                    Pending(reference: references[index], table: schema.name,
                            column: schema.columns[references[index].shownColumn].name))
            } else {
                pendingIndex.append(nil)
            }
        }
        if let expectedRows, expectedRows > 0, expectedRows < Int64(Int32.max) {
            for index in keys.indices { keys[index].values.reserveCapacity(Int(expectedRows)) }
        }
        watched = Array(repeating: false, count: schema.columns.count)
        for key in keys { for column in key.columns { watched[column] = true } }
        for reference in references { for column in reference.columns { watched[column] = true } }
        watchedColumns = watched.indices.filter { watched[$0] }
        cells.reset(schema.columns)
    }

    mutating func cell(_ view: CellView, column: Int) {
        guard column < watched.count, watched[column] else { return }
        cells.take(view, column: column)
    }

    /// Takes the row whose cells were just read; returns the references it breaks whose parent keys are known.
    mutating func endRow() -> [ArchiveError] {
        row += 1
        defer { cells.clear(watchedColumns) }
        for index in keys.indices {
            if let digest = digest(keys[index].columns) { keys[index].values.append((digest, row)) }
            if let declared = keys[index].declared, let digest = digest(declared.columns) {
                keys[index].declaredValues.append(digest)
            }
        }
        var problems: [ArchiveError] = []
        for index in references.indices {
            guard let digest = digest(references[index].columns) else { continue }
            if let known = knownParents[index] {
                if !known.contains(digest) { problems.append(danglingHere(index)) }
            } else if let entry = pendingIndex[index] {
                pending[entry].values.append((digest, row))
            }
        }
        return problems
    }

    /// Skips a row that failed to decode (its cells are not checked).
    mutating func skipRow() {
        row += 1
        cells.clear()
    }

    /// Ends the current table: reports duplicate keys, keeps the keys that references may need.
    mutating func endTable() -> [ArchiveError] {
        guard let table else { return [] }
        var problems: [ArchiveError] = []
        let name = table.name.lowercased()
        for index in keys.indices {
            // Sorted in place and released before the next key: one key's values in memory at a time.
            keys[index].values.sort { ($0.digest, $0.row) < ($1.digest, $1.row) }
            let key = keys[index]
            defer { keys[index].values = [] }
            var digests: [Digest] = []
            digests.reserveCapacity(key.values.count)
            var duplicates: [(first: Int64, again: Int64)] = []
            var firstRow: Int64 = 0
            for value in key.values {
                if let last = digests.last, last == value.digest {
                    duplicates.append((firstRow, value.row))
                } else {
                    digests.append(value.digest)
                    firstRow = value.row
                }
            }
            for duplicate in duplicates.sorted(by: { $0.again < $1.again }) {
                problems.append(
                    ArchiveError(
                        .duplicateKey, "\(key.label) already holds this value (row \(duplicate.first))",
                        location: .init(path: path, table: table.name, row: duplicate.again,
                                        column: table.columns[key.shownColumn].name)))
            }
            if kept == nil || kept!.contains([name] + key.names) {
                parentKeys[name, default: [:]][key.names] = SortedDigests(digests)
                if let declared = key.declared {
                    parentKeys[name, default: [:]][[Self.declaredOrderMarker] + declared.names] =
                        SortedDigests(key.declaredValues.sorted())
                }
            }
        }
        keys = []
        references = []
        self.table = nil
        return problems
    }

    /// Checks the references kept until their parent keys were known (at the end record).
    mutating func finish() -> [ArchiveError] {
        var problems: [ArchiveError] = []
        for item in pending {
            guard let parent = parentValues(item.reference) else { continue }
            for value in item.values where !parent.contains(value.digest) {
                problems.append(dangling(item.reference, table: item.table, row: value.row, column: item.column))
            }
        }
        pending = []
        return problems.sorted { ($0.location.table ?? "", $0.location.row ?? 0) < ($1.location.table ?? "", $1.location.row ?? 0) }
    }

    // MARK: Helpers

    private func parentValues(_ reference: Reference) -> SortedDigests? {
        guard let tableKeys = parentKeys[reference.parent] else { return nil }
        if let columns = reference.parentColumns { return tableKeys[columns] }
        // Read before its parent's primary key was known: its digests follow the key's declared order.
        guard let declared = primaryKeys[reference.parent] else { return nil }
        return declared == declared.sorted() ? tableKeys[declared] : tableKeys[[Self.declaredOrderMarker] + declared]
    }

    /// The dangling reference `index` of the current table, at the current row.
    private func danglingHere(_ index: Int) -> ArchiveError {
        let table = self.table!  // swift-format-ignore: NeverForceUnwrap (set by begin, rows come after it)
        return dangling(
            references[index], table: table.name, row: row, column: table.columns[references[index].shownColumn].name)
    }

    private func dangling(_ reference: Reference, table: String, row: Int64, column: String) -> ArchiveError {
        ArchiveError(
            .danglingReference, "\(reference.label): no such row in \(reference.parentName)",
            location: .init(path: path, table: table, row: row, column: column))
    }

    /// The digest of the cells at `columns`, or nil when one of them is null.
    private func digest(_ columns: [Int]) -> Digest? { cells.digest(columns) }
}

/// A sorted array of digests, with the start of each run of equal top 16 bits, so that a lookup bisects a few
/// neighbouring entries instead of the whole array (one or two cache misses instead of twenty).
struct SortedDigests {
    var digests: [KeyChecker.Digest]
    /// `starts[p]` is the index of the first digest whose top 16 bits are at least `p`; 65,537 entries.
    var starts: [Int]

    init(_ digests: [KeyChecker.Digest]) {
        self.digests = digests
        var starts = [Int](repeating: digests.count, count: 65_537)
        var next = 0
        for (index, digest) in digests.enumerated() {
            let prefix = Int(digest.high >> 48)
            while next <= prefix {
                starts[next] = index
                next += 1
            }
        }
        self.starts = starts
    }

    func contains(_ digest: KeyChecker.Digest) -> Bool { firstIndex(of: digest) != nil }

    /// The index of the first entry equal to `digest` (equal ones follow it), or nil.
    func firstIndex(of digest: KeyChecker.Digest) -> Int? {
        let prefix = Int(digest.high >> 48)
        var low = starts[prefix]
        var high = starts[prefix + 1]
        while low < high {
            let middle = (low + high) / 2
            if digests[middle] < digest { low = middle + 1 } else { high = middle }
        }
        return low < digests.count && digests[low] == digest ? low : nil
    }
}
