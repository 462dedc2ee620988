import Crypto
import Foundation
import Testing

@testable import AuthExport

/// The reader's checksums are computed by ``DigestStream``, on a thread of their own when the reader has more than
/// one: the same digests as SHA-256 over the same bytes, and every mismatch still found.
@Suite struct DigestStreamTests {
    @Test(arguments: [false, true])
    func digestsAreSHA256OfTheRangesInOrder(background: Bool) {
        var generator = SystemRandomNumberGenerator()
        let stream = DigestStream(background: background)
        defer { stream.close() }
        for round in 0..<3 {
            var expected = SHA256()
            // Many small ranges, empty ones, and one larger than the queue's byte bound (it must not wait forever).
            var sizes = (0..<200).map { _ in Int.random(in: 0..<5_000, using: &generator) }
            sizes.insert(DigestStream.maxQueuedBytes + 12_345, at: 100)
            for size in sizes {
                let bytes = (0..<(size + 16)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                let start = Int.random(in: 0...16, using: &generator)
                let range = start..<(start + size)
                expected.update(data: bytes[range])
                stream.update(bytes, range)
            }
            // finish() returns the digest so far and starts over.
            #expect(stream.finish() == hex(expected.finalize()), "round \(round)")
        }
        #expect(stream.finish() == hex(SHA256().finalize()))
    }

    static let record = #"{"kind":"table","name":"t","columns":[{"name":"id","type":"integer","nullable":false},{"name":"s","type":"text","nullable":true}]}"#

    /// Rows over several members, with an extension record between rows (not part of the table's checksum).
    static func tables(tableEndSHA256: String? = nil) -> [TestArchiveBuilder.Table] {
        let rows = (1...30_000).map { #"[\#($0),"row \#($0) \#(String(repeating: "x", count: $0 % 50))"]"# }
        return [
            .init(
                name: "t", record: record,
                memberRows: [
                    Array(rows[..<10_000]), Array(rows[10_000..<15_000]) + [#"{"kind":"x-note","n":1}"#] + Array(rows[15_000..<20_000]),
                    Array(rows[20_000...]),
                ], tableEndSHA256: tableEndSHA256)
        ]
    }

    /// Reads the whole archive with the reader's options for a restore (two threads: checksums in the background).
    static func readAll(_ bytes: [UInt8], threads: Int) throws -> Int {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/a.authx.gz"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        var options = ArchiveReader.Options()
        options.threads = threads
        options.workersCheckRows = false
        let reader = try ArchiveReader(path: path, options: options)
        var rows = 0
        while let record = try reader.next() { if case .row = record { rows += 1 } }
        return rows
    }

    @Test(arguments: [1, 2])
    func aValidArchiveReadsWithEveryChecksumRight(threads: Int) throws {
        #expect(try Self.readAll(TestArchiveBuilder.build(Self.tables()), threads: threads) == 30_000)
    }

    @Test(arguments: [1, 2])
    func aWrongTableChecksumIsFound(threads: Int) throws {
        let wrong = String(repeating: "0", count: 64)
        let error = try #require(throws: ArchiveError.self) {
            try Self.readAll(TestArchiveBuilder.build(Self.tables(tableEndSHA256: wrong)), threads: threads)
        }
        #expect(error.code == .checksumMismatch)
        #expect(error.message.contains("table checksum mismatch"), "\(error.message)")
        #expect(error.location.table == "t")
    }

    @Test(arguments: [1, 2])
    func aWrongFileChecksumIsFound(threads: Int) throws {
        let wrong = String(repeating: "0", count: 64)
        let error = try #require(throws: ArchiveError.self) {
            try Self.readAll(TestArchiveBuilder.build(Self.tables(), endSHA256: wrong), threads: threads)
        }
        #expect(error.code == .checksumMismatch)
        #expect(error.message.contains("file checksum mismatch"), "\(error.message)")
    }
}
