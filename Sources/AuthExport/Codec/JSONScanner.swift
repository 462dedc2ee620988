#if canImport(Glibc)
import Glibc
#endif

/// A strict, allocation-free JSON scanner over one line of bytes (RFC 8259, UTF-8 only).
///
/// It validates as it goes (grammar, UTF-8, escapes, nesting depth) and returns tokens as byte ranges, so
/// the verifier can check cells without building values and the reader can materialize only what it needs.
package struct JSONScanner {
    package enum Kind: Equatable {
        case null, `true`, `false`
        /// A number; `isInteger` when it has neither fraction nor exponent.
        case number(isInteger: Bool)
        /// A string; the range excludes the quotes. `hasEscapes` when it contains backslashes.
        case string(hasEscapes: Bool)
        case array, object
    }

    package struct Token {
        package var kind: Kind
        /// Start of the token (for strings: after the opening quote).
        package var start: Int
        /// End of the token, exclusive (for strings: the closing quote).
        package var end: Int
    }

    /// A scanning problem, with the byte column (0-based) in the line.
    package struct Failure: Error {
        package var message: String
        package var column: Int
    }

    package let bytes: UnsafeRawBufferPointer
    package var position: Int = 0
    package let maxDepth: Int

    package init(_ bytes: UnsafeRawBufferPointer, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    package var isAtEnd: Bool { position >= bytes.count }

    @inline(__always)
    package mutating func skipWhitespace() {
        while position < bytes.count {
            let b = bytes[position]
            if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { position += 1 } else { break }
        }
    }

    @inline(__always)
    package func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    package func fail(_ message: String, at column: Int? = nil) -> Failure {
        Failure(message: message, column: column ?? position)
    }

    /// Consumes `byte` (after whitespace) or fails with `expected`.
    package mutating func expect(_ byte: UInt8, _ expected: String) throws(Failure) {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == byte else {
            throw fail(position < bytes.count ? "expected \(expected)" : "unexpected end of line, expected \(expected)")
        }
        position += 1
    }

    /// Consumes `byte` if it is next (after whitespace).
    package mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        if position < bytes.count, bytes[position] == byte {
            position += 1
            return true
        }
        return false
    }

    /// Requires that only whitespace remains.
    package mutating func expectEnd() throws(Failure) {
        skipWhitespace()
        if position < bytes.count { throw fail("unexpected data after the JSON value") }
    }

    /// Scans one complete value (containers are validated and skipped whole).
    package mutating func scanValue(depth: Int = 0) throws(Failure) -> Token {
        skipWhitespace()
        guard position < bytes.count else { throw fail("unexpected end of line, expected a value") }
        let start = position
        switch bytes[position] {
        case UInt8(ascii: "\""):
            return try scanString()
        case UInt8(ascii: "{"):
            guard depth < maxDepth else { throw fail("JSON nesting deeper than \(maxDepth)") }
            position += 1
            if !consume(UInt8(ascii: "}")) {
                repeat {
                    skipWhitespace()
                    guard peek() == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                    _ = try scanString()
                    try expect(UInt8(ascii: ":"), "':'")
                    _ = try scanValue(depth: depth + 1)
                } while consume(UInt8(ascii: ","))
                try expect(UInt8(ascii: "}"), "',' or '}'")
            }
            return Token(kind: .object, start: start, end: position)
        case UInt8(ascii: "["):
            guard depth < maxDepth else { throw fail("JSON nesting deeper than \(maxDepth)") }
            position += 1
            if !consume(UInt8(ascii: "]")) {
                repeat { _ = try scanValue(depth: depth + 1) } while consume(UInt8(ascii: ","))
                try expect(UInt8(ascii: "]"), "',' or ']'")
            }
            return Token(kind: .array, start: start, end: position)
        case UInt8(ascii: "t"):
            try literal("true")
            return Token(kind: .true, start: start, end: position)
        case UInt8(ascii: "f"):
            try literal("false")
            return Token(kind: .false, start: start, end: position)
        case UInt8(ascii: "n"):
            try literal("null")
            return Token(kind: .null, start: start, end: position)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try scanNumber()
        default:
            throw fail("expected a JSON value")
        }
    }

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw fail("invalid literal") }
        let p = word.utf8Start
        for i in 0..<count where bytes[position + i] != p[i] { throw fail("invalid literal") }
        position += count
    }

    private mutating func scanNumber() throws(Failure) -> Token {
        let start = position
        var isInteger = true
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard position < bytes.count, isDigit(bytes[position]) else { throw fail("invalid number") }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else {
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard position < bytes.count, isDigit(bytes[position]) else { throw fail("invalid number") }
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard position < bytes.count, isDigit(bytes[position]) else { throw fail("invalid number") }
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        return Token(kind: .number(isInteger: isInteger), start: start, end: position)
    }

    /// Scans a string starting at the opening quote; validates escapes, control characters and UTF-8.
    package mutating func scanString() throws(Failure) -> Token {
        position += 1  // opening quote
        let start = position
        var hasEscapes = false
        let count = bytes.count
        while position < count {
            // Eight plain bytes at a time (no quote, backslash, control byte or non-ASCII byte): session data,
            // hashes and tokens are long runs of them. A word that may hold one goes byte by byte below.
            while position &+ 8 <= count, Self.isPlainASCII(bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self)) {
                position &+= 8
            }
            guard position < count else { break }
            let b = bytes[position]
            if b == UInt8(ascii: "\"") {
                let token = Token(kind: .string(hasEscapes: hasEscapes), start: start, end: position)
                position += 1
                return token
            } else if b == UInt8(ascii: "\\") {
                hasEscapes = true
                position += 1
                guard position < count else { break }
                switch bytes[position] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    position += 1
                case UInt8(ascii: "u"):
                    let unit = try hex4(at: position + 1)
                    position += 5
                    if unit >= 0xD800 && unit < 0xDC00 {
                        guard position + 1 < count, bytes[position] == UInt8(ascii: "\\"),
                            bytes[position + 1] == UInt8(ascii: "u")
                        else { throw fail("unpaired UTF-16 surrogate in \\u escape") }
                        let low = try hex4(at: position + 2)
                        guard low >= 0xDC00 && low < 0xE000 else { throw fail("unpaired UTF-16 surrogate in \\u escape") }
                        position += 6
                    } else if unit >= 0xDC00 && unit < 0xE000 {
                        throw fail("unpaired UTF-16 surrogate in \\u escape")
                    }
                default:
                    throw fail("invalid escape sequence")
                }
            } else if b < 0x20 {
                throw fail("control character in string must be escaped")
            } else if b < 0x80 {
                position += 1
            } else {
                position = try validateUTF8Sequence(at: position)
            }
        }
        throw fail("unterminated string")
    }

    /// Whether none of the eight bytes of `word` is a quote, a backslash, below 0x20 or above 0x7F: ASCII that
    /// no JSON string escapes (``ByteBuffer/mayNeedEscape(_:)``; a false "maybe" only costs speed).
    @inline(__always)
    static func isPlainASCII(_ word: UInt64) -> Bool {
        (word & 0x8080_8080_8080_8080) | ByteBuffer.escapeBits(word) == 0
    }

    private func hex4(at index: Int) throws(Failure) -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail("invalid \\u escape") }
        var value: UInt32 = 0
        for i in index..<index + 4 {
            guard let digit = hexValue(bytes[i]) else { throw fail("invalid \\u escape", at: i) }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// Validates one multi-byte UTF-8 sequence at `index` and returns the index after it.
    private func validateUTF8Sequence(at index: Int) throws(Failure) -> Int {
        guard let length = utf8SequenceLength(bytes, at: index) else { throw fail("invalid UTF-8", at: index) }
        return index + length
    }

    /// Decodes a scanned string token into a Swift string.
    package func string(_ token: Token) -> String {
        guard case .string(let hasEscapes) = token.kind else { return "" }
        let raw = UnsafeRawBufferPointer(rebasing: bytes[token.start..<token.end])
        if !hasEscapes { return String(decoding: raw, as: UTF8.self) }
        return String(decoding: unescapedBytes(token), as: UTF8.self)
    }

    /// The UTF-8 bytes of a scanned string token, escapes resolved.
    package func unescapedBytes(_ token: Token) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(token.end - token.start)
        appendUnescaped(token, to: &out)
        return out
    }

    /// Appends the UTF-8 bytes of a scanned string token to `out`, escapes resolved.
    package func appendUnescaped(_ token: Token, to out: inout [UInt8]) {
        var i = token.start
        while i < token.end {
            let b = bytes[i]
            if b != UInt8(ascii: "\\") {
                out.append(b)
                i += 1
                continue
            }
            let e = bytes[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hex4Unchecked(at: i)
                i += 4
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    let low = hex4Unchecked(at: i + 2)
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                appendUTF8(scalar, to: &out)
            default: out.append(e)  // " \ /
            }
        }
    }

    private func hex4Unchecked(at index: Int) -> UInt32 {
        var value: UInt32 = 0
        for i in index..<index + 4 { value = value << 4 | UInt32(hexValue(bytes[i]) ?? 0) }
        return value
    }

    /// Whether a string token equals the ASCII `literal` exactly (no escapes).
    package func stringEquals(_ token: Token, _ literal: StaticString) -> Bool {
        guard case .string(false) = token.kind, token.end - token.start == literal.utf8CodeUnitCount else {
            return false
        }
        let p = literal.utf8Start
        for i in 0..<literal.utf8CodeUnitCount where bytes[token.start + i] != p[i] { return false }
        return true
    }

    /// Parses a number token as an exact Int64, or nil if out of range or not an integer.
    package func int64(_ token: Token) -> Int64? {
        guard case .number(true) = token.kind else { return nil }
        var i = token.start
        let negative = bytes[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        var magnitude: UInt64 = 0
        while i < token.end {
            let (m1, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (m2, o2) = m1.addingReportingOverflow(UInt64(bytes[i] &- UInt8(ascii: "0")))
            if o1 || o2 { return nil }
            magnitude = m2
            i += 1
        }
        if negative {
            if magnitude > UInt64(Int64.max) + 1 { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        return magnitude > UInt64(Int64.max) ? nil : Int64(magnitude)
    }

    /// Parses a number token as a Double.
    package func double(_ token: Token) -> Double? {
        Double(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[token.start..<token.end]), as: UTF8.self))
    }

    /// The bytes of a whole value token, including a string's quotes.
    package func fullRaw(_ token: Token) -> UnsafeRawBufferPointer {
        if case .string = token.kind {
            return UnsafeRawBufferPointer(rebasing: bytes[(token.start - 1)...token.end])
        }
        return raw(token)
    }

    /// The raw bytes of a token (a string's without its quotes).
    package func raw(_ token: Token) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[token.start..<token.end])
    }

    /// Parses a complete value into a ``JSONValue`` (for control records).
    package mutating func parseValue(depth: Int = 0) throws(Failure) -> JSONValue {
        skipWhitespace()
        guard let first = peek() else { throw fail("unexpected end of line, expected a value") }
        switch first {
        case UInt8(ascii: "{"):
            guard depth < maxDepth else { throw fail("JSON nesting deeper than \(maxDepth)") }
            position += 1
            var members: [(String, JSONValue)] = []
            if !consume(UInt8(ascii: "}")) {
                repeat {
                    skipWhitespace()
                    guard peek() == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                    let key = string(try scanString())
                    try expect(UInt8(ascii: ":"), "':'")
                    members.append((key, try parseValue(depth: depth + 1)))
                } while consume(UInt8(ascii: ","))
                try expect(UInt8(ascii: "}"), "',' or '}'")
            }
            return .object(members)
        case UInt8(ascii: "["):
            guard depth < maxDepth else { throw fail("JSON nesting deeper than \(maxDepth)") }
            position += 1
            var items: [JSONValue] = []
            if !consume(UInt8(ascii: "]")) {
                repeat { items.append(try parseValue(depth: depth + 1)) } while consume(UInt8(ascii: ","))
                try expect(UInt8(ascii: "]"), "',' or ']'")
            }
            return .array(items)
        default:
            let token = try scanValue(depth: depth)
            switch token.kind {
            case .null: return .null
            case .true: return .bool(true)
            case .false: return .bool(false)
            case .string: return .string(string(token))
            case .number(let isInteger):
                if isInteger, let i = int64(token) { return .integer(i) }
                return .double(double(token) ?? .nan)
            case .array, .object: return .null  // unreachable: handled above
            }
        }
    }

    /// Writes the value starting at the current position compactly (no insignificant whitespace),
    /// escaping strings the canonical way. Used to canonicalize json cells.
    package mutating func writeCompact(to out: inout ByteBuffer, depth: Int = 0) throws(Failure) {
        skipWhitespace()
        guard let first = peek() else { throw fail("unexpected end of line, expected a value") }
        switch first {
        case UInt8(ascii: "{"):
            guard depth < maxDepth else { throw fail("JSON nesting deeper than \(maxDepth)") }
            position += 1
            out.append(first)
            if !consume(UInt8(ascii: "}")) {
                var firstMember = true
                repeat {
                    if !firstMember { out.append(UInt8(ascii: ",")) }
                    firstMember = false
                    skipWhitespace()
                    guard peek() == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                    let key = try scanString()
                    appendCanonicalString(key, to: &out)
                    try expect(UInt8(ascii: ":"), "':'")
                    out.append(UInt8(ascii: ":"))
                    try writeCompact(to: &out, depth: depth + 1)
                } while consume(UInt8(ascii: ","))
                try expect(UInt8(ascii: "}"), "',' or '}'")
            }
            out.append(UInt8(ascii: "}"))
        case UInt8(ascii: "["):
            guard depth < maxDepth else { throw fail("JSON nesting deeper than \(maxDepth)") }
            position += 1
            out.append(first)
            if !consume(UInt8(ascii: "]")) {
                var firstItem = true
                repeat {
                    if !firstItem { out.append(UInt8(ascii: ",")) }
                    firstItem = false
                    try writeCompact(to: &out, depth: depth + 1)
                } while consume(UInt8(ascii: ","))
                try expect(UInt8(ascii: "]"), "',' or ']'")
            }
            out.append(UInt8(ascii: "]"))
        default:
            let token = try scanValue(depth: depth)
            if case .string = token.kind {
                appendCanonicalString(token, to: &out)
            } else {
                out.append(raw(token))
            }
        }
    }

    private func appendCanonicalString(_ token: Token, to out: inout ByteBuffer) {
        guard case .string(let hasEscapes) = token.kind else { return }
        if hasEscapes {
            unescapedBytes(token).withUnsafeBytes { out.append(jsonStringUTF8: $0) }
        } else {
            out.append(jsonStringUTF8: raw(token))
        }
    }
}

@inline(__always)
func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

@inline(__always)
func hexValue(_ b: UInt8) -> UInt8? {
    switch b {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
    default: return nil
    }
}

func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
    switch scalar {
    case 0..<0x80:
        out.append(UInt8(scalar))
    case 0x80..<0x800:
        out.append(UInt8(0xC0 | scalar >> 6))
        out.append(UInt8(0x80 | scalar & 0x3F))
    case 0x800..<0x10000:
        out.append(UInt8(0xE0 | scalar >> 12))
        out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
        out.append(UInt8(0x80 | scalar & 0x3F))
    default:
        out.append(UInt8(0xF0 | scalar >> 18))
        out.append(UInt8(0x80 | scalar >> 12 & 0x3F))
        out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
        out.append(UInt8(0x80 | scalar & 0x3F))
    }
}

/// The length of the well-formed UTF-8 sequence starting at `index` (a lead byte ≥ 0x80), or nil:
/// no overlong forms, no surrogates, nothing above U+10FFFF.
@inline(__always)
func utf8SequenceLength(_ bytes: UnsafeRawBufferPointer, at index: Int) -> Int? {
    let length: Int
    var lower: UInt8 = 0x80
    var upper: UInt8 = 0xBF
    switch bytes[index] {
    case 0xC2...0xDF: length = 2
    case 0xE0: length = 3; lower = 0xA0
    case 0xE1...0xEC, 0xEE...0xEF: length = 3
    case 0xED: length = 3; upper = 0x9F
    case 0xF0: length = 4; lower = 0x90
    case 0xF1...0xF3: length = 4
    case 0xF4: length = 4; upper = 0x8F
    default: return nil
    }
    guard index + length <= bytes.count else { return nil }
    let b1 = bytes[index + 1]
    guard b1 >= lower && b1 <= upper else { return nil }
    for k in 2..<length where bytes[index + k] & 0xC0 != 0x80 { return nil }
    return length
}

/// Whether `bytes` is valid UTF-8.
package func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
    var i = 0
    let count = bytes.count
    while i < count {
        // ASCII eight bytes at a time.
        while i &+ 8 <= count, bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
            i &+= 8
        }
        guard i < count else { break }
        if bytes[i] < 0x80 {
            i += 1
        } else if let length = utf8SequenceLength(bytes, at: i) {
            i += length
        } else {
            return false
        }
    }
    return true
}

/// The index of the first `\n` in `bytes`, or `bytes.count` when there is none (memchr).
@inline(__always)
func findNewline(_ bytes: UnsafeRawBufferPointer) -> Int {
    guard let base = bytes.baseAddress, bytes.count > 0,
        let hit = memchr(base, 0x0A, bytes.count)
    else { return bytes.count }
    return UnsafeRawPointer(hit) - base
}

/// The first byte of `line` that is not JSON whitespace, if any.
@inline(__always)
func firstNonWhitespace(_ line: UnsafeRawBufferPointer) -> UInt8? {
    for b in line where !(b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D) { return b }
    return nil
}
