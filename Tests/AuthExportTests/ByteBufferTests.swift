import Testing

@testable import AuthExport

@Suite struct ByteBufferTests {
    @Test(arguments: ["", "a", "a\u{0}b", "\"", "é😀", "a\u{0}b\n\t\"\\ é 😀 \u{1F}"])
    func jsonStringEscapes(_ s: String) throws {
        var b = ByteBuffer()
        b.append(jsonString: s)
        let text = String(decoding: b.bytes, as: UTF8.self)
        let back = text.utf8.withContiguousStorageIfAvailable { raw in
            var sc = JSONScanner(UnsafeRawBufferPointer(raw), maxDepth: 4)
            // swift-format-ignore: NeverUseForceTry
            let token = try? sc.scanValue()
            return token.map { sc.string($0) }
        }
        #expect(back == .some(.some(s)))
    }

    /// The escaper and the UTF-8 check skip eight plain bytes at a time: every byte value at every position of a
    /// 24-byte string (three words, and the bytes around their edges) gives what the byte-by-byte rule gives.
    @Test func eachByteValueAtEachPositionAgreesWithTheByteByByteRule() {
        func escapedByteByByte(_ bytes: [UInt8]) -> [UInt8] {
            var out: [UInt8] = [0x22]
            for byte in bytes {
                switch byte {
                case 0x22: out += Array("\\\"".utf8)
                case 0x5C: out += Array("\\\\".utf8)
                case 0x0A: out += Array("\\n".utf8)
                case 0x0D: out += Array("\\r".utf8)
                case 0x09: out += Array("\\t".utf8)
                case 0x08: out += Array("\\b".utf8)
                case 0x0C: out += Array("\\f".utf8)
                case 0..<0x20: out += Array("\\u00".utf8) + [hexDigit(byte >> 4), hexDigit(byte & 0xF)]
                default: out.append(byte)
                }
            }
            return out + [0x22]
        }
        for filler in [UInt8(ascii: "a"), 0x21, 0x7F, 0xC3, 0xFF, 0x20] {
            for value in 0...255 {
                for position in 0..<24 {
                    var bytes = [UInt8](repeating: filler, count: 24)
                    bytes[position] = UInt8(value)
                    var buffer = ByteBuffer()
                    bytes.withUnsafeBytes { buffer.append(jsonStringUTF8: $0) }
                    #expect(buffer.bytes == escapedByteByByte(bytes), "byte \(value) at \(position) among \(filler)")
                    let valid = bytes.withUnsafeBytes { isValidUTF8($0) }
                    #expect(valid == (String(validating: bytes, as: UTF8.self) != nil), "byte \(value) at \(position) among \(filler)")
                }
            }
        }
    }
}

@Suite struct CellEncodeTests {
    @Test func eachEdgeCell() throws {
        for row in RoundTripTests.edgeRows {
            for (c, value) in row.enumerated() {
                var b = ByteBuffer()
                let column = RoundTripTests.edgeTable.columns[c]
                try CellCodec.encode(value, column, into: &b)
            }
        }
    }
}
