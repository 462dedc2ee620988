/// Writes the SSH wire encoding (RFC 4251 §5): `byte`, `uint32`, `string`, `mpint`.
struct SSHWireWriter {
    private(set) var bytes: [UInt8] = []

    init() {}

    /// Appends raw bytes.
    mutating func raw(_ value: some Sequence<UInt8>) { bytes.append(contentsOf: value) }

    /// Appends one byte.
    mutating func byte(_ value: UInt8) { bytes.append(value) }

    /// Appends a big-endian `uint32`.
    mutating func uint32(_ value: UInt32) {
        bytes.append(contentsOf: [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)])
    }

    /// Appends a `string` (uint32 length + bytes).
    mutating func string(_ value: some Collection<UInt8>) {
        uint32(UInt32(value.count))
        bytes.append(contentsOf: value)
    }

    /// Appends a `string` holding UTF-8 text.
    mutating func string(_ text: String) { string(Array(text.utf8)) }

    /// Appends a non-negative `mpint` from a big-endian magnitude (leading zeros dropped, a zero byte added when
    /// the high bit is set).
    mutating func mpint(_ magnitude: [UInt8]) {
        var value = Array(magnitude.drop { $0 == 0 })
        if let first = value.first, first & 0x80 != 0 { value.insert(0, at: 0) }
        string(value)
    }
}
