import AuthExport

/// What `PRAGMA`s do not tell about a table, read from its `CREATE TABLE` statement: CHECK constraints,
/// constraint names, collations, `DEFERRABLE INITIALLY DEFERRED` foreign keys, AUTOINCREMENT.
struct CreateTableInfo {
    struct ForeignKeyClause {
        var name: String?
        /// Local columns (for a column constraint: that column).
        var columns: [String]
        var referencedTable: String
        var deferred: Bool
    }

    struct UniqueClause {
        var name: String?
        var columns: [String]
    }

    /// CHECK constraints in the order written, column checks included.
    var checks: [CheckConstraint] = []
    /// Columns of each CHECK (lowercased names appearing in it), parallel to ``checks``.
    var checkColumns: [Set<String>] = []
    var uniques: [UniqueClause] = []
    var foreignKeys: [ForeignKeyClause] = []
    /// Lowercased column name → collation name.
    var collations: [String: String] = [:]
    /// Whether some column is `PRIMARY KEY AUTOINCREMENT`.
    var autoincrement = false
    /// The name of a named PRIMARY KEY constraint.
    var primaryKeyName: String?

    /// Parses `sql`; unknown syntax is skipped, never an error (the pragmas remain the source of truth).
    init(sql: String) {
        let s = SQLStatementText(sql)
        var open = 0
        while open < s.tokens.count, !s.isPunctuation(open, "(") { open += 1 }
        guard open < s.tokens.count, let close = s.matchingParen(open) else { return }
        for part in s.splitAtTopLevelCommas(from: open + 1, to: close) where !part.isEmpty {
            parseDefinition(s, part)
        }
    }

    private static let constraintStarts: Set<String> = [
        "CONSTRAINT", "PRIMARY", "NOT", "NULL", "UNIQUE", "CHECK", "DEFAULT", "COLLATE", "REFERENCES", "GENERATED",
        "AS",
    ]

    private mutating func parseDefinition(_ s: SQLStatementText, _ part: Range<Int>) {
        var i = part.lowerBound
        let end = part.upperBound
        var name: String?
        if s.isKeyword(i, "CONSTRAINT") {
            name = s.identifier(i + 1)
            i += 2
        }
        if s.isKeyword(i, "PRIMARY") || s.isKeyword(i, "UNIQUE") || s.isKeyword(i, "CHECK")
            || s.isKeyword(i, "FOREIGN")
        {
            parseTableConstraint(s, i, end, name: name)
            return
        }
        // A column definition: name, type words (with an optional (n, m)), then constraints.
        guard let column = s.identifier(i) else { return }
        i += 1
        while i < end, !isConstraintStart(s, i) {
            if s.isPunctuation(i, "("), let close = s.matchingParen(i) { i = close }
            i += 1
        }
        var pendingName: String?
        while i < end {
            if s.isKeyword(i, "CONSTRAINT") {
                pendingName = s.identifier(i + 1)
                i += 2
                continue
            }
            if s.isKeyword(i, "CHECK"), s.isPunctuation(i + 1, "("), let close = s.matchingParen(i + 1) {
                addCheck(s, open: i + 1, close: close, name: pendingName)
                i = close + 1
            } else if s.isKeyword(i, "COLLATE"), let collation = s.identifier(i + 1) {
                collations[column.lowercased()] = collation
                i += 2
            } else if s.isKeyword(i, "REFERENCES") {
                var clause = ForeignKeyClause(
                    name: pendingName, columns: [column], referencedTable: s.identifier(i + 1) ?? "", deferred: false)
                i = parseReferenceActions(s, i + 2, end, into: &clause)
                foreignKeys.append(clause)
            } else if s.isKeyword(i, "UNIQUE") {
                uniques.append(UniqueClause(name: pendingName, columns: [column]))
                i += 1
            } else if s.isKeyword(i, "PRIMARY") {
                if let pendingName { primaryKeyName = pendingName }
                i += 1
            } else if s.isKeyword(i, "AUTOINCREMENT") {
                autoincrement = true
                i += 1
            } else if s.isPunctuation(i, "("), let close = s.matchingParen(i) {
                i = close + 1  // DEFAULT (expr), AS (expr)
            } else {
                i += 1
            }
            pendingName = nil
        }
    }

    private func isConstraintStart(_ s: SQLStatementText, _ i: Int) -> Bool {
        guard s.tokens[i].kind == .word, let word = s.identifier(i)?.uppercased() else { return false }
        return CreateTableInfo.constraintStarts.contains(word)
    }

    private mutating func parseTableConstraint(_ s: SQLStatementText, _ start: Int, _ end: Int, name: String?) {
        var i = start
        if s.isKeyword(i, "CHECK") {
            if s.isPunctuation(i + 1, "("), let close = s.matchingParen(i + 1) {
                addCheck(s, open: i + 1, close: close, name: name)
            }
            return
        }
        if s.isKeyword(i, "PRIMARY") {
            primaryKeyName = name
            return
        }
        let isUnique = s.isKeyword(i, "UNIQUE")
        i += isUnique ? 1 : 2  // UNIQUE ( / FOREIGN KEY (
        guard s.isPunctuation(i, "("), let close = s.matchingParen(i) else { return }
        let columns = s.splitAtTopLevelCommas(from: i + 1, to: close).compactMap { s.identifier($0.lowerBound) }
        if isUnique {
            uniques.append(UniqueClause(name: name, columns: columns))
            return
        }
        i = close + 1
        guard s.isKeyword(i, "REFERENCES") else { return }
        var clause = ForeignKeyClause(
            name: name, columns: columns, referencedTable: s.identifier(i + 1) ?? "", deferred: false)
        _ = parseReferenceActions(s, i + 2, end, into: &clause)
        foreignKeys.append(clause)
    }

    /// Reads `[(cols)] [ON … | MATCH … | [NOT] DEFERRABLE [INITIALLY DEFERRED|IMMEDIATE]]…`; returns the next index.
    private func parseReferenceActions(
        _ s: SQLStatementText, _ start: Int, _ end: Int, into clause: inout ForeignKeyClause
    ) -> Int {
        var i = start
        if s.isPunctuation(i, "("), let close = s.matchingParen(i) { i = close + 1 }
        while i < end {
            if s.isKeyword(i, "ON") {
                i += 3  // ON DELETE|UPDATE action; "SET NULL" / "NO ACTION" / "SET DEFAULT" take one more word
                if s.isKeyword(i - 1, "SET") || s.isKeyword(i - 1, "NO") { i += 1 }
            } else if s.isKeyword(i, "MATCH") {
                i += 2
            } else if s.isKeyword(i, "NOT"), s.isKeyword(i + 1, "DEFERRABLE") {
                i += 2
                if s.isKeyword(i, "INITIALLY") { i += 2 }
            } else if s.isKeyword(i, "DEFERRABLE") {
                i += 1
                if s.isKeyword(i, "INITIALLY") {
                    clause.deferred = s.isKeyword(i + 1, "DEFERRED")
                    i += 2
                }
            } else {
                break
            }
        }
        return i
    }

    private mutating func addCheck(_ s: SQLStatementText, open: Int, close: Int, name: String?) {
        guard close > open + 1 else { return }
        checks.append(CheckConstraint(name: name, expression: s.text(from: open + 1, through: close - 1)))
        var columns = Set<String>()
        for i in (open + 1)..<close where s.tokens[i].kind == .word || s.tokens[i].kind == .quotedIdentifier {
            if let id = s.identifier(i) { columns.insert(id.lowercased()) }
        }
        checkColumns.append(columns)
    }
}

/// The parts of a `CREATE INDEX` statement the pragmas do not give: the WHERE clause of a partial index.
enum CreateIndexInfo {
    /// The WHERE clause's expression of a partial index, as written; nil when there is none.
    static func predicate(sql: String) -> String? {
        let s = SQLStatementText(sql)
        var depth = 0
        for i in 0..<s.tokens.count {
            if s.isPunctuation(i, "(") {
                depth += 1
            } else if s.isPunctuation(i, ")") {
                depth -= 1
            } else if depth == 0, s.isKeyword(i, "WHERE") {
                var last = s.tokens.count - 1
                while last > i, s.isPunctuation(last, ";") { last -= 1 }
                return last > i ? s.text(from: i + 1, through: last) : nil
            }
        }
        return nil
    }
}
