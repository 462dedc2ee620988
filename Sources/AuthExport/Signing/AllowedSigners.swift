#if canImport(Glibc)
import Glibc
#endif

/// An OpenSSH `allowed_signers` file: who may sign what, as `ssh-keygen -Y verify -f` reads it.
///
/// Each line is `PRINCIPALS [OPTIONS] KEYTYPE BASE64 [COMMENT]`; `#` lines and blank lines are comments.
/// PRINCIPALS is a pattern list (`*`, `?`, `!` negation, comma-separated, optionally double-quoted); OPTIONS are
/// `namespaces="…"` (a pattern list), `valid-after=` and `valid-before=` (`YYYYMMDD[Z]` or `YYYYMMDDHHMM[SS][Z]`,
/// local time unless `Z`). `cert-authority` lines are refused: authx checks plain keys, not certificates.
/// A line whose key type authx cannot verify (security keys, DSA, P-384…) is kept but matches no signature.
///
/// ```swift
/// let policy = try AllowedSigners(path: "allowed_signers")
/// let principal = try policy.authorize(signature.publicKey, namespace: "auth_export", principal: nil)
/// ```
///
/// Spec: ssh-keygen(1), section ALLOWED SIGNERS.
public struct AllowedSigners: Sendable {
    /// One line of the file.
    public struct Entry: Sendable {
        /// The 1-based line number.
        public var line: Int
        /// The principals pattern list, as written.
        public var principals: String
        /// The `namespaces=` pattern list, if any.
        public var namespaces: String?
        /// `valid-after=`, in seconds since 1970 (UTC).
        public var validAfter: Int64?
        /// `valid-before=`, in seconds since 1970 (UTC).
        public var validBefore: Int64?
        /// The key, or nil when authx does not support its type (such a line matches no signature).
        public var key: SSHPublicKey?
    }

    /// The file's path (for messages).
    public let path: String
    /// The lines that name a key.
    public let entries: [Entry]

    /// Reads and parses the file at `path`.
    ///
    /// - Throws: ``SignatureError`` `.io` if it cannot be read, `.badPolicy` naming the line of a syntax error or a
    ///   `cert-authority` line.
    public init(path: String) throws(SignatureError) {
        let bytes: [UInt8]
        do { bytes = try SmallFile.read(path, limit: 16 << 20) } catch { throw error.at(path) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw SignatureError(.badPolicy, "not a text file (allowed_signers is UTF-8 text)", path: path)
        }
        try self.init(text: text, path: path)
    }

    /// Parses the text of an `allowed_signers` file; `path` names it in messages.
    public init(text: String, path: String) throws(SignatureError) {
        self.path = path
        var entries: [Entry] = []
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line.removeLast() }
            line = line.drop { $0 == " " || $0 == "\t" }
            if line.isEmpty || line.hasPrefix("#") { continue }
            do {
                entries.append(try Self.parseLine(line, number: number + 1))
            } catch {
                throw error.at("\(path):\(number + 1)")
            }
        }
        self.entries = entries
    }

    private static func parseLine(_ line: Substring, number: Int) throws(SignatureError) -> Entry {
        var fields = try tokens(line)
        guard fields.count >= 3 else {
            throw SignatureError(.badPolicy, "expected `PRINCIPALS [OPTIONS] KEYTYPE BASE64`, found \(fields.count) field\(fields.count == 1 ? "" : "s")")
        }
        var entry = Entry(line: number, principals: unquoted(fields.removeFirst()), namespaces: nil, validAfter: nil, validBefore: nil, key: nil)
        if entry.principals.isEmpty { throw SignatureError(.badPolicy, "empty principals field") }
        if !isKeyType(fields[0]) {
            try parseOptions(fields.removeFirst(), into: &entry)
        }
        guard fields.count >= 2, isKeyType(fields[0]) else {
            throw SignatureError(.badPolicy, "expected a key type (such as ssh-ed25519) and its base64 after the principals and options")
        }
        do {
            entry.key = try SSHPublicKey(openSSH: "\(fields[0]) \(fields[1])")
        } catch where error.code == .badKey {
            entry.key = nil  // a type authx cannot verify: matches no signature authx accepts
        } catch {
            throw SignatureError(.badPolicy, "the \(SSHPublicKey.printable(fields[0])) key is not valid: \(error.message)")
        }
        return entry
    }

    /// Key type names that start the key part of a line (the options field never looks like one).
    private static func isKeyType(_ field: String) -> Bool {
        field.hasPrefix("ssh-") || field.hasPrefix("ecdsa-") || field.hasPrefix("sk-") || field.hasSuffix("@openssh.com")
    }

    /// Splits a line on spaces and tabs outside double quotes.
    private static func tokens(_ line: Substring) throws(SignatureError) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        for character in line {
            if character == "\"" { quoted.toggle() }
            if !quoted && (character == " " || character == "\t") {
                if !current.isEmpty { fields.append(current) }
                current = ""
            } else {
                current.append(character)
            }
        }
        if quoted { throw SignatureError(.badPolicy, "unterminated double quote") }
        if !current.isEmpty { fields.append(current) }
        return fields
    }

    private static func unquoted(_ text: String) -> String {
        guard text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") else { return text }
        return String(text.dropFirst().dropLast())
    }

    private static func parseOptions(_ field: String, into entry: inout Entry) throws(SignatureError) {
        // Split on commas outside quotes.
        var options: [String] = []
        var current = ""
        var quoted = false
        for character in field {
            if character == "\"" { quoted.toggle() }
            if character == "," && !quoted {
                options.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        options.append(current)
        for option in options {
            let parts = option.split(separator: "=", maxSplits: 1).map(String.init)
            let name = parts.first?.lowercased() ?? ""
            let value = parts.count == 2 ? unquoted(parts[1]) : nil
            switch (name, value) {
            case ("cert-authority", nil):
                throw SignatureError(.badPolicy, "cert-authority lines are not supported: authx checks signatures by plain keys, not certificates; list the signers' own keys instead")
            case ("namespaces", let value?):
                entry.namespaces = value
            case ("valid-after", let value?):
                entry.validAfter = try parseTime(value, option: name)
            case ("valid-before", let value?):
                entry.validBefore = try parseTime(value, option: name)
            default:
                throw SignatureError(.badPolicy, "unknown option \(SSHPublicKey.printable(option)) (supported: namespaces=, valid-after=, valid-before=)")
            }
        }
    }

    /// `YYYYMMDD[Z]` or `YYYYMMDDHHMM[SS][Z]`: local time, or UTC with `Z`.
    static func parseTime(_ text: String, option: String) throws(SignatureError) -> Int64 {
        var digits = Substring(text)
        let utc = digits.hasSuffix("Z") || digits.hasSuffix("z")
        if utc { digits.removeLast() }
        let bad = SignatureError(.badPolicy, "\(option)=\(SSHPublicKey.printable(text)) is not a time (YYYYMMDD[Z] or YYYYMMDDHHMM[SS][Z])")
        guard [8, 12, 14].contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw bad }
        let d = digits.compactMap { $0.wholeNumberValue }
        func number(_ start: Int, _ count: Int) -> Int32 { d[start..<start + count].reduce(0) { $0 * 10 + Int32($1) } }
        var parts = tm()
        parts.tm_year = number(0, 4) - 1900
        parts.tm_mon = number(4, 2) - 1
        parts.tm_mday = number(6, 2)
        if digits.count >= 12 {
            parts.tm_hour = number(8, 2)
            parts.tm_min = number(10, 2)
        }
        if digits.count == 14 { parts.tm_sec = number(12, 2) }
        guard (0...11).contains(parts.tm_mon), (1...31).contains(parts.tm_mday), (0...23).contains(parts.tm_hour),
            (0...59).contains(parts.tm_min), (0...60).contains(parts.tm_sec)
        else { throw bad }
        parts.tm_isdst = -1
        return Int64(utc ? timegm(&parts) : mktime(&parts))
    }

    /// Decides whether `key` may sign for `namespace` (and, if given, `principal`) at `time`.
    ///
    /// - Returns: the principal to report: `principal` when given, else the principals field of the line that
    ///   allows the key.
    /// - Throws: ``SignatureError`` with its own code for each reason: `.untrustedKey` (no line has the key),
    ///   `.principalMismatch`, `.namespaceNotAllowed`, `.expired`, `.notYetValid` (from the first line with the key).
    public func authorize(_ key: SSHPublicKey, namespace: String, principal: String?, at time: Int64 = Int64(Glibc.time(nil)))
        throws(SignatureError) -> String
    {
        let candidates = entries.filter { $0.key == key }
        guard !candidates.isEmpty else {
            throw SignatureError(.untrustedKey, "signed by \(key), a key that is not in \(path)")
        }
        var reasons: [SignatureError] = []
        for entry in candidates {
            let place = "\(path):\(entry.line)"
            let who = SSHPublicKey.printable(entry.principals)
            if let principal, Self.matchList(principal, entry.principals) != 1 {
                reasons.append(SignatureError(.principalMismatch, "signed by \(key), which \(place) allows for \(who), not for \(SSHPublicKey.printable(principal))"))
                continue
            }
            if let namespaces = entry.namespaces, Self.matchList(namespace, namespaces) != 1 {
                reasons.append(SignatureError(.namespaceNotAllowed, "signed by \(who) (\(key)), whose key \(place) allows only for namespaces \"\(SSHPublicKey.printable(namespaces))\", not \(namespace)"))
                continue
            }
            if let before = entry.validBefore, time > before {
                reasons.append(SignatureError(.expired, "signed by \(who) (\(key)), whose key expired at \(Self.format(before)) (valid-before, \(place))"))
                continue
            }
            if let after = entry.validAfter, time < after {
                reasons.append(SignatureError(.notYetValid, "signed by \(who) (\(key)), whose key is valid only from \(Self.format(after)) (valid-after, \(place))"))
                continue
            }
            return principal ?? entry.principals
        }
        // swift-format-ignore: NeverForceUnwrap
        throw reasons.first!  // one reason per candidate, and there is at least one candidate
    }

    /// `2026-01-31T12:00:00Z`.
    static func format(_ seconds: Int64) -> String {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }

    /// OpenSSH's `match_pattern_list`: 1 if `name` matches a pattern of the comma-separated list and no negated
    /// (`!`) one, -1 if a negated one matches, 0 if none.
    static func matchList(_ name: String, _ list: String) -> Int {
        var matched = 0
        for item in list.split(separator: ",", omittingEmptySubsequences: true) {
            var pattern = Substring(item)
            let negated = pattern.hasPrefix("!")
            if negated { pattern = pattern.dropFirst() }
            if matchPattern(Array(name.unicodeScalars), Array(pattern.unicodeScalars)) {
                if negated { return -1 }
                matched = 1
            }
        }
        return matched
    }

    /// `*` matches any run, `?` one character.
    static func matchPattern(_ name: [Unicode.Scalar], _ pattern: [Unicode.Scalar]) -> Bool {
        var n = 0
        var p = 0
        var star: Int?
        var starName = 0
        while n < name.count {
            if p < pattern.count && (pattern[p] == "?" || pattern[p] == name[n]) {
                n += 1
                p += 1
            } else if p < pattern.count && pattern[p] == "*" {
                star = p
                starName = n
                p += 1
            } else if let s = star {
                p = s + 1
                starName += 1
                n = starName
            } else {
                return false
            }
        }
        while p < pattern.count && pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}
