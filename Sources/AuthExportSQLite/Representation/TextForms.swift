/// Byte-level parsers and printers for the text forms of uuids, decimals and JSON that SQLite columns hold.
enum TextForms {
    // MARK: UUID

    /// Appends the canonical uuid for 32 hex digits (`uppercase` says which letter case they must use;
    /// digits fit both).
    ///
    /// Returns false when `s` is not 32 hex digits of that case.
    static func canonicalUUID(hex32 s: UnsafeRawBufferPointer, uppercase: Bool, into out: inout [UInt8]) -> Bool {
        guard s.count == 32 else { return false }
        // Built in a fixed buffer, appended once (this runs for every uuid of the database).
        var buffer: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
        let ok = withUnsafeMutableBytes(of: &buffer) { b -> Bool in
            var o = 0
            for i in 0..<32 {
                guard let lower = hexLowercased(s[i], uppercase: uppercase) else { return false }
                if i == 8 || i == 12 || i == 16 || i == 20 {
                    b[o] = ASCIIByte.dash
                    o += 1
                }
                b[o] = lower
                o += 1
            }
            return true
        }
        guard ok else { return false }
        withUnsafeBytes(of: &buffer) { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: $0[0..<36])) }
        return true
    }

    /// Appends the canonical uuid for 36-character dashed text of the given letter case.
    static func canonicalUUID(dashed s: UnsafeRawBufferPointer, uppercase: Bool, into out: inout [UInt8]) -> Bool {
        guard s.count == 36 else { return false }
        for i in 0..<36 {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard s[i] == ASCIIByte.dash else { return false }
                out.append(ASCIIByte.dash)
            } else {
                guard let lower = hexLowercased(s[i], uppercase: uppercase) else { return false }
                out.append(lower)
            }
        }
        return true
    }

    /// Appends the canonical uuid for 16 bytes.
    static func canonicalUUID(bytes s: UnsafeRawBufferPointer, into out: inout [UInt8]) -> Bool {
        guard s.count == 16 else { return false }
        for i in 0..<16 {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(ASCIIByte.dash) }
            out.append(hexDigit(s[i] >> 4, uppercase: false))
            out.append(hexDigit(s[i] & 0xF, uppercase: false))
        }
        return true
    }

    /// The 16 bytes of a canonical uuid; nil when `s` is not canonical.
    static func uuidBytes(canonical s: UnsafeRawBufferPointer) -> [UInt8]? {
        guard isCanonicalUUID(s) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        var high: UInt8?
        for b in s where b != ASCIIByte.dash {
            let nibble = ASCIIByte.isDigit(b) ? b &- ASCIIByte.zero : b &- UInt8(ascii: "a") &+ 10
            if let h = high {
                bytes.append(h << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return bytes
    }

    /// Whether `s` is `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in lowercase hex.
    static func isCanonicalUUID(_ s: UnsafeRawBufferPointer) -> Bool {
        var scratch: [UInt8] = []
        scratch.reserveCapacity(36)
        return canonicalUUID(dashed: s, uppercase: false, into: &scratch)
    }

    /// The lowercase form of a hex digit written in the given case, or nil.
    @inline(__always)
    private static func hexLowercased(_ b: UInt8, uppercase: Bool) -> UInt8? {
        if ASCIIByte.isDigit(b) { return b }
        if uppercase {
            return b >= UInt8(ascii: "A") && b <= UInt8(ascii: "F") ? b | 0x20 : nil
        }
        return b >= UInt8(ascii: "a") && b <= UInt8(ascii: "f") ? b : nil
    }

    @inline(__always)
    static func hexDigit(_ nibble: UInt8, uppercase: Bool) -> UInt8 {
        nibble < 10 ? ASCIIByte.zero &+ nibble : (uppercase ? UInt8(ascii: "A") : UInt8(ascii: "a")) &+ nibble &- 10
    }

    // MARK: Decimal

    /// Whether `s` is a canonical decimal `-?(0|[1-9][0-9]*)(\.[0-9]+)?` (NaN and infinities excluded).
    static func isCanonicalDecimal(_ s: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        let n = s.count
        if i < n, s[i] == ASCIIByte.dash { i += 1 }
        let start = i
        while i < n, ASCIIByte.isDigit(s[i]) { i += 1 }
        guard i > start, i - start == 1 || s[start] != ASCIIByte.zero else { return false }
        if i < n, s[i] == ASCIIByte.dot {
            i += 1
            let fractionStart = i
            while i < n, ASCIIByte.isDigit(s[i]) { i += 1 }
            guard i > fractionStart else { return false }
        }
        return i == n
    }

    /// Appends the exact decimal spelling of the shortest digits that round-trip `value` (`0.1` for 0.1,
    /// `100000000000000000000` for 1e20, never an exponent); `NaN`, `Infinity`, `-Infinity` for non-finite.
    static func appendDecimal(_ value: Double, to out: inout [UInt8]) {
        if value.isNaN {
            out.append(contentsOf: "NaN".utf8)
            return
        }
        if value.isInfinite {
            out.append(contentsOf: (value < 0 ? "-Infinity" : "Infinity").utf8)
            return
        }
        // Swift's description is the shortest round-trip form: "1250.5", "1e-05", "1.7976931348623157e+308".
        let text = Array(value.description.utf8)
        var digits: [UInt8] = []
        var exponent = 0  // value = digits × 10^exponent
        var negative = false
        var i = 0
        if i < text.count, text[i] == ASCIIByte.dash {
            negative = true
            i += 1
        }
        var seenDot = false
        while i < text.count, text[i] != UInt8(ascii: "e") && text[i] != UInt8(ascii: "E") {
            if text[i] == ASCIIByte.dot {
                seenDot = true
            } else {
                digits.append(text[i])
                if seenDot { exponent -= 1 }
            }
            i += 1
        }
        if i < text.count {
            exponent += Int(String(decoding: text[(i + 1)...], as: UTF8.self)) ?? 0
        }
        if digits.allSatisfy({ $0 == ASCIIByte.zero }) {
            if negative { out.append(ASCIIByte.dash) }
            out.append(ASCIIByte.zero)
            return
        }
        // Normalize: no leading zeros, no trailing zeros (moved into the exponent).
        while digits.count > 1, digits.first == ASCIIByte.zero { digits.removeFirst() }
        while digits.count > 1, digits.last == ASCIIByte.zero {
            digits.removeLast()
            exponent += 1
        }
        if negative { out.append(ASCIIByte.dash) }
        if exponent >= 0 {
            out.append(contentsOf: digits)
            for _ in 0..<exponent { out.append(ASCIIByte.zero) }
        } else {
            let integerDigits = digits.count + exponent
            if integerDigits > 0 {
                out.append(contentsOf: digits[..<integerDigits])
                out.append(ASCIIByte.dot)
                out.append(contentsOf: digits[integerDigits...])
            } else {
                out.append(ASCIIByte.zero)
                out.append(ASCIIByte.dot)
                for _ in 0..<(-integerDigits) { out.append(ASCIIByte.zero) }
                out.append(contentsOf: digits)
            }
        }
    }

    // MARK: JSON

    /// Appends `compact` (canonical compact JSON, as the archive carries it) re-spelled the way Python's
    /// `json.dumps` writes it with its defaults: `", "` and `": "` separators, and every character outside
    /// printable ASCII escaped as `\uXXXX` (lowercase hex; surrogate pairs above U+FFFF).
    ///
    /// With `asciiOnly` false it is `json.dumps(..., ensure_ascii=False)`: the same separators, and characters
    /// outside ASCII written as themselves (strings then spelled exactly as in the compact form).
    static func appendPythonJSON(compact: UnsafeRawBufferPointer, asciiOnly: Bool = true, to out: inout [UInt8]) {
        var i = 0
        let n = compact.count
        var inString = false
        while i < n {
            // Copy runs that need no change in one go: outside strings up to the next separator or quote;
            // inside, printable ASCII (and, without asciiOnly, anything from 0x7F up) up to a quote or escape.
            var j = i
            if inString {
                while j < n {
                    let c = compact[j]
                    if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c < 0x20 || (c >= 0x7F && asciiOnly) { break }
                    j += 1
                }
            } else {
                while j < n {
                    let c = compact[j]
                    if c == UInt8(ascii: ",") || c == ASCIIByte.colon || c == UInt8(ascii: "\"") { break }
                    j += 1
                }
            }
            if j > i {
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: compact[i..<j]))
                i = j
                continue
            }
            let b = compact[i]
            if !inString {
                out.append(b)
                if b == UInt8(ascii: ",") || b == ASCIIByte.colon {
                    out.append(ASCIIByte.space)
                } else if b == UInt8(ascii: "\"") {
                    inString = true
                }
                i += 1
                continue
            }
            switch b {
            case UInt8(ascii: "\""):
                out.append(b)
                inString = false
                i += 1
            case UInt8(ascii: "\\"):
                // Canonical escapes (\" \\ \n \r \t \b \f \u00xx) are spelled the same way by Python.
                let length = compact[i + 1] == UInt8(ascii: "u") ? 6 : 2
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: compact[i..<min(i + length, n)]))
                i += length
            case 0x20...0x7E:
                out.append(b)
                i += 1
            case _ where !asciiOnly:
                out.append(b)
                i += 1
            case 0x7F:
                appendUnicodeEscape(0x7F, to: &out)
                i += 1
            default:
                let (scalar, length) = decodeUTF8(compact, at: i)
                if scalar > 0xFFFF {
                    let v = scalar - 0x10000
                    appendUnicodeEscape(0xD800 + (v >> 10), to: &out)
                    appendUnicodeEscape(0xDC00 + (v & 0x3FF), to: &out)
                } else {
                    appendUnicodeEscape(scalar, to: &out)
                }
                i += length
            }
        }
    }

    /// Whether `original` is exactly what ``appendPythonJSON(compact:asciiOnly:to:)`` writes for `compact`,
    /// compared as it goes (no buffer).
    static func matchesPythonJSON(compact: UnsafeRawBufferPointer, original: UnsafeRawBufferPointer, asciiOnly: Bool)
        -> Bool
    {
        var i = 0
        var o = 0
        let n = compact.count
        let m = original.count
        var inString = false
        @inline(__always) func expect(_ b: UInt8) -> Bool {
            guard o < m, original[o] == b else { return false }
            o += 1
            return true
        }
        @inline(__always) func expectEscape(_ unit: UInt32) -> Bool {
            guard expect(UInt8(ascii: "\\")), expect(UInt8(ascii: "u")) else { return false }
            for shift in stride(from: 12, through: 0, by: -4) {
                guard expect(hexDigit(UInt8(unit >> UInt32(shift) & 0xF), uppercase: false)) else { return false }
            }
            return true
        }
        while i < n {
            let b = compact[i]
            if !inString {
                guard expect(b) else { return false }
                if b == UInt8(ascii: ",") || b == ASCIIByte.colon {
                    guard expect(ASCIIByte.space) else { return false }
                } else if b == UInt8(ascii: "\"") {
                    inString = true
                }
                i += 1
                continue
            }
            switch b {
            case UInt8(ascii: "\""):
                guard expect(b) else { return false }
                inString = false
                i += 1
            case UInt8(ascii: "\\"):
                let length = compact[i + 1] == UInt8(ascii: "u") ? 6 : 2
                for k in i..<min(i + length, n) { guard expect(compact[k]) else { return false } }
                i += length
            case 0x20...0x7E:
                guard expect(b) else { return false }
                i += 1
            case _ where !asciiOnly:
                guard expect(b) else { return false }
                i += 1
            case 0x7F:
                guard expectEscape(0x7F) else { return false }
                i += 1
            default:
                let (scalar, length) = decodeUTF8(compact, at: i)
                if scalar > 0xFFFF {
                    let v = scalar - 0x10000
                    guard expectEscape(0xD800 + (v >> 10)), expectEscape(0xDC00 + (v & 0x3FF)) else { return false }
                } else {
                    guard expectEscape(scalar) else { return false }
                }
                i += length
            }
        }
        return o == m
    }

    /// How JSON text is spelled, for ``isSpelled(_:as:)``.
    enum JSONSpelling {
        /// Compact canonical: no whitespace; strings raw except `\"`, `\\` and control characters
        /// (`\n \r \t \b \f`, else `\u00xx`).
        case compact
        /// Python `json.dumps` defaults: `", "` and `": "`; everything outside printable ASCII escaped (`\uxxxx`).
        case python
        /// Python `json.dumps(..., ensure_ascii=False)`: `", "` and `": "`; strings as in compact.
        case pythonUTF8
    }

    /// Whether `text`, assumed to be valid JSON (the writer checks that), is spelled exactly as `spelling`
    /// spells its value — so the value's compact form reproduces it byte for byte.
    ///
    /// One pass, no allocation.
    static func isSpelled(_ text: UnsafeRawBufferPointer, as spelling: JSONSpelling) -> Bool {
        let n = text.count
        let spaced = spelling != .compact
        let ascii = spelling == .python
        var i = 0
        var inString = false
        while i < n {
            let b = text[i]
            if !inString {
                switch b {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: ","), ASCIIByte.colon:
                    if spaced {
                        guard i + 1 < n, text[i + 1] == ASCIIByte.space else { return false }
                        i += 1
                    }
                case ASCIIByte.space, 0x09, 0x0A, 0x0D: return false
                default: break
                }
                i += 1
                continue
            }
            switch b {
            case UInt8(ascii: "\""):
                inString = false
                i += 1
            case UInt8(ascii: "\\"):
                guard i + 1 < n else { return false }
                switch text[i + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"),
                    UInt8(ascii: "b"), UInt8(ascii: "f"):
                    i += 2
                case UInt8(ascii: "u"):
                    guard i + 6 <= n, let unit = lowercaseHex4(text, i + 2) else { return false }
                    // Escaped only where the spelling escapes: control characters without a short form, and
                    // (ASCII spelling) everything from DEL up, surrogates in valid pairs.
                    switch unit {
                    case 0x08, 0x09, 0x0A, 0x0C, 0x0D: return false
                    case 0x00..<0x20: i += 6
                    case 0x7F..<0xD800, 0xE000...0xFFFF:
                        guard ascii else { return false }
                        i += 6
                    case 0xD800..<0xDC00:
                        guard ascii, i + 12 <= n, text[i + 6] == UInt8(ascii: "\\"), text[i + 7] == UInt8(ascii: "u"),
                            let low = lowercaseHex4(text, i + 8), low >= 0xDC00, low < 0xE000
                        else { return false }
                        i += 12
                    default: return false
                    }
                default: return false
                }
            case 0x00..<0x20: return false  // raw control characters are not valid JSON anyway
            case 0x7F...:
                guard !ascii else { return false }
                i += 1
            default:
                i += 1
            }
        }
        return true
    }

    /// Four lowercase hex digits at `at` (uppercase is not how either spelling writes them).
    private static func lowercaseHex4(_ s: UnsafeRawBufferPointer, _ at: Int) -> UInt32? {
        var value: UInt32 = 0
        for k in at..<at + 4 {
            let b = s[k]
            let digit: UInt8
            if ASCIIByte.isDigit(b) {
                digit = b &- ASCIIByte.zero
            } else if b >= UInt8(ascii: "a") && b <= UInt8(ascii: "f") {
                digit = b &- UInt8(ascii: "a") &+ 10
            } else {
                return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    private static func appendUnicodeEscape(_ unit: UInt32, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\\"))
        out.append(UInt8(ascii: "u"))
        for shift in stride(from: 12, through: 0, by: -4) {
            out.append(hexDigit(UInt8(unit >> UInt32(shift) & 0xF), uppercase: false))
        }
    }

    /// Decodes one scalar of valid UTF-8 at `i` (multi-byte lead byte).
    private static func decodeUTF8(_ s: UnsafeRawBufferPointer, at i: Int) -> (UInt32, Int) {
        let b0 = UInt32(s[i])
        if b0 < 0xE0, i + 1 < s.count { return ((b0 & 0x1F) << 6 | UInt32(s[i + 1]) & 0x3F, 2) }
        if b0 < 0xF0, i + 2 < s.count {
            return ((b0 & 0x0F) << 12 | (UInt32(s[i + 1]) & 0x3F) << 6 | UInt32(s[i + 2]) & 0x3F, 3)
        }
        if i + 3 < s.count {
            return (
                (b0 & 0x07) << 18 | (UInt32(s[i + 1]) & 0x3F) << 12 | (UInt32(s[i + 2]) & 0x3F) << 6
                    | UInt32(s[i + 3]) & 0x3F, 4
            )
        }
        return (0xFFFD, 1)
    }
}
