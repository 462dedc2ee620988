import Foundation
import Testing

@testable import AuthExport

/// Members near the reader's 65 MiB limit are inflated one at a time (issue 16, item 11): read-ahead holds at most
/// ``ParallelMemberSource/inFlightByteBudget`` plus one member, whatever the number of threads, where it held up to
/// `2 × threads + 2` members (six 64 MiB members: 295 MB for verify, 449 MB for a SQLite restore).
@Suite struct MemberMemoryBoundTests {
    @Test func readAheadStaysWithinItsByteBudget() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/big-members.authx.gz"
        // Six members of about 12 MiB each (many small rows: valid framing and checksums, a writer cuts at 1 MiB).
        let pad = String(repeating: "x", count: 4000)
        let members = (0..<6).map { m in (0..<3_000).map { #"[\#(m * 3_000 + $0),"\#(pad)"]"# } }
        let record = #"{"kind":"table","name":"t","columns":[{"name":"id","type":"integer","nullable":false},{"name":"v","type":"text","nullable":true}]}"#
        try Data(TestArchiveBuilder.build([.init(name: "t", record: record, memberRows: members)]))
            .write(to: URL(fileURLWithPath: path))
        var options = ArchiveReader.Options()
        options.threads = 4
        let reader = try ArchiveReader(path: path, options: options)
        let source = try #require(reader.members as? ParallelMemberSource)
        var rows = 0
        while let record = try reader.next() {
            if case .row = record { rows += 1 }
        }
        #expect(rows == 18_000)
        let largestMember = 3_000 * 4_020 * 2  // raw (stored at level 1 it compresses, but at most this) + content
        #expect(source.peakInFlightBytes > 0)
        #expect(
            source.peakInFlightBytes <= ParallelMemberSource.inFlightByteBudget + largestMember,
            "read-ahead held \(source.peakInFlightBytes) bytes")
    }
}
