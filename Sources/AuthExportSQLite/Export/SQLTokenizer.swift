/// Splits SQLite SQL text into tokens (enough to read `CREATE TABLE` / `CREATE INDEX` statements: words,
/// quoted identifiers, strings, numbers, punctuation), skipping whitespace and comments.
///
/// Never fails: anything unexpected becomes a one-byte punctuation token, and an unterminated quote runs to
/// the end of the text.
struct SQLTokenizer {
    enum Kind: Equatable {
        /// A bare word: keyword or unquoted identifier.
        case word
        /// `"x"`, `` `x` `` or `[x]`.
        case quotedIdentifier
        /// `'text'`.
        case string
        /// A numeric literal.
        case number
        /// Any other character, such as `(`, `)`, `,`, `;`.
        case punctuation(UInt8)
    }

    struct Token: Equatable {
        var kind: Kind
        /// Byte range in the SQL text, quotes included.
        var range: Range<Int>
    }

    /// Tokenizes `sql`.
    static func tokens(_ sql: [UInt8]) -> [Token] {
        var tokens: [Token] = []
        var i = 0
        let n = sql.count
        while i < n {
            let b = sql[i]
            if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0C {
                i += 1
            } else if b == UInt8(ascii: "-"), i + 1 < n, sql[i + 1] == UInt8(ascii: "-") {
                while i < n, sql[i] != 0x0A { i += 1 }
            } else if b == UInt8(ascii: "/"), i + 1 < n, sql[i + 1] == UInt8(ascii: "*") {
                i += 2
                while i < n, !(sql[i] == UInt8(ascii: "*") && i + 1 < n && sql[i + 1] == UInt8(ascii: "/")) { i += 1 }
                i = min(n, i + 2)
            } else if b == UInt8(ascii: "\"") || b == UInt8(ascii: "`") || b == UInt8(ascii: "'") {
                let start = i
                i += 1
                while i < n {
                    if sql[i] == b {
                        if i + 1 < n, sql[i + 1] == b {
                            i += 2
                            continue
                        }
                        i += 1
                        break
                    }
                    i += 1
                }
                tokens.append(Token(kind: b == UInt8(ascii: "'") ? .string : .quotedIdentifier, range: start..<i))
            } else if b == UInt8(ascii: "[") {
                let start = i
                while i < n, sql[i] != UInt8(ascii: "]") { i += 1 }
                i = min(n, i + 1)
                tokens.append(Token(kind: .quotedIdentifier, range: start..<i))
            } else if (b == UInt8(ascii: "x") || b == UInt8(ascii: "X")), i + 1 < n, sql[i + 1] == UInt8(ascii: "'") {
                let start = i
                i += 2
                while i < n, sql[i] != UInt8(ascii: "'") { i += 1 }
                i = min(n, i + 1)
                tokens.append(Token(kind: .string, range: start..<i))
            } else if isWordStart(b) {
                let start = i
                while i < n, isWordPart(sql[i]) { i += 1 }
                tokens.append(Token(kind: .word, range: start..<i))
            } else if ASCIIByte.isDigit(b) || (b == UInt8(ascii: ".") && i + 1 < n && ASCIIByte.isDigit(sql[i + 1])) {
                let start = i
                while i < n,
                    isWordPart(sql[i]) || sql[i] == UInt8(ascii: ".")
                        || ((sql[i] == UInt8(ascii: "+") || sql[i] == UInt8(ascii: "-"))
                            && (sql[i - 1] == UInt8(ascii: "e") || sql[i - 1] == UInt8(ascii: "E")))
                {
                    i += 1
                }
                tokens.append(Token(kind: .number, range: start..<i))
            } else {
                tokens.append(Token(kind: .punctuation(b), range: i..<i + 1))
                i += 1
            }
        }
        return tokens
    }

    private static func isWordStart(_ b: UInt8) -> Bool {
        (b | 0x20 >= UInt8(ascii: "a") && b | 0x20 <= UInt8(ascii: "z")) || b == UInt8(ascii: "_") || b >= 0x80
    }

    private static func isWordPart(_ b: UInt8) -> Bool {
        isWordStart(b) || ASCIIByte.isDigit(b) || b == UInt8(ascii: "$")
    }
}

/// A tokenized SQL statement with helpers to read identifiers and keywords.
struct SQLStatementText {
    let sql: [UInt8]
    let tokens: [SQLTokenizer.Token]

    init(_ sql: String) {
        self.sql = Array(sql.utf8)
        self.tokens = SQLTokenizer.tokens(self.sql)
    }

    /// Whether token `i` is the keyword `word` (case-insensitive).
    func isKeyword(_ i: Int, _ word: String) -> Bool {
        guard i < tokens.count, tokens[i].kind == .word else { return false }
        let range = tokens[i].range
        guard range.count == word.utf8.count else { return false }
        for (a, b) in zip(sql[range], word.utf8) where a | 0x20 != b | 0x20 { return false }
        return true
    }

    /// Whether token `i` is the punctuation byte `p`.
    func isPunctuation(_ i: Int, _ p: Character) -> Bool {
        guard i < tokens.count, let ascii = p.asciiValue else { return false }
        return tokens[i].kind == .punctuation(ascii)
    }

    /// The name a word or quoted identifier token stands for (quotes removed, doubled quotes undone); for a
    /// string token, its text (SQLite accepts 'x' as an identifier in some places).
    func identifier(_ i: Int) -> String? {
        guard i < tokens.count else { return nil }
        let token = tokens[i]
        switch token.kind {
        case .word: return String(decoding: sql[token.range], as: UTF8.self)
        case .quotedIdentifier, .string:
            let inner = sql[(token.range.lowerBound + 1)..<max(token.range.lowerBound + 1, token.range.upperBound - 1)]
            let quote = sql[token.range.lowerBound]
            var text = String(decoding: inner, as: UTF8.self)
            if quote != UInt8(ascii: "[") {
                let q = String(UnicodeScalar(quote))
                text = text.replacingAll(q + q, with: q)
            }
            return text
        default: return nil
        }
    }

    /// The SQL text spanning tokens `from...to`, exactly as written.
    func text(from: Int, through to: Int) -> String {
        guard from <= to, to < tokens.count else { return "" }
        return String(decoding: sql[tokens[from].range.lowerBound..<tokens[to].range.upperBound], as: UTF8.self)
    }

    /// The index of the `)` matching the `(` at `open`, or nil.
    func matchingParen(_ open: Int) -> Int? {
        var depth = 0
        var i = open
        while i < tokens.count {
            if isPunctuation(i, "(") {
                depth += 1
            } else if isPunctuation(i, ")") {
                depth -= 1
                if depth == 0 { return i }
            }
            i += 1
        }
        return nil
    }

    /// Splits tokens `from..<to` at commas outside parentheses.
    func splitAtTopLevelCommas(from: Int, to: Int) -> [Range<Int>] {
        var parts: [Range<Int>] = []
        var depth = 0
        var start = from
        var i = from
        while i < to {
            if isPunctuation(i, "(") {
                depth += 1
            } else if isPunctuation(i, ")") {
                depth -= 1
            } else if depth == 0, isPunctuation(i, ",") {
                parts.append(start..<i)
                start = i + 1
            }
            i += 1
        }
        if start < to { parts.append(start..<to) }
        return parts
    }
}

extension String {
    /// Replaces every occurrence of `target` (no Foundation needed).
    fileprivate func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        result += rest
        return result
    }
}

extension SQLStatementText {
    /// Quotes an SQLite identifier: `"` + name with `"` doubled + `"`.
    ///
    /// Identifiers are data, never SQL.
    static func quote(_ name: String) -> String {
        "\"" + name.replacingAll("\"", with: "\"\"") + "\""
    }
}
