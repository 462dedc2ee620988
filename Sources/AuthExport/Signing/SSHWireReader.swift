/// Reads the SSH wire encoding (RFC 4251 §5): `byte`, `uint32`, `string`, `mpint`, from a byte array.
///
/// Every read checks the length first; a short or oversized field throws ``SignatureError`` `.malformed` naming
/// `what` (e.g. "signature", "private key") and the field, so a hostile input cannot crash or over-allocate.
struct SSHWireReader {
    private let bytes: [UInt8]
    private(set) var position: Int
    /// What is being read, for error messages ("SSH signature", "OpenSSH private key").
    let what: String

    init(_ bytes: [UInt8], what: String) {
        self.bytes = bytes
        self.position = 0
        self.what = what
    }

    /// Whether every byte was read.
    var isAtEnd: Bool { position >= bytes.count }

    /// The bytes not read yet.
    var remaining: [UInt8] { Array(bytes[min(position, bytes.count)...]) }

    private func truncated(_ field: String) -> SignatureError {
        SignatureError(.malformed, "\(what) is truncated (in \(field))")
    }

    /// Reads `count` raw bytes.
    mutating func raw(_ count: Int, _ field: String) throws(SignatureError) -> [UInt8] {
        guard count >= 0, bytes.count - position >= count else { throw truncated(field) }
        defer { position += count }
        return Array(bytes[position..<position + count])
    }

    /// Reads a big-endian `uint32`.
    mutating func uint32(_ field: String) throws(SignatureError) -> UInt32 {
        let b = try raw(4, field)
        return UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])
    }

    /// Reads a `string` (uint32 length + bytes).
    mutating func string(_ field: String) throws(SignatureError) -> [UInt8] {
        let length = try uint32(field)
        return try raw(Int(length), field)
    }

    /// Reads a `string` that must be UTF-8 text.
    mutating func text(_ field: String) throws(SignatureError) -> String {
        let value = try string(field)
        guard let text = String(validating: value, as: UTF8.self) else {
            throw SignatureError(.malformed, "\(what): \(field) is not UTF-8 text")
        }
        return text
    }

    /// Reads a non-negative `mpint` and returns its magnitude, big-endian, without leading zero bytes.
    mutating func mpint(_ field: String) throws(SignatureError) -> [UInt8] {
        var value = try string(field)
        if let first = value.first, first & 0x80 != 0 {
            throw SignatureError(.malformed, "\(what): \(field) is a negative number")
        }
        while value.first == 0 { value.removeFirst() }
        return value
    }
}
