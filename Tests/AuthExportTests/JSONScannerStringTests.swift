import Testing

@testable import AuthExport

/// The string scanner skips eight plain bytes at a time: every byte value that must stop it (quote, backslash,
/// control bytes, non-ASCII lead bytes) is tried at every position of a word and around word boundaries.
@Suite struct JSONScannerStringTests {
    /// The reference predicate, byte by byte.
    private static func plain(_ byte: UInt8) -> Bool {
        byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") && byte >= 0x20 && byte < 0x80
    }

    @Test func eachByteValueAtEachPositionOfAWord() {
        for filler in [UInt8(ascii: "a"), 0x21, 0x5B, 0x5D, 0x7F, 0x20] {
            for value in 0...255 {
                for position in 0..<8 {
                    var bytes = [UInt8](repeating: filler, count: 8)
                    bytes[position] = UInt8(value)
                    let word = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
                    #expect(
                        JSONScanner.isPlainASCII(word) == bytes.allSatisfy(Self.plain),
                        "byte \(value) at \(position) among \(filler)")
                }
            }
        }
    }

    /// Scans `"` + text + `"` and returns the decoded string, or the failure's message.
    private static func scan(_ text: [UInt8]) -> Result<String, JSONScanner.Failure> {
        let line = [UInt8(ascii: "\"")] + text + [UInt8(ascii: "\"")]
        return line.withUnsafeBytes { raw in
            var scanner = JSONScanner(raw, maxDepth: 4)
            do throws(JSONScanner.Failure) {
                let token = try scanner.scanValue()
                return .success(scanner.string(token))
            } catch {
                return .failure(error)
            }
        }
    }

    @Test func aStoppingByteIsSeenAtEveryOffset() throws {
        for offset in 0..<24 {
            let prefix = [UInt8](repeating: UInt8(ascii: "x"), count: offset)
            let suffix = [UInt8](repeating: UInt8(ascii: "y"), count: 11)
            // An escape, a multi-byte character and an unterminated tail are found wherever they sit.
            #expect(try Self.scan(prefix + Array(#"\n"#.utf8) + suffix).get() == String(repeating: "x", count: offset) + "\n" + "yyyyyyyyyyy")
            #expect(try Self.scan(prefix + Array("é😀".utf8) + suffix).get() == String(repeating: "x", count: offset) + "é😀yyyyyyyyyyy")
            // A raw control byte or a broken UTF-8 byte fails, wherever it sits.
            for bad: UInt8 in [0x00, 0x0A, 0x1F, 0xFF, 0x80, 0xC0] {
                if case .success = Self.scan(prefix + [bad] + suffix) {
                    Issue.record("byte \(bad) at offset \(offset) was accepted")
                }
            }
            // A quote ends the string there: what follows is not part of it.
            let line = [UInt8(ascii: "\"")] + prefix + [UInt8(ascii: "\"")] + suffix
            let scanned = line.withUnsafeBytes { raw -> Int? in
                var scanner = JSONScanner(raw, maxDepth: 4)
                guard let token = try? scanner.scanValue() else { return nil }
                return token.end - token.start
            }
            #expect(scanned == offset)
        }
    }
}
