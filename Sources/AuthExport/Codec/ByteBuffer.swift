/// A growable byte buffer with JSON-spelling helpers, used to build archive lines.
package struct ByteBuffer: Sendable {
    package var bytes: [UInt8]

    package init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    package var count: Int { bytes.count }

    @inline(__always)
    package mutating func append(_ byte: UInt8) { bytes.append(byte) }

    package mutating func append(contentsOf other: some Sequence<UInt8>) { bytes.append(contentsOf: other) }

    package mutating func append(_ raw: UnsafeRawBufferPointer) { bytes.append(contentsOf: raw) }

    /// Appends an ASCII literal such as `null`.
    package mutating func append(ascii: StaticString) {
        ascii.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends the decimal digits of `value`.
    package mutating func append(integer value: Int64) {
        if value == 0 {
            bytes.append(UInt8(ascii: "0"))
            return
        }
        var magnitude = value.magnitude
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var digits: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)  // 32 bytes of scratch
        withUnsafeMutableBytes(of: &digits) { scratch in
            var index = scratch.count
            while magnitude > 0 {
                index -= 1
                scratch[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[index...]))
        }
    }

    /// Appends a double as a JSON number (shortest round-trip form), or `"NaN"`, `"Infinity"`, `"-Infinity"`.
    package mutating func append(double value: Double) {
        if value.isNaN {
            append(ascii: "\"NaN\"")
        } else if value.isInfinite {
            append(ascii: value < 0 ? "\"-Infinity\"" : "\"Infinity\"")
        } else {
            bytes.append(contentsOf: value.description.utf8)
        }
    }

    /// Appends `string` as a quoted JSON string.
    package mutating func append(jsonString string: String) {
        var string = string
        string.withUTF8 { append(jsonStringUTF8: UnsafeRawBufferPointer($0)) }
    }

    /// Appends valid UTF-8 bytes as a quoted JSON string, escaping `"`, `\` and control characters.
    package mutating func append(jsonStringUTF8 utf8: UnsafeRawBufferPointer) {
        bytes.append(UInt8(ascii: "\""))
        var runStart = 0
        var i = 0
        let count = utf8.count
        while i < count {
            // Eight bytes at a time while none needs escaping: hashes, tokens and session data are long runs.
            while i &+ 8 <= count, !Self.mayNeedEscape(utf8.loadUnaligned(fromByteOffset: i, as: UInt64.self)) {
                i &+= 8
            }
            guard i < count else { break }
            let byte = utf8[i]
            if byte >= 0x20 && byte != 0x22 && byte != 0x5C {
                i += 1
                continue
            }
            if runStart < i { bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: utf8[runStart..<i])) }
            switch byte {
            case 0x22: append(ascii: "\\\"")
            case 0x5C: append(ascii: "\\\\")
            case 0x0A: append(ascii: "\\n")
            case 0x0D: append(ascii: "\\r")
            case 0x09: append(ascii: "\\t")
            case 0x08: append(ascii: "\\b")
            case 0x0C: append(ascii: "\\f")
            default:
                append(ascii: "\\u00")
                bytes.append(hexDigit(byte >> 4))
                bytes.append(hexDigit(byte & 0xF))
            }
            i += 1
            runStart = i
        }
        if runStart < count { bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: utf8[runStart..<count])) }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Whether one of the eight bytes of `word` may need escaping in a JSON string: a byte below 0x20, a quote or
    /// a backslash (SWAR: a byte of `x` is below `n` ≤ 0x80 exactly when `(x - n…) & ~x & 0x80…` is not zero for
    /// some byte, and zero when `x ^ c…` has a zero byte; a false "maybe" only costs speed).
    @inline(__always)
    static func mayNeedEscape(_ word: UInt64) -> Bool { escapeBits(word) != 0 }

    /// The high bit of each byte of `word` that may need escaping (see ``mayNeedEscape(_:)``); zero when none.
    @inline(__always)
    static func escapeBits(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let control = (word &- ones &* 0x20) & ~word & highs
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let hasQuote = (quote &- ones) & ~quote & highs
        let hasBackslash = (backslash &- ones) & ~backslash & highs
        return control | hasQuote | hasBackslash
    }

    /// Appends bytes as a quoted standard base64 string with padding.
    package mutating func append(base64 data: UnsafeRawBufferPointer) {
        bytes.append(UInt8(ascii: "\""))
        Base64.encode(data, into: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    package mutating func removeAll(keepingCapacity: Bool = true) {
        bytes.removeAll(keepingCapacity: keepingCapacity)
    }
}

@inline(__always)
func hexDigit(_ nibble: UInt8) -> UInt8 {
    nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
}

/// Standard base64 (RFC 4648 §4) with padding.
package enum Base64 {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = UInt8(i) }
        return table
    }()

    package static func encode(_ data: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        let count = data.count
        out.reserveCapacity(out.count + (count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= count {
            let n = UInt32(data[i]) << 16 | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2])
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(alphabet[Int(n >> 6 & 63)])
            out.append(alphabet[Int(n & 63)])
            i += 3
        }
        let rest = count - i
        if rest == 1 {
            let n = UInt32(data[i]) << 16
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(UInt8(ascii: "="))
            out.append(UInt8(ascii: "="))
        } else if rest == 2 {
            let n = UInt32(data[i]) << 16 | UInt32(data[i + 1]) << 8
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(alphabet[Int(n >> 6 & 63)])
            out.append(UInt8(ascii: "="))
        }
    }

    /// Decodes canonical padded base64; nil when the text is not canonical base64.
    /// With `output == nil` it only validates.
    package static func decode(_ text: UnsafeRawBufferPointer, into output: UnsafeMutablePointer<[UInt8]>?) -> Bool {
        let count = text.count
        guard count % 4 == 0 else { return false }
        if count == 0 { return true }
        var padding = 0
        if text[count - 1] == UInt8(ascii: "=") { padding += 1 }
        if text[count - 2] == UInt8(ascii: "=") { padding += 1 }
        if padding == 1 && text[count - 1] != UInt8(ascii: "=") { return false }
        let table = decodeTable
        var i = 0
        while i < count {
            let isLast = i + 4 == count
            let c0 = table[Int(text[i])]
            let c1 = table[Int(text[i + 1])]
            let c2 = (isLast && padding == 2) ? 0 : table[Int(text[i + 2])]
            let c3 = (isLast && padding >= 1) ? 0 : table[Int(text[i + 3])]
            if (c0 | c1 | c2 | c3) & 0xC0 != 0 { return false }
            let n = UInt32(c0) << 18 | UInt32(c1) << 12 | UInt32(c2) << 6 | UInt32(c3)
            if isLast && padding == 2 {
                if n & 0xFFFF != 0 { return false }  // non-canonical trailing bits
                output?.pointee.append(UInt8(n >> 16))
            } else if isLast && padding == 1 {
                if n & 0xFF != 0 { return false }
                output?.pointee.append(UInt8(n >> 16))
                output?.pointee.append(UInt8(n >> 8 & 0xFF))
            } else {
                output?.pointee.append(UInt8(n >> 16))
                output?.pointee.append(UInt8(n >> 8 & 0xFF))
                output?.pointee.append(UInt8(n & 0xFF))
            }
            i += 4
        }
        return true
    }
}
