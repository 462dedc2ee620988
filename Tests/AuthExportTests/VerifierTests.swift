import Foundation
import Testing

@testable import AuthExport

@Suite struct VerifierTests {
    static let record = #"{"kind":"table","name":"t","columns":[{"name":"id","type":"integer","nullable":false},{"name":"u","type":"uuid","nullable":true}]}"#

    /// Three members of rows; the second holds a bad uuid, the third a row with too few cells.
    static func archiveWithBadRows() -> [UInt8] {
        let good = (0..<1000).map { #"[\#($0),"0b9e8a52-3c4f-4a8e-9a7e-2f6d7c1e4b10"]"# }
        var second = good
        second[10] = #"[10,"0B9E8A52-3C4F-4A8E-9A7E-2F6D7C1E4B10"]"#
        var third = good
        third[999] = "[999]"
        return TestArchiveBuilder.build([.init(name: "t", record: record, memberRows: [good, second, third])])
    }

    static func verify(_ bytes: [UInt8], threads: Int) throws -> ArchiveVerifier.Report {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/a.authx.gz"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        var options = ArchiveVerifier.Options()
        options.reader.threads = threads
        return try ArchiveVerifier(path: path, options: options).run()
    }

    @Test(arguments: [1, 2, 4])
    func rowProblemsAreReportedWithTheirLocation(threads: Int) throws {
        let report = try Self.verify(Self.archiveWithBadRows(), threads: threads)
        #expect(!report.isValid)
        #expect(report.complete)
        #expect(report.rows == 3000)
        let problems = report.problems.map { "\($0.code) \($0.location.line ?? 0) \($0.location.row ?? 0) \($0.location.column ?? "-")" }
        // Line 1 is the header, line 2 the table record; row n is on line n + 2.
        #expect(problems == ["type_mismatch 1013 1011 u", "wrong_arity 3002 3000 -"])
    }

    @Test(arguments: [1, 2])
    func aValidMultiMemberArchivePasses(threads: Int) throws {
        let rows = (0..<50_000).map { #"[\#($0),null]"# }
        let bytes = TestArchiveBuilder.build([
            .init(name: "t", record: Self.record, memberRows: [Array(rows[..<20_000]), Array(rows[20_000...])])
        ])
        let report = try Self.verify(bytes, threads: threads)
        #expect(report.isValid, "\(report.problems)")
        #expect(report.rows == 50_000)
    }

    @Test func theIndexIsOnlyAHint() throws {
        // An archive whose end record lies about a table's offset: still verified in order, and reported.
        var bytes = TestArchiveBuilder.build([.init(name: "t", record: Self.record, memberRows: [["[1,null]"]])])
        // Corrupt one byte of the end record's index: the end member is no longer canonical/consistent.
        let needle = Array(#""offset":"#.utf8)
        let at = try #require((0...(bytes.count - needle.count)).last { Array(bytes[$0..<$0 + needle.count]) == needle })
        bytes[at + needle.count] = UInt8(ascii: "9")
        for threads in [1, 2] {
            let report = try Self.verify(bytes, threads: threads)
            #expect(!report.isValid)
        }
    }
}

/// Parallel reading must not leak its worker threads or file, nor crash when released early (B1 in
/// spec/OPEN-QUESTIONS.md).
@Suite struct ParallelReaderLifecycleTests {
    @Test func theSourceIsReleasedWithItsReader() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/a.authx.gz"
        let rows = (0..<30_000).map { #"[\#($0),null]"# }
        try Data(TestArchiveBuilder.build([
            .init(name: "t", record: VerifierTests.record, memberRows: [Array(rows[..<15_000]), Array(rows[15_000...])])
        ])).write(to: URL(fileURLWithPath: path))
        var options = ArchiveReader.Options()
        options.threads = 2
        weak var source: ParallelMemberSource?
        do {
            let reader = try ArchiveReader(path: path, options: options)
            source = reader.members as? ParallelMemberSource
            #expect(source != nil)
            while try reader.next() != nil {}
        }
        // The workers hold the source until they exit; the reader's deinit stops and joins them.
        for _ in 0..<50 where source != nil { usleep(100_000) }
        #expect(source == nil, "the parallel member source (its threads and file) outlived its reader")
        for _ in 0..<20 {
            // Released at once, before the workers may even have started: must not crash.
            _ = try ArchiveReader(path: path, options: options)
        }
    }
}

extension VerifierTests {
    /// Found by scripts/fuzz: a column's `offset` or `time_zone` that no loader can apply ("+!2:00") passed the
    /// verifier while the SQLite restore refused it. The reader now checks both in the table record.
    @Test(arguments: [
        (#""encoding":"iso_offset","offset":"+02:00""#, nil),
        (#""encoding":"iso_offset","offset":"-23:59""#, nil),
        (#""encoding":"naive_text","time_zone":"Europe/Paris""#, nil),
        (#""encoding":"naive_text","time_zone":"+05:30""#, nil),
        (#""encoding":"naive_text","time_zone":"UTC""#, nil),
        (#""encoding":"iso_offset","offset":"+!2:00""#, #"offset "+!2:00" is not ±HH:MM"#),
        (#""encoding":"iso_offset","offset":"+24:00""#, #"offset "+24:00" is not ±HH:MM"#),
        (#""encoding":"naive_text","offset":"2:00""#, #"offset "2:00" is not ±HH:MM"#),
        (#""encoding":"iso_offset""#, "an iso_offset column needs an offset ±HH:MM"),
        // Validity is a property of the file (spec §4.3.1): any name spelled as an IANA zone is valid, whether or
        // not this system's tz database knows it; single-part names other than UTC, GMT and Z are not.
        (#""encoding":"naive_text","time_zone":"Mars/Olympus_Mons""#, nil),
        (#""encoding":"naive_text","time_zone":"America/Argentina/Buenos_Aires""#, nil),
        (#""encoding":"naive_text","time_zone":"Etc/GMT+5""#, nil),
        (#""encoding":"naive_text","time_zone":"GMT""#, nil),
        (#""encoding":"naive_text","time_zone":"EST""#, #"time_zone "EST" is not UTC"#),
        (#""encoding":"naive_text","time_zone":"Zulu""#, #"time_zone "Zulu" is not UTC"#),
        (#""encoding":"naive_text","time_zone":"EST5EDT""#, #"time_zone "EST5EDT" is not UTC"#),
        (#""encoding":"naive_text","time_zone":"Europe/..""#, #"time_zone "Europe/.." is not UTC"#),
        (#""encoding":"naive_text","time_zone":"Europe/""#, #"time_zone "Europe/" is not UTC"#),
        (#""encoding":"naive_text","time_zone":"9Area/Place""#, #"time_zone "9Area/Place" is not UTC"#),
    ] as [(String, String?)])
    func timeZonesAndOffsetsMustBeApplicable(fields: String, problem: String?) throws {
        let record = #"{"kind":"table","name":"t","columns":[{"name":"at","type":"timestamp","nullable":false,"# + fields + "}]}"
        let bytes = TestArchiveBuilder.build([.init(name: "t", record: record, memberRows: [[#"["2026-01-02T10:30:00Z"]"#]])])
        let report = try VerifierTests.verify(bytes, threads: 1)
        if let problem {
            #expect(report.problems.first?.code == .badRecord)
            #expect(report.problems.first?.message.contains(problem) == true, "\(report.problems)")
        } else {
            #expect(report.isValid, "\(report.problems)")
        }
    }
}
