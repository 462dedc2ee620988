import AuthExport

/// Where `authx restore --to` points: a PostgreSQL connection string or a SQLite file.
///
/// Accepted PostgreSQL spellings are libpq's own (`postgresql://…`, `postgres://…`, `host=… dbname=…`) and
/// SQLAlchemy's (`postgresql+psycopg2://…`, `postgresql+psycopg://…`, `postgresql+asyncpg://…`…), whose
/// `+driver` part is dropped. SQLite targets are `sqlite:`/`sqlite+driver:` URLs and plain file paths.
package enum ConnectionTarget: Sendable, Equatable {
    /// A libpq connection string (URI or keyword/value), ready for `PQconnectdb`.
    case postgres(conninfo: String)
    /// A SQLite database file path.
    case sqlite(path: String)

    /// Classifies `target`.
    ///
    /// - Throws: `PostgresError` `.invalidOptions` for an empty string or an unknown URL scheme.
    package static func parse(_ target: String) throws(PostgresError) -> ConnectionTarget {
        let trimmed = target.trimmingSpaces()
        guard !trimmed.isEmpty else { throw PostgresError(.invalidOptions, "--to is empty: give a PostgreSQL URL or a SQLite path") }
        if let schemeEnd = trimmed.firstRange(of: "://") ?? trimmed.firstRange(of: ":"), let scheme = Self.scheme(trimmed, schemeEnd.lowerBound) {
            let base = scheme.split(separator: "+", maxSplits: 1).first.map(String.init) ?? scheme
            switch base {
            case "postgresql", "postgres":
                guard trimmed[schemeEnd] == "://" else {
                    throw PostgresError(.invalidOptions, "a PostgreSQL URL must start with \(base)://")
                }
                return .postgres(conninfo: base + trimmed[schemeEnd.lowerBound...])
            case "sqlite", "sqlite3":
                return .sqlite(path: try sqlitePath(trimmed))
            case "file":
                return .sqlite(path: String(trimmed[schemeEnd.upperBound...]))
            default:
                if scheme.count > 1 {  // one letter: a Windows drive, not a scheme
                    throw PostgresError(
                        .invalidOptions,
                        "unsupported URL scheme \"\(scheme)\": use postgresql://…, a libpq keyword string, sqlite:///PATH or a file path")
                }
            }
        }
        if isKeywordString(trimmed) { return .postgres(conninfo: trimmed) }
        return .sqlite(path: try sqlitePath(target))
    }

    /// The path of a SQLite URL or file path: ``SQLiteURL``'s reading, shared with export's source.
    private static func sqlitePath(_ text: String) throws(PostgresError) -> String {
        do {
            return try SQLiteURL.path(text, role: "--to")
        } catch {
            throw PostgresError(.invalidOptions, error.message)
        }
    }

    /// The scheme ending at `end` if it looks like one (`letters[+letters]`).
    private static func scheme(_ s: String, _ end: String.Index) -> String? {
        let candidate = s[..<end]
        guard let first = candidate.first, first.isASCII, first.isLetter else { return nil }
        guard candidate.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == ".") })
        else { return nil }
        return candidate.lowercased()
    }

    /// Whether `s` looks like a libpq keyword/value string (`host=… dbname=…`).
    static func isKeywordString(_ s: String) -> Bool {
        var sawKeyword = false
        for scalar in s.unicodeScalars {
            if scalar == "=" { return sawKeyword }
            if scalar == " " || scalar == "\t" {
                if sawKeyword { continue }
                continue
            }
            guard scalar.isASCII, scalar.properties.isAlphabetic || scalar == "_" || ("0"..."9").contains(scalar) else {
                return false
            }
            sawKeyword = true
        }
        return false
    }

    /// The connection string with its password replaced by `***` (URL userinfo, `password=` keywords and query
    /// parameters). Safe to print.
    package static func redact(_ conninfo: String) -> String {
        maskingPasswords(in: conninfo, secrets: passwords(in: conninfo))
    }

    /// Replaces every password of `conninfo` that appears in `message` with `***`.
    package static func scrub(_ message: String, conninfo: String) -> String {
        maskingPasswords(in: message, secrets: passwords(in: conninfo))
    }

    /// `text` with every password it shows replaced by `***`: the one masking function of everything authx prints.
    ///
    /// Masks each of `secrets` (passwords known from the command line, as spelled and decoded) wherever it appears,
    /// then, in any URL-looking word (`scheme://user:PASSWORD@host…`, whatever the scheme), the userinfo after its
    /// first `:`, and the value of every `password=` (libpq keyword strings, URL query parameters; a quoted value
    /// keeps its quotes).
    package static func maskingPasswords(in text: String, secrets: [String] = []) -> String {
        var masked = text
        for secret in secrets.sorted(by: { $0.count > $1.count }) where !secret.isEmpty && secret != "***" {
            masked = masked.replacingAll(secret, with: "***")
        }
        return maskingPasswordKeywords(in: maskingURLUserinfo(in: masked))
    }

    /// `scheme://user:secret@host` → `scheme://user:***@host`, for every `://` of `text`.
    private static func maskingURLUserinfo(in text: String) -> String {
        guard text.contains("://") else { return text }
        var out = ""
        var rest = Substring(text)
        while let sep = rest.firstRange(of: "://") {
            out += rest[..<sep.upperBound]
            rest = rest[sep.upperBound...]
            // The authority ends at the path, query or fragment, or where the word ends.
            let end = rest.firstIndex(where: { "/?#\"'<> \t\n\r".contains($0) }) ?? rest.endIndex
            let authority = rest[..<end]
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                out += authority[...colon]
                out += "***"
                out += authority[at...]
            } else {
                out += authority
            }
            rest = rest[end...]
        }
        return out + rest
    }

    /// `password=secret`, `password = 'a b'`, `?password=secret&…` → the value replaced by `***`.
    private static func maskingPasswordKeywords(in text: String) -> String {
        guard text.contains("password") else { return text }
        let chars = Array(text)
        var out = ""
        var i = 0
        let keyword = Array("password")
        while i < chars.count {
            guard chars[i] == "p", i + keyword.count <= chars.count, Array(chars[i..<(i + keyword.count)]) == keyword
            else {
                out.append(chars[i])
                i += 1
                continue
            }
            var j = i + keyword.count
            while j < chars.count, chars[j] == " " || chars[j] == "\t" { j += 1 }
            guard j < chars.count, chars[j] == "=" else {
                out.append(contentsOf: chars[i..<(i + keyword.count)])
                i += keyword.count
                continue
            }
            j += 1
            while j < chars.count, chars[j] == " " || chars[j] == "\t" { j += 1 }
            out.append(contentsOf: chars[i..<j])
            if j < chars.count, chars[j] == "'" {
                var k = j + 1
                while k < chars.count, chars[k] != "'" { k += chars[k] == "\\" ? 2 : 1 }
                out += "'***'"
                i = min(k + 1, chars.count)
            } else {
                var k = j
                while k < chars.count, !" \t\n\r&\"',;)".contains(chars[k]) { k += 1 }
                if k > j { out += "***" }
                i = k
            }
        }
        return out
    }

    /// The password literals in a connection string, as spelled (still percent-encoded in URLs) and decoded.
    package static func passwords(in conninfo: String) -> [String] {
        var found: [String] = []
        let s = conninfo.trimmingSpaces()
        if let sep = s.firstRange(of: "://") {
            let afterScheme = s[sep.upperBound...]
            let authorityEnd = afterScheme.firstIndex(where: { $0 == "?" }) ?? afterScheme.endIndex
            let authorityAndPath = afterScheme[..<authorityEnd]
            if let at = authorityAndPath.lastIndex(of: "@") {
                let userinfo = authorityAndPath[..<at]
                if let colon = userinfo.firstIndex(of: ":") {
                    let password = String(userinfo[userinfo.index(after: colon)...])
                    found.append(password)
                    if let decoded = password.removingPercentEncodingLenient(), decoded != password { found.append(decoded) }
                }
            }
            if authorityEnd < afterScheme.endIndex {
                for pair in afterScheme[afterScheme.index(after: authorityEnd)...].split(separator: "&") {
                    let kv = pair.split(separator: "=", maxSplits: 1)
                    if kv.count == 2, kv[0] == "password" {
                        let password = String(kv[1])
                        found.append(password)
                        if let decoded = password.removingPercentEncodingLenient(), decoded != password { found.append(decoded) }
                    }
                }
            }
        } else {
            found.append(contentsOf: keywordValues(s, keyword: "password"))
        }
        return found.sorted { $0.count > $1.count }
    }

    /// The values of `keyword` in a libpq keyword/value string (quoted values unescaped, and as spelled).
    static func keywordValues(_ s: String, keyword: String) -> [String] {
        var values: [String] = []
        let chars = Array(s)
        var i = 0
        func skipSpaces() { while i < chars.count, chars[i] == " " || chars[i] == "\t" || chars[i] == "\n" { i += 1 } }
        while i < chars.count {
            skipSpaces()
            var key = ""
            while i < chars.count, chars[i] != "=", chars[i] != " " { key.append(chars[i]); i += 1 }
            skipSpaces()
            guard i < chars.count, chars[i] == "=" else { break }
            i += 1
            skipSpaces()
            var value = ""
            var spelled = ""
            if i < chars.count, chars[i] == "'" {
                i += 1
                while i < chars.count, chars[i] != "'" {
                    if chars[i] == "\\", i + 1 < chars.count {
                        spelled.append(chars[i])
                        i += 1
                    }
                    value.append(chars[i])
                    spelled.append(chars[i])
                    i += 1
                }
                i += 1
            } else {
                while i < chars.count, chars[i] != " ", chars[i] != "\t", chars[i] != "\n" {
                    value.append(chars[i])
                    i += 1
                }
                spelled = value
            }
            if key == keyword {
                values.append(value)
                if spelled != value { values.append(spelled) }
            }
        }
        return values
    }
}

extension String {
    func trimmingSpaces() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }

    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
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

    /// Decodes `%XX` escapes; nil when an escape is malformed or the result is not UTF-8.
    func removingPercentEncodingLenient() -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "%") {
                guard iterator.count >= 2, let hi = hexValue(iterator[iterator.startIndex]),
                    let lo = hexValue(iterator[iterator.startIndex + 1])
                else { return nil }
                bytes.append(hi << 4 | lo)
                iterator = iterator.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

/// The value of an ASCII hex digit (either case), or nil.
func hexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
    default: return nil
    }
}
