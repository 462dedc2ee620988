/// Translates small pieces of SQLite SQL (CHECK expressions, partial-index predicates, view bodies) to
/// PostgreSQL: identifiers are mapped to their PostgreSQL names and quoted, SQLite's quoting styles
/// (`"x"`, `[x]`, `` `x` ``, double-quoted strings) become PostgreSQL's, `==` becomes `=`, and 0/1 compared with
/// a boolean column become `false`/`true`.
///
/// It does not understand SQLite's functions: the restore runs every translation inside a savepoint and
/// reports the ones PostgreSQL rejects, so nothing is dropped silently.
struct SQLTranslator {
    /// A known name: its PostgreSQL spelling, and whether it is a boolean column.
    struct Name {
        var pgName: String
        var isBoolean: Bool
    }

    /// Lowercased source names → PostgreSQL names. Ambiguous names (two spellings) are left untouched.
    private var names: [String: Name] = [:]
    private var ambiguous: Set<String> = []

    init() {}

    /// Registers a table, view or column name.
    mutating func add(_ source: String, pgName: String, isBoolean: Bool = false) {
        let key = source.lowercased()
        if let existing = names[key], existing.pgName != pgName {
            ambiguous.insert(key)
            return
        }
        names[key] = Name(pgName: pgName, isBoolean: isBoolean)
    }

    private func lookup(_ word: String) -> Name? {
        let key = word.lowercased()
        guard !ambiguous.contains(key) else { return nil }
        return names[key]
    }

    enum Token: Equatable {
        case word(String)
        /// `[x]` or `` `x` ``: always an identifier.
        case quoted(String)
        /// `"x"`: an identifier, or a string literal when it names nothing (SQLite's rule).
        case doubleQuoted(String)
        case string(String)
        case number(String)
        case symbol(String)
        case space
    }

    /// Why a piece of SQL could not be tokenized.
    struct Failure: Error { var message: String }

    static func tokenize(_ sql: String) throws(Failure) -> [Token] {
        let s = Array(sql.unicodeScalars)
        var i = 0
        var tokens: [Token] = []
        func isWordStart(_ c: Unicode.Scalar) -> Bool { c == "_" || c.properties.isAlphabetic || c.value >= 0x80 }
        func isWordPart(_ c: Unicode.Scalar) -> Bool { isWordStart(c) || ("0"..."9").contains(c) || c == "$" }
        while i < s.count {
            let c = s[i]
            if c.properties.isWhitespace {
                while i < s.count, s[i].properties.isWhitespace { i += 1 }
                tokens.append(.space)
            } else if c == "-", i + 1 < s.count, s[i + 1] == "-" {
                while i < s.count, s[i] != "\n" { i += 1 }
                tokens.append(.space)
            } else if c == "/", i + 1 < s.count, s[i + 1] == "*" {
                i += 2
                while i + 1 < s.count, !(s[i] == "*" && s[i + 1] == "/") { i += 1 }
                i += 2
                tokens.append(.space)
            } else if c == "'" || c == "\"" || c == "`" {
                var text = ""
                i += 1
                var closed = false
                while i < s.count {
                    if s[i] == c {
                        if i + 1 < s.count, s[i + 1] == c {
                            text.unicodeScalars.append(c)
                            i += 2
                            continue
                        }
                        closed = true
                        i += 1
                        break
                    }
                    text.unicodeScalars.append(s[i])
                    i += 1
                }
                guard closed else { throw Failure(message: "unterminated quote") }
                tokens.append(c == "'" ? .string(text) : c == "\"" ? .doubleQuoted(text) : .quoted(text))
            } else if c == "[" {
                var text = ""
                i += 1
                while i < s.count, s[i] != "]" {
                    text.unicodeScalars.append(s[i])
                    i += 1
                }
                guard i < s.count else { throw Failure(message: "unterminated [identifier]") }
                i += 1
                tokens.append(.quoted(text))
            } else if ("0"..."9").contains(c) || (c == "." && i + 1 < s.count && ("0"..."9").contains(s[i + 1])) {
                var text = ""
                while i < s.count,
                    ("0"..."9").contains(s[i]) || s[i] == "." || s[i] == "e" || s[i] == "E" || s[i] == "x" || s[i] == "X"
                        || (("a"..."f").contains(s[i]) || ("A"..."F").contains(s[i]))
                        || ((s[i] == "+" || s[i] == "-") && (text.hasSuffix("e") || text.hasSuffix("E")))
                {
                    text.unicodeScalars.append(s[i])
                    i += 1
                }
                tokens.append(.number(text))
            } else if isWordStart(c) {
                var text = ""
                while i < s.count, isWordPart(s[i]) {
                    text.unicodeScalars.append(s[i])
                    i += 1
                }
                tokens.append(.word(text))
            } else {
                let two = i + 1 < s.count ? String(c) + String(s[i + 1]) : ""
                if ["==", "!=", "<>", "<=", ">=", "||", "<<", ">>"].contains(two) {
                    tokens.append(.symbol(two))
                    i += 2
                } else {
                    tokens.append(.symbol(String(c)))
                    i += 1
                }
            }
        }
        return tokens
    }

    /// SQL keywords that are never taken for names when written bare.
    static let keywords: Set<String> = [
        "all", "and", "as", "asc", "between", "by", "case", "cast", "collate", "create", "current_date",
        "current_time", "current_timestamp", "desc", "distinct", "else", "end", "escape", "except", "exists",
        "false", "from", "glob", "group", "having", "if", "in", "inner", "intersect", "is", "isnull", "join",
        "left", "like", "limit", "not", "notnull", "null", "offset", "on", "or", "order", "outer", "regexp",
        "select", "then", "true", "union", "using", "view", "when", "where", "with", "cross", "natural", "temp",
        "temporary", "values",
    ]

    /// Translates an expression or statement; throws when it cannot even be tokenized.
    func translate(_ sql: String) throws(Failure) -> String {
        render(rewriteBooleans(try mapNames(Self.tokenize(sql))))
    }

    /// Whether `sql` is exactly `column IN (0, 1)` (or `(1, 0)`) on a boolean column: SQLAlchemy's
    /// `create_constraint=True` check, which the PostgreSQL `boolean` type implies.
    func isBooleanDomainCheck(_ sql: String) -> Bool {
        guard let tokens = try? Self.tokenize(sql) else { return false }
        var t = tokens.filter { $0 != .space }
        while t.first == .symbol("("), t.last == .symbol(")") {
            t.removeFirst()
            t.removeLast()
        }
        guard t.count == 7, case .word(let inWord) = t[1], inWord.lowercased() == "in", t[2] == .symbol("("),
            t[4] == .symbol(","), t[6] == .symbol(")")
        else { return false }
        let column: String
        switch t[0] {
        case .word(let w), .quoted(let w), .doubleQuoted(let w): column = w
        default: return false
        }
        guard let name = lookup(column), name.isBoolean else { return false }
        let values = Set([t[3], t[5]])
        return values == [.number("0"), .number("1")]
    }

    /// Whether `sql` is `JSON_VALID(column)`, optionally `OR column IS NULL`, on a json column: Django's
    /// JSONField check on SQLite, which the PostgreSQL `jsonb` type implies.
    func isJSONValidCheck(_ sql: String, jsonColumns: Set<String>) -> Bool {
        guard let tokens = try? Self.tokenize(sql) else { return false }
        let t = tokens.filter { $0 != .space && $0 != .symbol("(") && $0 != .symbol(")") }
        func name(_ token: Token) -> String? {
            switch token {
            case .word(let w), .quoted(let w), .doubleQuoted(let w): return w.lowercased()
            default: return nil
            }
        }
        guard t.count >= 2, name(t[0]) == "json_valid", let column = name(t[1]), jsonColumns.contains(column) else {
            return false
        }
        if t.count == 2 { return true }
        return t.count == 6 && name(t[2]) == "or" && name(t[3]) == column && name(t[4]) == "is" && name(t[5]) == "null"
    }

    private func mapNames(_ tokens: [Token]) -> [Token] {
        var out: [Token] = []
        for (index, token) in tokens.enumerated() {
            switch token {
            case .word(let w):
                let next = tokens[(index + 1)...].first { $0 != .space }
                let isFunctionCall = next == .symbol("(")
                if !isFunctionCall, !Self.keywords.contains(w.lowercased()), let name = lookup(w) {
                    out.append(.quoted(name.pgName))
                } else {
                    out.append(token)
                }
            case .quoted(let q):
                out.append(.quoted(lookup(q)?.pgName ?? q))
            case .doubleQuoted(let q):
                if let name = lookup(q) {
                    out.append(.quoted(name.pgName))
                } else if tokens[..<index].last(where: { $0 != .space }) == .symbol(".")
                    || tokens[(index + 1)...].first(where: { $0 != .space }) == .symbol(".")
                {
                    out.append(.quoted(q))  // part of a qualified name we do not know: keep it an identifier
                } else {
                    // SQLite takes a double-quoted word that names nothing as a string literal.
                    out.append(.string(q))
                }
            case .symbol("=="):
                out.append(.symbol("="))
            default:
                out.append(token)
            }
        }
        return out
    }

    /// `bool_column = 1` → `bool_column = true` (also `!=`, `<>`, `IS`, `IS NOT`, and `IN (0, 1)` lists).
    private func rewriteBooleans(_ tokens: [Token]) -> [Token] {
        var t = tokens
        let significant = t.indices.filter { t[$0] != .space }
        func isBooleanColumn(_ token: Token) -> Bool {
            if case .quoted(let q) = token { return names.values.contains { $0.pgName == q && $0.isBoolean } }
            return false
        }
        func boolLiteral(_ token: Token) -> Token? {
            switch token {
            case .number("0"), .string("0"): return .word("false")
            case .number("1"), .string("1"): return .word("true")
            default: return nil
            }
        }
        for (k, i) in significant.enumerated() where isBooleanColumn(t[i]) {
            var j = k + 1
            guard j < significant.count else { continue }
            if case .word(let w) = t[significant[j]], w.lowercased() == "in" {
                j += 1
                guard j < significant.count, t[significant[j]] == .symbol("(") else { continue }
                j += 1
                while j < significant.count, t[significant[j]] != .symbol(")") {
                    if let literal = boolLiteral(t[significant[j]]) { t[significant[j]] = literal }
                    j += 1
                }
                continue
            }
            let operators: Set<Token> = [.symbol("="), .symbol("!="), .symbol("<>")]
            if operators.contains(t[significant[j]]) {
                j += 1
            } else if case .word(let w) = t[significant[j]], w.lowercased() == "is" {
                j += 1
                if j < significant.count, case .word(let n) = t[significant[j]], n.lowercased() == "not" { j += 1 }
            } else {
                continue
            }
            if j < significant.count, let literal = boolLiteral(t[significant[j]]) { t[significant[j]] = literal }
        }
        // Also `1 = bool_column`.
        for (k, i) in significant.enumerated() where k + 2 < significant.count {
            if boolLiteral(t[i]) != nil, [.symbol("="), .symbol("!="), .symbol("<>")].contains(t[significant[k + 1]]),
                isBooleanColumn(t[significant[k + 2]]), let literal = boolLiteral(t[i])
            {
                t[i] = literal
            }
        }
        return t
    }

    /// Tokens back to SQLite text (to translate a slice of a statement).
    static func sqliteText(_ tokens: some Collection<Token>) -> String {
        tokens.map { token -> String in
            switch token {
            case .word(let w): return w
            case .quoted(let q): return "`" + q.replacingAll("`", with: "``") + "`"
            case .doubleQuoted(let q): return "\"" + q.replacingAll("\"", with: "\"\"") + "\""
            case .string(let s): return PGConnection.quoteLiteral(s)
            case .number(let n): return n
            case .symbol(let s): return s
            case .space: return " "
            }
        }.joined()
    }

    private func render(_ tokens: [Token]) -> String {
        var out = ""
        for token in tokens {
            switch token {
            case .word(let w): out += w
            case .quoted(let q), .doubleQuoted(let q): out += PGConnection.quoteIdentifier(q)
            case .string(let s): out += PGConnection.quoteLiteral(s)
            case .number(let n): out += n
            case .symbol(let s): out += s
            case .space: out += " "
            }
        }
        return out.trimmingSpaces()
    }
}

extension SQLTranslator.Token: Hashable {}
