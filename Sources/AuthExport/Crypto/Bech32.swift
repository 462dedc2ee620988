/// Bech32 (BIP-173) encoding, as age uses it for its key strings: no length limit on the data part, and the
/// checksum always over the lowercase string.
///
/// Spec: https://github.com/bitcoin/bips/blob/master/bip-0173.mediawiki
package enum Bech32 {
    private static let charset = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)
    private static let reverse: [Int8] = {
        var table = [Int8](repeating: -1, count: 128)
        for (i, c) in charset.enumerated() { table[Int(c)] = Int8(i) }
        return table
    }()

    /// Why a string is not valid Bech32 (never contains the string itself: it may be a secret key).
    package struct Failure: Error, Equatable, Sendable {
        package var message: String
    }

    private static func polymod(_ values: [UInt8]) -> UInt32 {
        let generator: [UInt32] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3]
        var chk: UInt32 = 1
        for v in values {
            let top = chk >> 25
            chk = (chk & 0x1ff_ffff) << 5 ^ UInt32(v)
            for i in 0..<5 where (top >> UInt32(i)) & 1 == 1 { chk ^= generator[i] }
        }
        return chk
    }

    private static func expand(_ hrp: [UInt8]) -> [UInt8] {
        hrp.map { $0 >> 5 } + [0] + hrp.map { $0 & 31 }
    }

    /// Regroups bits (8 to 5 when encoding, 5 to 8 when decoding); nil when the padding is not canonical.
    package static func convertBits(_ data: [UInt8], from: Int, to: Int, pad: Bool) -> [UInt8]? {
        var acc = 0
        var bits = 0
        var out: [UInt8] = []
        let maxValue = (1 << to) - 1
        for value in data {
            guard Int(value) >> from == 0 else { return nil }
            acc = (acc << from) | Int(value)
            bits += from
            while bits >= to {
                bits -= to
                out.append(UInt8((acc >> bits) & maxValue))
            }
        }
        if pad {
            if bits > 0 { out.append(UInt8((acc << (to - bits)) & maxValue)) }
        } else if bits >= from || ((acc << (to - bits)) & maxValue) != 0 {
            return nil
        }
        return out
    }

    /// Encodes 5-bit groups under a human-readable part; lowercase unless `uppercase`.
    package static func encode5(hrp: String, data: [UInt8], uppercase: Bool = false) -> String {
        let lowerHRP = Array(hrp.lowercased().utf8)
        let values = expand(lowerHRP) + data + [0, 0, 0, 0, 0, 0]
        let mod = polymod(values) ^ 1
        let checksum = (0..<6).map { UInt8((mod >> (5 * (5 - UInt32($0)))) & 31) }
        let text = String(decoding: lowerHRP + [UInt8(ascii: "1")] + (data + checksum).map { charset[Int($0)] }, as: UTF8.self)
        return uppercase ? text.uppercased() : text
    }

    /// Encodes bytes under a human-readable part.
    package static func encode(hrp: String, bytes: [UInt8], uppercase: Bool = false) -> String {
        // swift-format-ignore: NeverForceUnwrap
        encode5(hrp: hrp, data: convertBits(bytes, from: 8, to: 5, pad: true)!, uppercase: uppercase)  // 8→5 always fits
    }

    /// Decodes to the lowercase human-readable part and the 5-bit groups, checking case and checksum.
    package static func decode5(_ string: String) throws(Failure) -> (hrp: String, data: [UInt8]) {
        let bytes = Array(string.utf8)
        guard bytes.allSatisfy({ $0 >= 33 && $0 <= 126 }) else { throw Failure(message: "character out of range") }
        let hasLower = bytes.contains { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }
        let hasUpper = bytes.contains { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }
        guard !(hasLower && hasUpper) else { throw Failure(message: "mixed case") }
        let lower = bytes.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 + 32 : $0 }
        guard let separator = lower.lastIndex(of: UInt8(ascii: "1")) else { throw Failure(message: "no separator") }
        guard separator > 0 else { throw Failure(message: "empty human-readable part") }
        guard lower.count - separator - 1 >= 6 else { throw Failure(message: "checksum too short") }
        let hrp = Array(lower[..<separator])
        var data: [UInt8] = []
        for c in lower[(separator + 1)...] {
            let v = c < 128 ? reverse[Int(c)] : -1
            guard v >= 0 else { throw Failure(message: "invalid data character") }
            data.append(UInt8(v))
        }
        guard polymod(expand(hrp) + data) == 1 else { throw Failure(message: "bad checksum") }
        return (String(decoding: hrp, as: UTF8.self), Array(data.dropLast(6)))
    }

    /// Decodes to the lowercase human-readable part and the bytes.
    package static func decode(_ string: String) throws(Failure) -> (hrp: String, bytes: [UInt8]) {
        let (hrp, data) = try decode5(string)
        guard let bytes = convertBits(data, from: 5, to: 8, pad: false) else { throw Failure(message: "bad padding") }
        return (hrp, bytes)
    }
}
