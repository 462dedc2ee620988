import Foundation
import Testing

@testable import AuthExport

/// Every single-byte change and every truncation of a small valid archive must be reported invalid.
@Suite struct CorruptionTests {
    /// A small archive with two tables (one spanning two rows), a view, and so every member kind: header, table,
    /// objects, end. Kept small because the test below verifies 255 variants of every byte.
    static func smallArchive() throws -> [UInt8] {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/s.gz"
        var options = ArchiveWriter.Options()
        options.threads = 1
        let header = ArchiveHeader(createdAt: "2026-01-01T00:00:00Z", producer: "t", source: .init(backend: "sqlite", database: "d"))
        let writer = try ArchiveWriter(path: path, overwrite: false, header: header, options: options)
        try writer.beginTable(
            TableSchema(
                name: "u", columns: [Column(name: "id", type: .uuid, nullable: false), Column(name: "j", type: .json)],
                primaryKey: ["id"]))
        try writer.append([.text("0b9e8a52-3c4f-4a8e-9a7e-2f6d7c1e4b10"), .json("null")])
        try writer.append([.text("1c9e8a52-3c4f-4a8e-9a7e-2f6d7c1e4b11"), .null])
        try writer.endTable()
        try writer.beginTable(TableSchema(name: "r", columns: [Column(name: "n", type: .integer)]))
        try writer.append([.integer(1)])
        try writer.endTable()
        try writer.append(SchemaObject(type: "view", name: "v", sql: "CREATE VIEW v AS SELECT 1"))
        try writer.finish()
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static func isValid(_ bytes: [UInt8]) -> Bool {
        // swift-format-ignore: NeverUseForceTry
        guard let report = try? ArchiveVerifier(bytes: bytes).run() else { return false }
        return report.isValid
    }

    @Test func theOriginalIsValid() throws {
        #expect(Self.isValid(try Self.smallArchive()))
    }

    /// All 255 other values of every byte, split in slices so the test runner spreads them over the CPUs.
    @Test(arguments: 0..<8)
    func everySingleByteChangeIsDetected(slice: Int) throws {
        let original = try Self.smallArchive()
        var undetected: [String] = []
        var checked = 0
        for position in original.indices where position % 8 == slice {
            var copy = original
            for delta in 1...255 {
                copy[position] = original[position] &+ UInt8(delta)
                checked += 1
                if Self.isValid(copy) { undetected.append("byte \(position) +\(delta)") }
            }
        }
        #expect(checked == (original.count + 7 - slice) / 8 * 255)
        #expect(undetected.isEmpty, "undetected changes: \(undetected.prefix(20))")
    }

    @Test func everyTruncationIsDetected() throws {
        let original = try Self.smallArchive()
        for length in 0..<original.count {
            #expect(!Self.isValid(Array(original[..<length])), "truncation to \(length) bytes passed")
        }
    }

    @Test func appendedBytesAreDetected() throws {
        let original = try Self.smallArchive()
        #expect(!Self.isValid(original + [0]))
        #expect(!Self.isValid(original + original))
    }
}

