import AuthExport

/// A table of an existing SQLite database that `restore --data-only` loads into: its columns with their declared
/// types, which must be filled, and whether it has an AUTOINCREMENT counter.
struct TargetTable {
    /// One column, as `pragma_table_xinfo` describes it.
    struct Column {
        var name: String
        var declaredType: String
        var notNull: Bool
        var hasDefault: Bool
        /// Computed by the database (a generated column): never inserted.
        var isGenerated: Bool
    }

    /// The table's name as the target spells it.
    let name: String
    /// The columns in order.
    let columns: [Column]
    /// The column that is the rowid alias (`INTEGER PRIMARY KEY`), filled by SQLite when not given.
    let rowidAlias: String?
    /// Whether the table is `AUTOINCREMENT` (has a `sqlite_sequence` counter).
    let autoIncrement: Bool

    /// The table named `table` (case-insensitively, as SQLite resolves names), or nil when there is none.
    static func read(_ table: String, _ connection: SQLiteConnection) throws(SQLiteError) -> TargetTable? {
        guard
            let row = try connection.query(
                "SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name = ? COLLATE NOCASE",
                [.text(Array(table.utf8))]
            ).first, let name = row[0].string
        else { return nil }
        let sql = row[1].string ?? ""
        let info = try connection.query(
            "SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?) ORDER BY cid",
            [.text(Array(name.utf8))])
        var columns: [Column] = []
        var keys: [(name: String, type: String)] = []
        for row in info {
            guard let column = row[0].string else { continue }
            let type = row[1].string ?? ""
            let hidden = row[5].integer ?? 0
            columns.append(
                Column(
                    name: column, declaredType: type, notNull: row[2].integer == 1, hasDefault: row[3] != .null,
                    isGenerated: hidden == 2 || hidden == 3))
            if (row[4].integer ?? 0) > 0 { keys.append((column, type)) }
        }
        let withoutRowID =
            try connection.query(
                "SELECT wr FROM pragma_table_list(?) WHERE schema = 'main'", [.text(Array(name.utf8))]
            ).first?.first?.integer == 1
        let tokens = SQLiteSyntax.tokenize(sql)
        let alias = !withoutRowID && keys.count == 1 && keys[0].type.uppercased() == "INTEGER" ? keys[0].name : nil
        return TargetTable(
            name: name, columns: columns, rowidAlias: alias,
            autoIncrement: tokens.contains { $0.isKeyword("AUTOINCREMENT") })
    }

    /// The declared types of every table of the database: lowercased table name → lowercased column name → declared
    /// type (generated columns left out).
    static func declaredTypes(_ connection: SQLiteConnection) throws(SQLiteError) -> [String: [String: String]] {
        var tables: [String: [String: String]] = [:]
        let rows = try connection.query(
            """
            SELECT m.name, c.name, c.type FROM sqlite_schema AS m, pragma_table_xinfo(m.name) AS c
            WHERE m.type = 'table' AND c.hidden NOT IN (2, 3)
            """)
        for row in rows {
            guard let table = row[0].string, let column = row[1].string else { continue }
            tables[table.lowercased(), default: [:]][column.lowercased()] = row[2].string ?? ""
        }
        return tables
    }

    /// The declared type of column `name` (case-insensitively), nil when the table has no such column to insert.
    func declaredType(of name: String) -> String? {
        columns.first { !$0.isGenerated && $0.name.lowercased() == name.lowercased() }?.declaredType
    }

    /// The columns an INSERT must fill: NOT NULL, no default, not generated, not the rowid alias.
    var columnsToFill: [String] {
        columns.filter { $0.notNull && !$0.hasDefault && !$0.isGenerated && $0.name != rowidAlias }.map(\.name)
    }

    /// Why a column declared `declaredType` cannot hold values of `type`, or nil when it can: its affinity would
    /// store them as something the application does not read back as that type.
    static func cannotHold(_ type: LogicalType, declaredType: String) -> String? {
        let affinity = SQLiteAffinity(declaredType: declaredType)
        let numeric = affinity == .integer || affinity == .real
        switch type {
        case .uuid where numeric: return "a uuid is stored as text or bytes"
        case .json where numeric: return "JSON is stored as text"
        case .timestamp where affinity == .real: return "timestamps are stored as text or integer Unix seconds"
        case .date where numeric, .time where numeric: return "dates and times are stored as text"
        case .bytes where numeric: return "bytes are stored as a BLOB"
        default: return nil
        }
    }
}
