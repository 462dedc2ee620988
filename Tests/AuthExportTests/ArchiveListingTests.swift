import Foundation
import Testing

@testable import AuthExport

/// The writer closes the gzip member right after each table record (spec/FORMAT.md §2.3 rule 4), and the listing
/// reads exactly the members it needs: the header's, the end's, each table record's and the objects'. An archive
/// whose table record shares its member with rows (authx before this layout, other writers) is listed too.
@Suite struct ArchiveListingTests {
    /// The members of `file` in order: (offset, raw size, decompressed content).
    static func members(_ file: [UInt8]) throws -> [(offset: Int, size: Int, content: [UInt8])] {
        let decompressor = MemberDecompressor()
        var out: [(offset: Int, size: Int, content: [UInt8])] = []
        var offset = 0
        while offset < file.count {
            let size = try file.withUnsafeBytes { raw in
                try GzipMember.parseHeader(UnsafeRawBufferPointer(rebasing: raw[offset..<min(file.count, offset + 20)])).get()
            }
            var content: [UInt8] = []
            try file.withUnsafeBytes { raw in
                try decompressor.inflate(
                    member: UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + size)]), maxSize: 1 << 26, into: &content)
            }
            out.append((offset, size, content))
            offset += size
        }
        return out
    }

    static func lineCount(_ content: [UInt8]) -> Int { content.filter { $0 == UInt8(ascii: "\n") }.count }

    /// Two tables (one of about 3 MiB of incompressible rows, so several members; one empty) and a view.
    static func writeArchive(_ path: String, threads: Int) throws {
        var options = ArchiveWriter.Options()
        options.threads = threads
        options.compressionLevel = 1
        let header = ArchiveHeader(createdAt: "2026-01-01T00:00:00Z", producer: "t", source: .init(backend: "sqlite", database: "d"))
        let writer = try ArchiveWriter(path: path, overwrite: false, header: header, options: options)
        try writer.beginTable(
            TableSchema(
                name: "users", columns: [Column(name: "id", type: .integer, nullable: false), Column(name: "hash", type: .text)],
                primaryKey: ["id"]))
        var generator = SystemRandomNumberGenerator()
        for id in 0..<30_000 {
            let hash = (0..<12).map { _ in String(generator.next() as UInt64, radix: 16) }.joined()
            try writer.append([.integer(Int64(id)), .text(hash)])
        }
        try writer.endTable()
        try writer.beginTable(TableSchema(name: "empty", columns: [Column(name: "n", type: .integer)]))
        try writer.endTable()
        try writer.append(SchemaObject(type: "view", name: "v", sql: "CREATE VIEW v AS SELECT 1"))
        try writer.finish()
    }

    @Test(arguments: [1, 2])
    func eachTableRecordIsAloneInItsMemberAndTheListingReadsOnlyThoseMembers(threads: Int) throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/a.authx.gz"
        try Self.writeArchive(path, threads: threads)
        let file = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let members = try Self.members(file)
        let listing = try ArchiveListing(path: path)
        #expect(listing.tables.map(\.schema.name) == ["users", "empty"])
        #expect(listing.objects.map(\.name) == ["v"])
        #expect(listing.end.rows == 30_000)
        #expect(members.count > 6, "the 3 MiB table spans several members")

        // The prefix that tells an age file, the header member, ISIZE, the end member.
        var expectedRead = AgeHeader.magic.count + members[0].size + 4 + members[members.count - 1].size
        for (_, entry) in listing.tables {
            let member = try #require(members.first { $0.offset == Int(entry.offset) })
            #expect(Self.lineCount(member.content) == 1, "table \(entry.table): its record is alone in its member")
            #expect(String(decoding: member.content, as: UTF8.self).hasPrefix(#"{"kind":"table","name":"\#(entry.table)""#))
            expectedRead += member.size
        }
        // The objects member: after the last table.
        let objects = try #require(members.dropLast().last)
        #expect(String(decoding: objects.content, as: UTF8.self).hasPrefix(#"{"kind":"object""#))
        expectedRead += objects.size
        #expect(listing.bytesRead == Int64(expectedRead), "listing read \(listing.bytesRead) of \(file.count) bytes")
        #expect(listing.bytesRead < 2_000)

        // The layout is valid: a full verification passes, sequential and parallel.
        for readerThreads in [1, 2] {
            var options = ArchiveVerifier.Options()
            options.reader.threads = readerThreads
            let report = try ArchiveVerifier(path: path, options: options).run()
            #expect(report.isValid, "\(report.problems)")
        }
    }

    /// An archive whose table record opens a member of rows (as authx wrote before, and as other writers may):
    /// the listing inflates that member and takes its first line.
    @Test func anArchiveWithTheTableRecordAmongRowsIsListed() throws {
        let record = #"{"kind":"table","name":"t","columns":[{"name":"n","type":"integer","nullable":false}]}"#
        let rows = (0..<2).map { m in (0..<5_000).map { "[\($0 + m * 5_000)]" } }
        let bytes = TestArchiveBuilder.build([.init(name: "t", record: record, memberRows: rows)])
        let dir = try TemporaryDirectory()
        let path = dir.path + "/old.authx.gz"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let members = try Self.members(bytes)
        #expect(Self.lineCount(members[1].content) == 5_001, "the table record shares its member with 5,000 rows")

        let listing = try ArchiveListing(path: path)
        #expect(listing.tables.count == 1)
        #expect(listing.tables.first?.schema.name == "t")
        #expect(listing.tables.first?.schema.columns.map(\.name) == ["n"])
        #expect(listing.end.rows == 10_000)
        #expect(listing.bytesRead == Int64(AgeHeader.magic.count + members[0].size + 4 + members[3].size + members[1].size))
        let report = try ArchiveVerifier(path: path).run()
        #expect(report.isValid, "\(report.problems)")
    }
}
