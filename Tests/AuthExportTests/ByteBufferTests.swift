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
