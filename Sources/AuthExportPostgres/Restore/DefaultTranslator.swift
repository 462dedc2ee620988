import AuthExport

/// Translates a column default from the source dialect to PostgreSQL.
enum DefaultTranslator {
    enum Result: Equatable {
        /// No default (the source said NULL).
        case none
        /// A PostgreSQL expression. `certain` when it cannot fail at creation; otherwise it is tried in a
        /// savepoint and reported if PostgreSQL rejects it.
        case sql(String, certain: Bool)
        /// Not translated; the reason (a phrase: `SQLite expression has no PostgreSQL equivalent`) is reported.
        case untranslatable(String)
    }

    /// Translates `source` for a column of PostgreSQL type `type`.
    static func translate(_ source: String, column: Column, type: PGType, backend: String) -> Result {
        var text = source.trimmingSpaces()
        if backend == "postgresql" {
            if text.lowercased().hasPrefix("nextval(") { return .none }  // becomes an identity column
            // Parsed and written again: only literals, casts and allowed functions reach PostgreSQL.
            do {
                let tree = try SQLExpressionParser.expression(text, dialect: .postgresql)
                var emitter = PostgresExpressionEmitter(dialect: .postgresql, context: .defaultValue)
                emitter.scope = []
                return .sql(try emitter.emit(tree), certain: false)
            } catch let failure as SQLExpressionParser.Failure {
                return .untranslatable("cannot parse it (\(failure.message))")
            } catch {
                return .untranslatable("\(error)")
            }
        }
        // Strip redundant outer parentheses: DEFAULT (CURRENT_TIMESTAMP).
        while text.hasPrefix("("), text.hasSuffix(")"), balanced(String(text.dropFirst().dropLast())) {
            text = String(text.dropFirst().dropLast()).trimmingSpaces()
        }
        let lower = text.lowercased()
        if lower == "null" { return .none }
        if let now = nowKind(lower) { return translateNow(now, type: type, source: source) }
        if let literal = stringLiteral(text) { return translateString(literal, column: column, type: type) }
        if isNumber(text) { return translateNumber(text, type: type) }
        if lower == "true" || lower == "false" {
            switch type {
            case .boolean: return .sql(lower, certain: true)
            case .smallint, .integer, .bigint: return .sql(lower == "true" ? "1" : "0", certain: true)
            default: return .untranslatable("boolean default for a \(type.sql) column has no PostgreSQL equivalent")
            }
        }
        if type == .uuid, lower.replacingAll(" ", with: "") == "lower(hex(randomblob(16)))" {
            return .sql("gen_random_uuid()", certain: true)
        }
        return .untranslatable("SQLite expression has no PostgreSQL equivalent")
    }

    private static func balanced(_ s: String) -> Bool {
        var depth = 0
        var quote: Character?
        for c in s {
            if let q = quote {
                if c == q { quote = nil }
                continue
            }
            if c == "'" || c == "\"" { quote = c; continue }
            if c == "(" { depth += 1 }
            if c == ")" { depth -= 1; if depth < 0 { return false } }
        }
        return depth == 0 && quote == nil
    }

    enum Now { case timestamp, date, time }

    /// SQLite's ways of saying "now" in UTC.
    private static func nowKind(_ lower: String) -> Now? {
        let compact = lower.replacingAll(" ", with: "").replacingAll("\"", with: "'")
        switch compact {
        case "current_timestamp", "datetime('now')", "strftime('%y-%m-%d%h:%m:%s','now')",
            "strftime('%y-%m-%d%h:%m:%f','now')", "strftime('%y-%m-%dt%h:%m:%fz','now')",
            "strftime('%y-%m-%dt%h:%m:%sz','now')", "now()":
            return .timestamp
        case "current_date", "date('now')": return .date
        case "current_time", "time('now')": return .time
        default: return nil
        }
    }

    private static func translateNow(_ now: Now, type: PGType, source: String) -> Result {
        switch (now, type) {
        case (.timestamp, .timestamptz), (.timestamp, .timestamp): return .sql("CURRENT_TIMESTAMP", certain: true)
        case (.date, .date): return .sql("((now() AT TIME ZONE 'UTC')::date)", certain: true)
        case (.time, .time): return .sql("((now() AT TIME ZONE 'UTC')::time(0))", certain: true)
        case (.timestamp, .text), (.timestamp, .varchar):
            return .sql("to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')", certain: true)
        case (.date, .text), (.date, .varchar): return .sql("to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD')", certain: true)
        case (.time, .text), (.time, .varchar): return .sql("to_char(now() AT TIME ZONE 'UTC', 'HH24:MI:SS')", certain: true)
        default: return .untranslatable("the current time, for a \(type.sql) column has no PostgreSQL equivalent")
        }
    }

    /// The content of a single-quoted literal, or of a double-quoted one (SQLite takes `"x"` as a string in a
    /// DEFAULT).
    private static func stringLiteral(_ text: String) -> String? {
        guard let first = text.first, first == "'" || first == "\"", text.count >= 2, text.last == first else { return nil }
        switch try? SQLExpressionParser.expression(text, dialect: .sqlite) {
        case .string(let s)?, .column(nil, let s, mayBeString: true)?: return s
        default: return nil
        }
    }

    private static func isNumber(_ text: String) -> Bool {
        var s = Substring(text)
        if s.first == "-" || s.first == "+" { s = s.dropFirst() }
        guard !s.isEmpty else { return false }
        var sawDigit = false
        var sawDot = false
        var sawE = false
        var previous: Character = " "
        for c in s {
            if c.isASCII && c.isNumber {
                sawDigit = true
            } else if c == "." && !sawDot && !sawE {
                sawDot = true
            } else if (c == "e" || c == "E") && sawDigit && !sawE {
                sawE = true
            } else if (c == "+" || c == "-") && (previous == "e" || previous == "E") {
            } else {
                return false
            }
            previous = c
        }
        return sawDigit && previous.isNumber
    }

    private static func translateNumber(_ text: String, type: PGType) -> Result {
        let plain = text.hasPrefix("+") ? String(text.dropFirst()) : text
        switch type {
        case .smallint, .integer, .bigint:
            if let value = Int64(plain), let range = type.integerRange, range.contains(value) {
                return .sql(value < 0 ? "(\(value))" : String(value), certain: true)
            }
            if let value = Double(plain), value == value.rounded(), let i = Int64(exactly: value),
                let range = type.integerRange, range.contains(i)
            {
                return .sql(i < 0 ? "(\(i))" : String(i), certain: true)
            }
            return .untranslatable("number \(text) for a \(type.sql) column has no PostgreSQL equivalent")
        case .real, .doublePrecision, .numeric:
            return .sql(plain.hasPrefix("-") ? "(\(plain))" : plain, certain: false)
        case .boolean:
            if plain == "0" { return .sql("false", certain: true) }
            if plain == "1" { return .sql("true", certain: true) }
            return .untranslatable("number \(text) for a boolean column has no PostgreSQL equivalent")
        case .text, .varchar:
            return .sql(PGConnection.quoteLiteral(plain), certain: false)
        case .jsonb, .json:
            return .sql(PGConnection.quoteLiteral(plain) + "::" + type.sql, certain: true)
        default:
            return .untranslatable("number \(text) for a \(type.sql) column has no PostgreSQL equivalent")
        }
    }

    private static func translateString(_ value: String, column: Column, type: PGType) -> Result {
        let literal = PGConnection.quoteLiteral(value)
        switch type {
        case .text, .varchar:
            return .sql(literal, certain: false)  // may exceed varchar(n)
        case .boolean:
            switch value.lowercased() {
            case "0", "false", "f", "no", "n", "off": return .sql("false", certain: true)
            case "1", "true", "t", "yes", "y", "on": return .sql("true", certain: true)
            default: return .untranslatable("text '\(value)' for a boolean column has no PostgreSQL equivalent")
            }
        case .smallint, .integer, .bigint, .real, .doublePrecision, .numeric:
            if isNumber(value) { return translateNumber(value, type: type) }
            return .untranslatable("text default for a \(type.sql) column has no PostgreSQL equivalent")
        case .jsonb, .json:
            return .sql(literal + "::" + type.sql, certain: false)
        case .uuid, .date, .time, .bytea:
            return .sql(literal + "::" + type.sql, certain: false)
        case .timestamptz:
            // Naive text is in the column's time zone (UTC unless the archive says otherwise).
            let zone = column.timeZone ?? "UTC"
            guard zone == "UTC" else { return .untranslatable("naive timestamp text in time zone \(zone) has no PostgreSQL equivalent") }
            return .sql("(\(literal)::timestamp AT TIME ZONE 'UTC')", certain: false)
        case .timestamp:
            // A naive column holds the UTC wall-clock time.
            let zone = column.timeZone ?? "UTC"
            guard zone == "UTC" else { return .untranslatable("naive timestamp text in time zone \(zone) has no PostgreSQL equivalent") }
            return .sql(literal + "::timestamp", certain: false)
        default:
            return .untranslatable("text default for a \(type.sql) column has no PostgreSQL equivalent")
        }
    }
}
