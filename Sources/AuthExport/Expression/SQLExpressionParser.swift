/// Parses an archive's SQL texts into ``SQLExpression`` trees: the one way archive SQL reaches a loader.
///
/// The grammar is an allow-list: column references, literals, operators, casts, function calls, CASE, IN,
/// BETWEEN, LIKE; for index statements `CREATE [UNIQUE] INDEX name ON table (keys) [WHERE …]`; for views a plain
/// `SELECT` over tables with joins, WHERE, GROUP BY, HAVING, ORDER BY and LIMIT. Anything else (sub-queries,
/// parameters, dollar quotes, escape strings, a second statement) is a ``Failure``. Which functions, types and
/// names are allowed is the emitters' business, per target database.
///
/// ```swift
/// let tree = try SQLExpressionParser.expression("length(name) > 0", dialect: .sqlite)
/// ```
public enum SQLExpressionParser {
    /// The SQL dialect of the text (the archive's `source.backend`).
    public enum Dialect: Sendable {
        case sqlite, postgresql

        /// The dialect of an archive's `source.backend` (SQLite for anything but `postgresql`).
        public init(backend: String) { self = backend == "postgresql" ? .postgresql : .sqlite }
    }

    /// Why a text was not parsed.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// Whether the text holds a second statement after the first (spec §12: reject the text).
        public var isSecondStatement: Bool
        public var message: String
        public var description: String { message }
        init(_ message: String, secondStatement: Bool = false) {
            self.message = message
            self.isSecondStatement = secondStatement
        }
    }

    /// Expressions nested deeper than this are refused (a hostile text cannot exhaust the stack).
    public static let maxDepth = 200

    /// Parses one expression (a CHECK, DEFAULT or WHERE text); nothing may follow it.
    public static func expression(_ sql: String, dialect: Dialect) throws(Failure) -> SQLExpression {
        var p = try Parser(sql, dialect: dialect)
        let e = try p.expression()
        guard p.atEnd else { throw p.unexpected() }
        return e
    }

    /// Parses a `CREATE [UNIQUE] INDEX` statement; a trailing `;` is allowed, a second statement is not.
    public static func index(_ sql: String, dialect: Dialect) throws(Failure) -> SQLIndexStatement {
        var p = try Parser(sql, dialect: dialect)
        let s = try p.indexStatement()
        try p.endOfStatement()
        return s
    }

    /// Parses a `CREATE VIEW name [(columns)] AS SELECT …` statement.
    public static func view(_ sql: String, dialect: Dialect) throws(Failure) -> SQLViewStatement {
        var p = try Parser(sql, dialect: dialect)
        let s = try p.viewStatement()
        try p.endOfStatement()
        return s
    }
}

// MARK: - Tokens

private enum Token: Equatable {
    case word(String)
    /// `"x"`, or SQLite `[x]` / `` `x` `` (`doubleQuoted` for the first).
    case identifier(String, doubleQuoted: Bool)
    case string(String)
    case number(String)
    case blob([UInt8])
    case symbol(String)
}

private func tokenize(_ sql: String, dialect: SQLExpressionParser.Dialect) throws(SQLExpressionParser.Failure) -> [Token] {
    typealias Failure = SQLExpressionParser.Failure
    let s = Array(sql.unicodeScalars)
    var i = 0
    var tokens: [Token] = []
    /// Where the last word ended: a quote right there makes a prefixed literal (`E'…'`, `X'…'`).
    var wordEnd = -1
    func isWordStart(_ c: Unicode.Scalar) -> Bool {
        c == "_" || ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c.value >= 0x80
    }
    func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }
    func isWordPart(_ c: Unicode.Scalar) -> Bool { isWordStart(c) || isDigit(c) || c == "$" }
    let symbols3 = ["->>", "!~*", "~~*", "!~~"]
    let symbols2 = ["::", "||", "<=", ">=", "<>", "!=", "==", "<<", ">>", "->", "~*", "!~", "~~", "@>", "<@"]
    while i < s.count {
        let c = s[i]
        if c == "\u{0}" { throw Failure("a NUL character") }
        if c.properties.isWhitespace {
            i += 1
        } else if c == "-", i + 1 < s.count, s[i + 1] == "-" {
            while i < s.count, s[i] != "\n" { i += 1 }
        } else if c == "/", i + 1 < s.count, s[i + 1] == "*" {
            // PostgreSQL nests block comments; SQLite does not. Refuse a nested opener rather than guess.
            i += 2
            var closed = false
            while i + 1 < s.count {
                if s[i] == "*" && s[i + 1] == "/" {
                    closed = true
                    i += 2
                    break
                }
                if s[i] == "/" && s[i + 1] == "*" { throw Failure("a nested comment") }
                i += 1
            }
            guard closed else { throw Failure("an unterminated comment") }
        } else if c == "'" || c == "\"" || (dialect == .sqlite && c == "`") {
            let start = i
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
            guard closed else { throw Failure("an unterminated quote") }
            if c == "'" {
                // A string right after a word is a prefixed literal: E'…', B'…', U&'…', N'…' (PostgreSQL), X'…'.
                if case .word(let w)? = tokens.last, wordEnd == start {
                    guard dialect == .sqlite, w.lowercased() == "x", let bytes = hexBytes(text) else {
                        throw Failure("a prefixed string literal (\(w)'…')")
                    }
                    tokens.removeLast()
                    tokens.append(.blob(bytes))
                    continue
                }
                tokens.append(.string(text))
            } else {
                guard !text.isEmpty else { throw Failure("an empty quoted identifier") }
                tokens.append(.identifier(text, doubleQuoted: c == "\""))
            }
        } else if c == "[" && dialect == .sqlite {
            var text = ""
            i += 1
            while i < s.count, s[i] != "]" {
                text.unicodeScalars.append(s[i])
                i += 1
            }
            guard i < s.count, !text.isEmpty else { throw Failure("an unterminated [identifier]") }
            i += 1
            tokens.append(.identifier(text, doubleQuoted: false))
        } else if isDigit(c) || (c == "." && i + 1 < s.count && isDigit(s[i + 1])) {
            var text = ""
            if dialect == .sqlite, c == "0", i + 1 < s.count, s[i + 1] == "x" || s[i + 1] == "X" {
                i += 2
                var hex = ""
                while i < s.count, isWordPart(s[i]) {
                    hex.unicodeScalars.append(s[i])
                    i += 1
                }
                guard let value = UInt64(hex, radix: 16) else { throw Failure("a malformed hexadecimal number") }
                tokens.append(.number(String(Int64(bitPattern: value))))
                continue
            }
            while i < s.count, isDigit(s[i]) {
                text.unicodeScalars.append(s[i])
                i += 1
            }
            if i < s.count, s[i] == "." {
                text += "."
                i += 1
                while i < s.count, isDigit(s[i]) {
                    text.unicodeScalars.append(s[i])
                    i += 1
                }
            }
            if i < s.count, s[i] == "e" || s[i] == "E" {
                var exponent = "e"
                var j = i + 1
                if j < s.count, s[j] == "+" || s[j] == "-" {
                    exponent.unicodeScalars.append(s[j])
                    j += 1
                }
                guard j < s.count, isDigit(s[j]) else { throw Failure("a malformed number") }
                while j < s.count, isDigit(s[j]) {
                    exponent.unicodeScalars.append(s[j])
                    j += 1
                }
                text += exponent
                i = j
            }
            if text.hasPrefix(".") { text = "0" + text }
            if text.hasSuffix(".") { text += "0" }
            guard i >= s.count || !isWordPart(s[i]) else { throw Failure("a malformed number") }
            tokens.append(.number(text))
        } else if isWordStart(c) {
            var text = ""
            while i < s.count, isWordPart(s[i]) {
                text.unicodeScalars.append(s[i])
                i += 1
            }
            guard !text.contains("$") else { throw Failure("a word with $") }
            tokens.append(.word(text))
            wordEnd = i
        } else {
            func matches(_ candidate: String) -> Bool {
                let scalars = Array(candidate.unicodeScalars)
                guard i + scalars.count <= s.count else { return false }
                return Array(s[i..<(i + scalars.count)]) == scalars
            }
            if let three = symbols3.first(where: matches) {
                tokens.append(.symbol(three))
                i += 3
            } else if let two = symbols2.first(where: matches) {
                tokens.append(.symbol(two))
                i += 2
            } else if "()[],.;+-*/%<>=~&|".unicodeScalars.contains(c) {
                tokens.append(.symbol(String(c)))
                i += 1
            } else {
                throw Failure("the character \(c.escaped(asASCII: true))")
            }
        }
    }
    return tokens
}

private func hexBytes(_ text: String) -> [UInt8]? {
    let digits = Array(text.utf8)
    guard digits.count % 2 == 0 else { return nil }
    var out: [UInt8] = []
    out.reserveCapacity(digits.count / 2)
    var k = 0
    while k < digits.count {
        guard let hi = hexValue(digits[k]), let lo = hexValue(digits[k + 1]) else { return nil }
        out.append(hi << 4 | lo)
        k += 2
    }
    return out
}

// MARK: - Parser

/// Words that are never names.
private let reservedWords: Set<String> = [
    "all", "and", "any", "array", "as", "asc", "between", "by", "case", "cast", "collate", "create", "cross",
    "current_date", "current_time", "current_timestamp", "desc", "distinct", "else", "end", "escape", "except",
    "exists", "false", "from", "full", "glob", "group", "having", "ilike", "in", "index", "inner", "intersect", "is",
    "isnull", "join", "left", "like", "limit", "localtime", "localtimestamp", "natural", "not", "notnull", "null",
    "offset", "on", "or", "order", "outer", "regexp", "match", "right", "select", "similar", "some", "then", "true",
    "union", "unique", "using", "values", "view", "when", "where", "window", "with",
]

private struct Parser {
    typealias Failure = SQLExpressionParser.Failure
    let tokens: [Token]
    let dialect: SQLExpressionParser.Dialect
    var position = 0
    var depth = 0

    init(_ sql: String, dialect: SQLExpressionParser.Dialect) throws(Failure) {
        tokens = try tokenize(sql, dialect: dialect)
        self.dialect = dialect
    }

    var atEnd: Bool { position >= tokens.count }
    var peek: Token? { position < tokens.count ? tokens[position] : nil }
    func peek(_ offset: Int) -> Token? { position + offset < tokens.count ? tokens[position + offset] : nil }

    func unexpected() -> Failure {
        guard let token = peek else { return Failure("an unexpected end") }
        if token == .symbol(";") { return Failure("more than one statement", secondStatement: true) }
        return Failure("unexpected \(describe(token))")
    }

    func describe(_ token: Token) -> String {
        switch token {
        case .word(let w): return "word \(w.prefix(40))"
        case .identifier: return "a quoted name"
        case .string: return "a string"
        case .number(let n): return "number \(n.prefix(40))"
        case .blob: return "a blob"
        case .symbol(let s): return "\(s)"
        }
    }

    func isWord(_ w: String, at offset: Int = 0) -> Bool {
        if case .word(let x)? = peek(offset) { return x.lowercased() == w }
        return false
    }

    mutating func accept(_ w: String) -> Bool {
        guard isWord(w) else { return false }
        position += 1
        return true
    }

    mutating func acceptSymbol(_ s: String) -> Bool {
        guard peek == .symbol(s) else { return false }
        position += 1
        return true
    }

    mutating func expect(_ w: String) throws(Failure) {
        guard accept(w) else { throw unexpected() }
    }

    mutating func expectSymbol(_ s: String) throws(Failure) {
        guard acceptSymbol(s) else { throw unexpected() }
    }

    /// After a statement: optional `;`s, then nothing (a second statement is refused).
    mutating func endOfStatement() throws(Failure) {
        var sawSemicolon = false
        while acceptSymbol(";") { sawSemicolon = true }
        guard atEnd else {
            throw sawSemicolon ? Failure("more than one statement", secondStatement: true) : unexpected()
        }
    }

    /// A name: a bare word that is not reserved, or a quoted identifier.
    mutating func name() throws(Failure) -> String {
        switch peek {
        case .word(let w)? where !reservedWords.contains(w.lowercased()):
            position += 1
            return w
        case .identifier(let n, _)?:
            position += 1
            return n
        default:
            throw unexpected()
        }
    }

    var isName: Bool {
        switch peek {
        case .word(let w)?: return !reservedWords.contains(w.lowercased())
        case .identifier?: return true
        default: return false
        }
    }

    /// `[schema.]name`: the last part (schemas are the loader's choice, not the archive's).
    mutating func qualifiedName() throws(Failure) -> String {
        var n = try name()
        if acceptSymbol(".") { n = try name() }
        return n
    }

    // MARK: Statements

    mutating func indexStatement() throws(Failure) -> SQLIndexStatement {
        try expect("create")
        let unique = accept("unique")
        try expect("index")
        _ = accept("concurrently")
        if accept("if") {
            try expect("not")
            try expect("exists")
        }
        let indexName = try qualifiedName()
        try expect("on")
        _ = accept("only")
        let table = try qualifiedName()
        if accept("using") {
            let method = try name().lowercased()
            guard method == "btree" else { throw Failure("index method \(method)") }
        }
        try expectSymbol("(")
        var keys: [SQLIndexStatement.Key] = []
        repeat {
            var e = try expression()
            var collation: String?
            if case .collate(let inner, let c) = e {
                e = inner
                collation = c
            }
            var descending = false
            if accept("desc") { descending = true } else { _ = accept("asc") }
            if accept("nulls") {
                guard accept("first") || accept("last") else { throw unexpected() }
            }
            keys.append(.init(expression: e, descending: descending, collation: collation))
        } while acceptSymbol(",")
        try expectSymbol(")")
        var predicate: SQLExpression?
        if accept("where") { predicate = try expression() }
        return SQLIndexStatement(unique: unique, name: indexName, table: table, keys: keys, predicate: predicate)
    }

    mutating func viewStatement() throws(Failure) -> SQLViewStatement {
        try expect("create")
        guard !accept("temp"), !accept("temporary") else { throw Failure("a temporary view") }
        try expect("view")
        if accept("if") {
            try expect("not")
            try expect("exists")
        }
        let viewName = try qualifiedName()
        var columns: [String] = []
        if acceptSymbol("(") {
            repeat { columns.append(try name()) } while acceptSymbol(",")
            try expectSymbol(")")
        }
        try expect("as")
        return SQLViewStatement(name: viewName, columns: columns, select: try select())
    }

    mutating func select() throws(Failure) -> SQLSelect {
        let parenthesized = acceptSymbol("(")
        try expect("select")
        let distinct = accept("distinct")
        if !distinct { _ = accept("all") }
        var items: [SQLSelect.Item] = []
        repeat {
            if acceptSymbol("*") {
                items.append(.all(table: nil))
            } else if isName, peek(1) == .symbol("."), peek(2) == .symbol("*") {
                let t = try name()
                position += 2
                items.append(.all(table: t))
            } else {
                let e = try expression()
                var alias: String?
                if accept("as") { alias = try name() } else if isName { alias = try name() }
                items.append(.expression(e, alias: alias))
            }
        } while acceptSymbol(",")
        var sources: [SQLSelect.Source] = []
        if accept("from") {
            sources.append(try source(join: nil))
            while true {
                if acceptSymbol(",") {
                    sources.append(try source(join: ","))
                    continue
                }
                var kind: [String] = []
                for w in ["natural", "left", "right", "full", "inner", "cross", "outer"] where accept(w) { kind.append(w) }
                guard accept("join") else {
                    guard kind.isEmpty else { throw unexpected() }
                    break
                }
                guard !kind.contains("natural") else { throw Failure("a NATURAL JOIN") }
                let join = (kind + ["join"]).joined(separator: " ").uppercased()
                var s = try source(join: join)
                if accept("on") { s.on = try expression() } else if !kind.contains("cross") { throw unexpected() }
                sources.append(s)
            }
        }
        var filter: SQLExpression?
        if accept("where") { filter = try expression() }
        var groupBy: [SQLExpression] = []
        if accept("group") {
            try expect("by")
            repeat { groupBy.append(try expression()) } while acceptSymbol(",")
        }
        var having: SQLExpression?
        if accept("having") { having = try expression() }
        var orderBy: [SQLSelect.Ordering] = []
        if accept("order") {
            try expect("by")
            repeat {
                let e = try expression()
                var descending = false
                if accept("desc") { descending = true } else { _ = accept("asc") }
                if accept("nulls") {
                    guard accept("first") || accept("last") else { throw unexpected() }
                }
                orderBy.append(.init(expression: e, descending: descending))
            } while acceptSymbol(",")
        }
        var limit: SQLExpression?
        var offset: SQLExpression?
        if accept("limit") { limit = try expression() }
        if accept("offset") { offset = try expression() }
        if parenthesized { try expectSymbol(")") }
        return SQLSelect(
            distinct: distinct, items: items, sources: sources, filter: filter, groupBy: groupBy, having: having,
            orderBy: orderBy, limit: limit, offset: offset)
    }

    mutating func source(join: String?) throws(Failure) -> SQLSelect.Source {
        guard peek != .symbol("(") else { throw Failure("a sub-query") }
        let table = try qualifiedName()
        guard peek != .symbol("(") else { throw Failure("a table function") }
        var alias: String?
        if accept("as") { alias = try name() } else if isName { alias = try name() }
        return SQLSelect.Source(table: table, alias: alias, join: join, on: nil)
    }

    // MARK: Expressions

    /// Binding power of the infix operator at the current position (0: none).
    func infixPower() -> Int {
        guard let token = peek else { return 0 }
        let pg = dialect == .postgresql
        switch token {
        case .word(let w):
            switch w.lowercased() {
            case "or": return 1
            case "and": return 2
            case "is", "isnull", "notnull": return 4
            case "not":
                // NOT IN / NOT LIKE / NOT BETWEEN / NOT GLOB / NOT ILIKE
                guard case .word(let next)? = peek(1),
                    ["in", "like", "between", "glob", "ilike"].contains(next.lowercased())
                else { return 0 }
                return pg ? 6 : 4
            case "in", "like", "between", "glob", "ilike": return pg ? 6 : 4
            case "collate": return pg ? 11 : 11
            default: return 0
            }
        case .symbol(let s):
            switch s {
            case "=", "==", "!=", "<>": return pg ? 5 : 4
            case "<", "<=", ">", ">=": return 5
            case "~", "~*", "!~", "!~*", "~~", "~~*", "!~~", "!~~*", "->", "->>", "@>", "<@":
                return pg ? 7 : (s == "->" || s == "->>" ? 10 : 0)
            case "&", "|", "<<", ">>": return pg ? 7 : 6
            case "||": return pg ? 7 : 9
            case "+", "-": return pg ? 8 : 7
            case "*", "/", "%": return pg ? 9 : 8
            case "::": return pg ? 12 : 0
            default: return 0
            }
        default: return 0
        }
    }

    mutating func expression(_ minPower: Int = 1) throws(Failure) -> SQLExpression {
        depth += 1
        defer { depth -= 1 }
        guard depth <= SQLExpressionParser.maxDepth else { throw Failure("an expression nested too deeply") }
        var left = try prefix()
        while true {
            let power = infixPower()
            guard power > 0, power >= minPower else { break }
            left = try infix(left, power: power)
        }
        return left
    }

    mutating func prefix() throws(Failure) -> SQLExpression {
        guard let token = peek else { throw unexpected() }
        let unaryPower = dialect == .postgresql ? 10 : 12
        switch token {
        case .number(let n):
            position += 1
            return .number(n)
        case .string(let s):
            position += 1
            return .string(s)
        case .blob(let b):
            position += 1
            return .blob(b)
        case .symbol("("):
            position += 1
            guard !isWord("select") else { throw Failure("a sub-query") }
            let e = try expression()
            if acceptSymbol(",") {
                throw Failure("a row value")
            }
            try expectSymbol(")")
            return e
        case .symbol("-"):
            position += 1
            return .unary(.minus, try expression(unaryPower))
        case .symbol("+"):
            position += 1
            return .unary(.plus, try expression(unaryPower))
        case .symbol("~"):
            position += 1
            return .unary(.bitNot, try expression(unaryPower))
        case .identifier(let n, let doubleQuoted):
            return try reference(first: n, doubleQuoted: doubleQuoted)
        case .word(let w):
            let lower = w.lowercased()
            switch lower {
            case "null":
                position += 1
                return .null
            case "true", "false":
                position += 1
                return .boolean(lower == "true")
            case "not":
                position += 1
                return .unary(.not, try expression(3))
            case "current_timestamp", "current_date", "current_time", "localtimestamp", "localtime":
                position += 1
                return .currentTime(lower)
            case "case":
                position += 1
                return try caseExpression()
            case "cast":
                position += 1
                try expectSymbol("(")
                let e = try expression()
                try expect("as")
                let type = try typeName(inCast: true)
                try expectSymbol(")")
                return .cast(e, type)
            case "array" where dialect == .postgresql:
                position += 1
                try expectSymbol("[")
                var items: [SQLExpression] = []
                if !acceptSymbol("]") {
                    repeat { items.append(try expression()) } while acceptSymbol(",")
                    try expectSymbol("]")
                }
                return .array(items)
            case "exists", "select":
                throw Failure("a sub-query")
            default:
                // Function names may be words the grammar otherwise reserves (`like(…)`, `glob(…)`, `replace`).
                if peek(1) == .symbol("(") && !["in", "and", "or", "not", "is", "between"].contains(lower) {
                    position += 1
                    return try call(lower)
                }
                guard !reservedWords.contains(lower) else { throw unexpected() }
                return try reference(first: w, doubleQuoted: false)
            }
        default:
            throw unexpected()
        }
    }

    /// A column (`c`, `t.c`) or a call of a schema-qualified function (`pg_catalog.lower(x)`).
    mutating func reference(first: String, doubleQuoted: Bool) throws(Failure) -> SQLExpression {
        position += 1
        if acceptSymbol(".") {
            let second = try name()
            if peek == .symbol("(") {
                guard first.lowercased() == "pg_catalog" || first.lowercased() == "main" else {
                    return try call(first.lowercased() + "." + second.lowercased())
                }
                return try call(second.lowercased())
            }
            if acceptSymbol(".") {
                // schema.table.column: the schema is the loader's.
                let third = try name()
                return .column(table: second, name: third, mayBeString: false)
            }
            return .column(table: first, name: second, mayBeString: false)
        }
        if peek == .symbol("(") {
            if doubleQuoted { return try call(first.lowercased()) }
        }
        return .column(table: nil, name: first, mayBeString: doubleQuoted && dialect == .sqlite)
    }

    mutating func call(_ name: String) throws(Failure) -> SQLExpression {
        try expectSymbol("(")
        if acceptSymbol("*") {
            try expectSymbol(")")
            return .function(name, [], star: true, distinct: false)
        }
        let distinct = accept("distinct")
        var args: [SQLExpression] = []
        if !acceptSymbol(")") {
            repeat { args.append(try expression()) } while acceptSymbol(",")
            try expectSymbol(")")
        }
        if isWord("filter") || isWord("over") { throw Failure("a window or FILTER clause") }
        return .function(name, args, star: false, distinct: distinct)
    }

    mutating func caseExpression() throws(Failure) -> SQLExpression {
        var operand: SQLExpression?
        if !isWord("when") { operand = try expression() }
        var whens: [SQLWhen] = []
        while accept("when") {
            let condition = try expression()
            try expect("then")
            whens.append(SQLWhen(condition: condition, result: try expression()))
        }
        guard !whens.isEmpty else { throw unexpected() }
        var otherwise: SQLExpression?
        if accept("else") { otherwise = try expression() }
        try expect("end")
        return .caseWhen(operand, whens, otherwise)
    }

    /// A type name after `::` or in `CAST(… AS type)`.
    mutating func typeName(inCast: Bool) throws(Failure) -> SQLTypeName {
        var words: [String] = []
        func word() -> String? {
            if case .word(let w)? = peek { return w.lowercased() }
            if case .identifier(let w, _)? = peek { return w.lowercased() }
            return nil
        }
        guard var first = word() else { throw unexpected() }
        position += 1
        if first == "pg_catalog", acceptSymbol(".") {
            guard let w = word() else { throw unexpected() }
            position += 1
            first = w
        }
        words.append(first)
        var modifiers: [Int] = []
        func readModifiers(_ p: inout Parser) throws(Failure) {
            guard p.acceptSymbol("(") else { return }
            repeat {
                let negative = p.acceptSymbol("-")
                guard case .number(let n)? = p.peek, let v = Int(n) else { throw p.unexpected() }
                p.position += 1
                modifiers.append(negative ? -v : v)
            } while p.acceptSymbol(",")
            try p.expectSymbol(")")
        }
        if inCast && dialect == .sqlite {
            // SQLite: any words up to `(` or `)`.
            while let w = word(), !reservedWords.contains(w) {
                words.append(w)
                position += 1
            }
            try readModifiers(&self)
        } else {
            switch first {
            case "double":
                if accept("precision") { words.append("precision") }
            case "character", "char", "bit":
                if accept("varying") { words.append("varying") }
            default: break
            }
            try readModifiers(&self)
            if first == "timestamp" || first == "time" {
                if accept("with") || accept("without") {
                    if case .word(let w) = tokens[position - 1] { words.append(w.lowercased()) }
                    try expect("time")
                    try expect("zone")
                    words += ["time", "zone"]
                }
            }
        }
        var isArray = false
        while acceptSymbol("[") {
            try expectSymbol("]")
            guard !isArray else { throw Failure("a multi-dimensional array type") }
            isArray = true
        }
        return SQLTypeName(name: words.joined(separator: " "), modifiers: modifiers, isArray: isArray)
    }

    mutating func infix(_ left: SQLExpression, power: Int) throws(Failure) -> SQLExpression {
        guard let token = peek else { throw unexpected() }
        let next = power + 1
        switch token {
        case .word(let w):
            switch w.lowercased() {
            case "or":
                position += 1
                return .binary(.or, left, try expression(next))
            case "and":
                position += 1
                return .binary(.and, left, try expression(next))
            case "isnull":
                position += 1
                return .isNull(left, negated: false)
            case "notnull":
                position += 1
                return .isNull(left, negated: true)
            case "is":
                position += 1
                let negated = accept("not")
                if accept("null") { return .isNull(left, negated: negated) }
                if accept("distinct") {
                    try expect("from")
                    return .isNotDistinct(left, try expression(next), negated: !negated)
                }
                if isWord("true") || isWord("false") {
                    let value = isWord("true")
                    position += 1
                    return .isNotDistinct(left, .boolean(value), negated: negated)
                }
                guard dialect == .sqlite else { throw unexpected() }
                return .isNotDistinct(left, try expression(next), negated: negated)
            case "collate":
                position += 1
                return .collate(left, try name())
            default:
                let negated = accept("not")
                if accept("in") {
                    try expectSymbol("(")
                    guard !isWord("select") else { throw Failure("a sub-query") }
                    var list: [SQLExpression] = []
                    if !acceptSymbol(")") {
                        repeat { list.append(try expression()) } while acceptSymbol(",")
                        try expectSymbol(")")
                    }
                    return .inList(left, list, negated: negated)
                }
                if accept("between") {
                    let low = try expression(power + 1)
                    try expect("and")
                    let high = try expression(power + 1)
                    return .between(left, low, high, negated: negated)
                }
                let op: SQLMatchOperator
                if accept("like") {
                    op = .like
                } else if accept("ilike") && dialect == .postgresql {
                    op = .ilike
                } else if accept("glob") && dialect == .sqlite {
                    op = .glob
                } else {
                    throw unexpected()
                }
                let pattern = try expression(next)
                var escape: SQLExpression?
                if accept("escape") { escape = try expression(next) }
                return .match(op, left, pattern, escape: escape, negated: negated)
            }
        case .symbol(let s):
            position += 1
            switch s {
            case "::":
                return .cast(left, try typeName(inCast: false))
            case "~", "~*", "!~", "!~*":
                let op: SQLMatchOperator = s.hasSuffix("*") ? .regexInsensitive : .regex
                return .match(op, left, try expression(next), escape: nil, negated: s.hasPrefix("!"))
            case "~~", "~~*", "!~~", "!~~*":
                let op: SQLMatchOperator = s.hasSuffix("*") ? .ilike : .like
                return .match(op, left, try expression(next), escape: nil, negated: s.hasPrefix("!"))
            default:
                let op: SQLBinaryOperator
                switch s {
                case "==": op = .equal
                case "!=": op = .notEqual
                default:
                    guard let known = SQLBinaryOperator(rawValue: s) else { throw Failure("operator \(s)") }
                    op = known
                }
                if dialect == .postgresql, [.equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual].contains(op),
                    isWord("any") || isWord("all") || isWord("some"), peek(1) == .symbol("(")
                {
                    let all = isWord("all")
                    position += 2
                    let e = try expression()
                    try expectSymbol(")")
                    return .quantified(op, left, e, all: all)
                }
                return .binary(op, left, try expression(next))
            }
        default:
            throw unexpected()
        }
    }
}
