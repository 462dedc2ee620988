/// Standard base64 without `=` padding, as age uses it; decoding rejects every non-canonical form.
package enum Base64Raw {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let reverse: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = Int8(i) }
        return table
    }()

    /// Encodes without padding.
    package static func encode(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var i = bytes.startIndex
        while i != bytes.endIndex {
            let b0 = bytes[i]
            i = bytes.index(after: i)
            let b1: UInt8? = i != bytes.endIndex ? bytes[i] : nil
            if b1 != nil { i = bytes.index(after: i) }
            let b2: UInt8? = i != bytes.endIndex && b1 != nil ? bytes[i] : nil
            if b2 != nil { i = bytes.index(after: i) }
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 3) << 4 | (b1 ?? 0) >> 4)])
            if let b1 { out.append(alphabet[Int((b1 & 15) << 2 | (b2 ?? 0) >> 6)]) }
            if let b2 { out.append(alphabet[Int(b2 & 63)]) }
        }
        return out
    }

    /// Decodes canonical unpadded base64; nil for padding, a bad character, a bad length or non-zero spare bits.
    package static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        guard text.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(text.count * 3 / 4)
        var acc: UInt32 = 0
        var bits = 0
        for c in text {
            let v = reverse[Int(c)]
            guard v >= 0 else { return nil }
            acc = acc << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
            }
        }
        // Canonical: the bits left over must be zero.
        guard acc & ((1 << UInt32(bits)) - 1) == 0 else { return nil }
        return out
    }
}
