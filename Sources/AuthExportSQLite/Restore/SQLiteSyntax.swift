/// SQL text helpers for SQLite: identifier quoting and a small tokenizer for checking archive-provided statements.
///
/// Identifiers from archives are data: they only ever reach SQL through ``quote(_:)``.
enum SQLiteSyntax {
    /// `name` as a quoted SQLite identifier: `"` around it, inner `"` doubled.
    static func quote(_ name: String) -> String {
        "\"" + name.replacing("\"", with: "\"\"") + "\""
    }

    /// `text` as a SQL string literal: `'` around it, inner `'` doubled.
    static func literal(_ text: String) -> String {
        "'" + text.replacing("'", with: "''") + "'"
    }

    /// A comma-separated list of quoted identifiers.
    static func quoteList(_ names: [String]) -> String {
        names.map(quote).joined(separator: ", ")
    }

    /// One token of SQLite SQL.
    struct Token: Equatable {
        enum Kind: Equatable {
            /// A bare word: keyword or unquoted identifier.
            case word
            /// A quoted identifier: `"x"`, `[x]` or `` `x` ``; ``text`` is the unquoted name.
            case quotedIdentifier
            /// A string literal; ``text`` is the unquoted value.
            case string
            /// A number or blob literal.
            case number
            /// Punctuation or an operator.
            case symbol
        }
        var kind: Kind
        var text: String
        /// The token's range in the statement's UTF-8 bytes.
        var range: Range<Int>

        /// Whether the token is the keyword `keyword` (case-insensitive).
        func isKeyword(_ keyword: String) -> Bool {
            kind == .word && text.uppercased() == keyword
        }
    }

    /// Splits `sql` into tokens, skipping whitespace and comments.
    ///
    /// Never fails: an unterminated quote ends at the end of the text.
    static func tokenize(_ sql: String) -> [Token] {
        let bytes = Array(sql.utf8)
        var tokens: [Token] = []
        var i = 0
        func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
        while i < bytes.count {
            let c = bytes[i]
            let start = i
            switch c {
            case 0x20, 0x09, 0x0A, 0x0C, 0x0D:
                i += 1
            case UInt8(ascii: "-") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "-"):
                while i < bytes.count && bytes[i] != 0x0A { i += 1 }
            case UInt8(ascii: "/") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "*"):
                i += 2
                while i < bytes.count
                    && !(bytes[i] == UInt8(ascii: "*") && i + 1 < bytes.count
                        && bytes[i + 1] == UInt8(ascii: "/"))
                {
                    i += 1
                }
                i = min(i + 2, bytes.count)
            case UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"), UInt8(ascii: "["):
                let close = c == UInt8(ascii: "[") ? UInt8(ascii: "]") : c
                var value: [UInt8] = []
                i += 1
                while i < bytes.count {
                    if bytes[i] == close {
                        // A doubled quote is an escaped quote (not for [...]).
                        if close != UInt8(ascii: "]") && i + 1 < bytes.count && bytes[i + 1] == close {
                            value.append(close)
                            i += 2
                            continue
                        }
                        i += 1
                        break
                    }
                    value.append(bytes[i])
                    i += 1
                }
                let kind: Token.Kind = c == UInt8(ascii: "'") ? .string : .quotedIdentifier
                tokens.append(Token(kind: kind, text: String(decoding: value, as: UTF8.self), range: start..<i))
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                while i < bytes.count && (isWordByte(bytes[i]) || bytes[i] == UInt8(ascii: ".")) { i += 1 }
                tokens.append(Token(kind: .number, text: text(start..<i), range: start..<i))
            default:
                if (c == UInt8(ascii: "x") || c == UInt8(ascii: "X")) && i + 1 < bytes.count
                    && bytes[i + 1] == UInt8(ascii: "'")
                {
                    i += 2
                    while i < bytes.count && bytes[i] != UInt8(ascii: "'") { i += 1 }
                    i = min(i + 1, bytes.count)
                    tokens.append(Token(kind: .number, text: text(start..<i), range: start..<i))
                } else if isWordByte(c) || c >= 0x80 {
                    while i < bytes.count && (isWordByte(bytes[i]) || bytes[i] >= 0x80 || bytes[i] == UInt8(ascii: "$"))
                    {
                        i += 1
                    }
                    tokens.append(Token(kind: .word, text: text(start..<i), range: start..<i))
                } else {
                    i += 1
                    tokens.append(Token(kind: .symbol, text: text(start..<i), range: start..<i))
                }
            }
        }
        return tokens
    }

    private static func isWordByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "_")
    }

    /// What kind of schema statement `sql` is, from its leading keywords; nil when it is not one we accept.
    ///
    /// Temporary objects and `CREATE TABLE … AS SELECT` are not accepted: an archive's schema SQL creates persistent
    /// objects only, and a table's rows come from the archive.
    static func schemaStatementKind(_ sql: String) -> SchemaStatementKind? {
        let tokens = tokenize(sql)
        guard tokens.first?.isKeyword("CREATE") == true, tokens.count > 2 else { return nil }
        var i = 1
        if tokens[i].isKeyword("UNIQUE") { i += 1 }
        guard i < tokens.count else { return nil }
        switch tokens[i].text.uppercased() {
        case "TABLE" where i == 1:
            // CREATE TABLE [IF NOT EXISTS] name ( … ) — reject AS SELECT.
            var j = i + 1
            if j + 2 < tokens.count && tokens[j].isKeyword("IF") { j += 3 }
            if j + 2 < tokens.count && tokens[j + 1].text == "." { j += 2 }
            guard j + 1 < tokens.count, tokens[j + 1].text == "(" else { return nil }
            return .table
        case "INDEX": return .index
        case "VIEW" where i == 1: return .view
        case "TRIGGER" where i == 1: return .trigger
        default: return nil
        }
    }

    /// The kinds of schema statement a restore executes from an archive.
    enum SchemaStatementKind: Equatable {
        case table, index, view, trigger
    }

    /// `sql` (a CREATE TABLE statement) with the declared types of `columns` (lowercased names) replaced by
    /// `newType`; nil when the statement cannot be parsed or a column is not found.
    ///
    /// Only the type tokens change, so the table's stored format (columns, rowid alias, keys, constraints) is
    /// the same: this is the kind of change `writable_schema` allows.
    static func replacingColumnTypes(in sql: String, columns: Set<String>, with newType: String) -> String? {
        let tokens = tokenize(sql)
        guard let open = tokens.firstIndex(where: { $0.text == "(" && $0.kind == .symbol }) else { return nil }
        let tableConstraints: Set<String> = ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"]
        let columnConstraints: Set<String> = [
            "CONSTRAINT", "PRIMARY", "NOT", "NULL", "UNIQUE", "CHECK", "DEFAULT", "COLLATE", "REFERENCES",
            "GENERATED", "AS",
        ]
        // Split the definitions at depth-1 commas.
        var elements: [Range<Int>] = []
        var depth = 0
        var start = open + 1
        var close: Int?
        for i in (open + 1)..<tokens.count {
            let t = tokens[i]
            guard t.kind == .symbol else { continue }
            if t.text == "(" { depth += 1 }
            if t.text == ")" {
                if depth == 0 {
                    elements.append(start..<i)
                    close = i
                    break
                }
                depth -= 1
            }
            if t.text == "," && depth == 0 {
                elements.append(start..<i)
                start = i + 1
            }
        }
        guard close != nil else { return nil }
        var replacements: [Range<Int>] = []
        var found = Set<String>()
        for element in elements where !element.isEmpty {
            let first = tokens[element.lowerBound]
            if first.kind == .word && tableConstraints.contains(first.text.uppercased()) { continue }
            let name = first.text.lowercased()
            guard columns.contains(name) else { continue }
            found.insert(name)
            var i = element.lowerBound + 1
            var typeStart: Int?
            var typeEnd: Int?
            while i < element.upperBound {
                let t = tokens[i]
                let isTypeWord =
                    (t.kind == .word && !columnConstraints.contains(t.text.uppercased())) || t.kind == .quotedIdentifier
                    || t.kind == .string
                guard isTypeWord else { break }
                typeStart = typeStart ?? t.range.lowerBound
                typeEnd = t.range.upperBound
                i += 1
            }
            if typeStart != nil, i < element.upperBound, tokens[i].text == "(" {
                var level = 0
                while i < element.upperBound {
                    if tokens[i].text == "(" { level += 1 }
                    if tokens[i].text == ")" {
                        level -= 1
                        if level == 0 {
                            typeEnd = tokens[i].range.upperBound
                            break
                        }
                    }
                    i += 1
                }
                guard level == 0 else { return nil }
            }
            if let typeStart, let typeEnd { replacements.append(typeStart..<typeEnd) }
        }
        guard found == columns else { return nil }
        var bytes = Array(sql.utf8)
        for range in replacements.sorted(by: { $0.lowerBound > $1.lowerBound }) {
            bytes.replaceSubrange(range, with: Array(newType.utf8))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `sql` (a CREATE TABLE statement) without the CHECK constraints that call one of `functions` (lowercased
    /// names), and the removed constraints' text; nil when such a call is outside a CHECK (a generated column),
    /// where the statement cannot be kept without it.
    static func removingChecks(in sql: String, calling functions: Set<String>) -> (sql: String, removed: [String])? {
        let tokens = tokenize(sql)
        let bytes = Array(sql.utf8)
        func isCall(_ k: Int) -> Bool {
            tokens[k].kind == .word && functions.contains(tokens[k].text.lowercased()) && k + 1 < tokens.count
                && tokens[k + 1].text == "(" && tokens[k + 1].kind == .symbol
        }
        var cuts: [Range<Int>] = []
        var removed: [String] = []
        var covered = Set<Int>()
        var k = 0
        while k < tokens.count {
            guard tokens[k].isKeyword("CHECK"), k + 1 < tokens.count, tokens[k + 1].text == "(" else {
                k += 1
                continue
            }
            var depth = 0
            var close: Int?
            for j in (k + 1)..<tokens.count where tokens[j].kind == .symbol {
                if tokens[j].text == "(" { depth += 1 }
                if tokens[j].text == ")" {
                    depth -= 1
                    if depth == 0 {
                        close = j
                        break
                    }
                }
            }
            guard let close else { return nil }
            let calls = (k...close).filter(isCall)
            if !calls.isEmpty {
                var start = k
                if start >= 2, tokens[start - 2].isKeyword("CONSTRAINT") { start -= 2 }
                var lower = tokens[start].range.lowerBound
                // A table constraint takes its leading comma with it.
                if start >= 1, tokens[start - 1].text == ",", tokens[start - 1].kind == .symbol {
                    lower = tokens[start - 1].range.lowerBound
                }
                cuts.append(lower..<tokens[close].range.upperBound)
                removed.append(String(decoding: bytes[tokens[k].range.lowerBound..<tokens[close].range.upperBound], as: UTF8.self))
                covered.formUnion(calls)
            }
            k = close + 1
        }
        guard tokens.indices.filter(isCall).allSatisfy(covered.contains), !cuts.isEmpty else { return nil }
        var out = bytes
        for cut in cuts.reversed() { out.replaceSubrange(cut, with: [UInt8(ascii: " ")]) }
        return (String(decoding: out, as: UTF8.self), removed)
    }
}
