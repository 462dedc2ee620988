import Foundation
import Testing

@testable import AuthExport

/// The writer spends the asked level's effort only where it pays (`ArchiveWriter.Effort`): a table's first full
/// member of rows is also compressed at libdeflate's fastest level, and a table of high-entropy text — hashes,
/// tokens — is compressed at that level from then on, while compressible tables keep the asked level. The choice
/// depends only on the content: the archive is byte-identical whatever the thread count.
@Suite struct CompressionEffortTests {
    /// A deterministic generator (xorshift64*), so two runs write the same rows.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return state &* 2_685_821_657_736_338_717
        }
    }

    /// `tokens`: about 4 MiB of base64 of random bytes (several members); `events`: about 3 MiB of repetitive log lines.
    static func write(_ path: String, threads: Int, level: Int = 6) throws {
        var options = ArchiveWriter.Options()
        options.threads = threads
        options.compressionLevel = level
        let header = ArchiveHeader(createdAt: "2026-01-01T00:00:00Z", producer: "t", source: .init(backend: "sqlite", database: "d"))
        let writer = try ArchiveWriter(path: path, overwrite: false, header: header, options: options)
        var generator = Generator(state: 0x9E37_79B9_7F4A_7C15)
        try writer.beginTable(
            TableSchema(
                name: "tokens", columns: [Column(name: "id", type: .integer, nullable: false), Column(name: "token", type: .text)],
                primaryKey: ["id"]))
        for id in 0..<32_000 {
            // Like a session's signed data or an API secret: base64 of random bytes.
            let token = Data((0..<12).flatMap { _ in withUnsafeBytes(of: generator.next()) { Array($0) } }).base64EncodedString()
            try writer.append([.integer(Int64(id)), .text(token)])
        }
        try writer.endTable()
        try writer.beginTable(
            TableSchema(
                name: "events", columns: [Column(name: "id", type: .integer, nullable: false), Column(name: "what", type: .text)],
                primaryKey: ["id"]))
        for id in 0..<40_000 {
            let n = generator.next()
            let what = "user \(n % 500) signed in from 10.0.\(n % 7).\(n % 13) with a password; session renewed for 14 days"
            try writer.append([.integer(Int64(id)), .text(what)])
        }
        try writer.endTable()
        try writer.finish()
    }

    /// The level each member of `file` was compressed at, among `levels`: the one whose output is the member.
    static func memberLevels(_ file: [UInt8], levels: [Int] = [1, 6]) throws -> [(content: [UInt8], level: Int?)] {
        let compressors = levels.map { ($0, MemberCompressor(level: $0)) }
        return try ArchiveListingTests.members(file).map { member in
            let bytes = Array(file[member.offset..<(member.offset + member.size)])
            let level = compressors.first { _, compressor in
                member.content.withUnsafeBytes { compressor.member($0) } == bytes
            }?.0
            return (member.content, level)
        }
    }

    /// The levels of the members holding `table`'s rows, from its table record to its table_end record.
    static func levels(of table: String, in members: [(content: [UInt8], level: Int?)]) -> [Int?] {
        let start = members.firstIndex { String(decoding: $0.content, as: UTF8.self).contains("\"name\":\"\(table)\"") }!
        let end = members[start...].firstIndex { String(decoding: $0.content, as: UTF8.self).contains("\"kind\":\"table_end\"") }!
        return members[start...end].map(\.level)
    }

    @Test func highEntropyTablesGoOnAtTheFastestLevelAndCompressibleOnesKeepTheAskedLevel() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/a.authx.gz"
        try Self.write(path, threads: 2)
        let members = try Self.memberLevels(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        let tokens = Self.levels(of: "tokens", in: members)
        #expect(tokens.count >= 5)
        // The table record and the probed first member of rows at the asked level, every later one at level 1.
        #expect(tokens[0] == 6 && tokens[1] == 6, "\(tokens)")
        #expect(tokens.dropFirst(2).allSatisfy { $0 == 1 }, "\(tokens)")
        let events = Self.levels(of: "events", in: members)
        #expect(events.count >= 3)
        #expect(events.allSatisfy { $0 == 6 }, "\(events)")
        // And the archive is valid.
        let report = try ArchiveVerifier(path: path).run()
        #expect(report.isValid)
    }

    @Test func theArchiveIsByteIdenticalWhateverTheThreadCount() throws {
        let dir = try TemporaryDirectory()
        try Self.write(dir.path + "/one.authx.gz", threads: 1)
        try Self.write(dir.path + "/two.authx.gz", threads: 2)
        let one = try Data(contentsOf: URL(fileURLWithPath: dir.path + "/one.authx.gz"))
        let two = try Data(contentsOf: URL(fileURLWithPath: dir.path + "/two.authx.gz"))
        #expect(one == two)
        // Not trivially so: the tokens went on at level 1 in both.
        #expect(Self.levels(of: "tokens", in: try Self.memberLevels(Array(one))).last == 1)
    }

    @Test func theFastestLevelAskedForIsUsedThroughout() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/a.authx.gz"
        try Self.write(path, threads: 2, level: 1)
        let members = try Self.memberLevels(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        #expect(members.dropLast().allSatisfy { $0.level == 1 })  // the end member is stored
    }
}
