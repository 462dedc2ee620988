import Foundation
import Testing

@testable import AuthExport

/// A restore's reader lets its worker threads decode each member's rows (`workersDecodeRows`) and hands the row
/// sink the cells they kept: the sink must see exactly what the reading thread's own decoding gives, and a row
/// the workers reject or could not keep must be decoded and reported as before.
@Suite struct CellTapeTests {
    /// Collects the cells of each row as values.
    struct Collector: RowCellSink {
        var row: [Value] = []
        mutating func cell(_ view: CellView, column: Int) {
            if column == 0 { row.removeAll(keepingCapacity: true) }
            row.append(view.value)
        }
    }

    struct Outcome {
        var rows: [[Value]] = []
        var error: ArchiveError?
        /// The cells the sink had of the row that failed.
        var partial: [Value] = []
        var fromWorkers: Int64 = 0
    }

    /// The first row that differs (values compared by description: NaN is not equal to itself), or nil.
    static func firstDifference(_ a: [[Value]], _ b: [[Value]]) -> String? {
        if a.count != b.count { return "\(a.count) rows against \(b.count)" }
        guard let i = a.indices.first(where: { "\(a[$0])" != "\(b[$0])" }) else { return nil }
        return "row \(i + 1): \(a[i]) against \(b[i])"
    }

    static func read(_ path: String, workers: Bool) -> Outcome {
        var options = ArchiveReader.Options()
        if workers {
            options.threads = 2
            options.workersDecodeRows = true
        }
        var outcome = Outcome()
        do {
            let reader = try ArchiveReader(path: path, options: options)
            var sink = Collector()
            defer { outcome.fromWorkers = reader.rowsDecodedByWorkers }
            do {
                while let record = try reader.next(rowsInto: &sink) {
                    if case .row = record { outcome.rows.append(sink.row) }
                    sink.row = []
                }
            } catch let error as ArchiveError {
                outcome.error = error
                outcome.partial = sink.row
            }
        } catch {
            Issue.record("cannot open \(path): \(error)")
        }
        return outcome
    }

    /// Every logical type, strings with escapes (built in the decoder's scratch, so copied into the tape), bytes,
    /// JSON, text that is not UTF-8, and a table over several members: the same cells either way, all from the
    /// workers.
    @Test func theSinkGetsTheSameCellsFromTheWorkers() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/all.authx.gz"
        let header = ArchiveHeader(
            createdAt: "2026-01-01T00:00:00.000000Z", producer: "CellTapeTests",
            source: .init(backend: "sqlite", database: "t.db", serverVersion: "3.40.1"))
        let writer = try ArchiveWriter(path: path, overwrite: false, header: header)
        let columns = LogicalType.allCases.map { Column(name: "c_\($0.rawValue)", type: $0, nullable: true) }
        try writer.beginTable(
            TableSchema(name: "all", columns: [Column(name: "id", type: .integer, nullable: false)] + columns))
        let rows: [[Value]] = [
            [
                .boolean(true), .integer(.min), .real(.nan), .text("-12.50"), .text("t\u{0}\n\"é\\"), .bytes([0, 255, 7]),
                .text("0b9e8a52-3c4f-4a8e-9a7e-2f6d7c1e4b10"), .json(#"{"b":[1,2],"a":"x\"y"}"#),
                .text("2024-02-29T23:59:59.999999Z"), .text("2000-02-29"), .text("24:00:00"), .invalidText([0xFF, 0x41]),
            ],
            [
                .boolean(false), .integer(.max), .real(-0.0), .text("NaN"), .text(""), .bytes([]),
                .text("00000000-0000-0000-0000-000000000000"), .json(#"{"$":1}"#), .text("0001-01-01T00:00:00Z"),
                .text("9999-12-31"), .text("00:00:00.5"), .real(.infinity),
            ],
            [
                .null, .null, .real(1e300), .null, .null, .null, .null, .json("[1,{\"a\":null}]"), .null, .null, .null,
                .text("plain"),
            ],
        ]
        for (i, row) in rows.enumerated() { try writer.append([.integer(Int64(i + 1))] + row) }
        try writer.endTable()
        try writer.beginTable(
            TableSchema(
                name: "big",
                columns: [
                    Column(name: "n", type: .integer, nullable: false), Column(name: "s", type: .text, nullable: false),
                    Column(name: "b", type: .bytes, nullable: true),
                ]))
        for n in 0..<30_000 {
            try writer.append([
                .integer(Int64(n)), .text("row \(n) \u{1}é\t" + String(repeating: "x", count: n % 50)),
                n % 3 == 0 ? .null : .bytes(Array(repeating: UInt8(n & 0xFF), count: n % 17)),
            ])
        }
        try writer.endTable()
        try writer.finish()

        let plain = Self.read(path, workers: false)
        let workers = Self.read(path, workers: true)
        #expect(plain.error == nil && workers.error == nil)
        #expect(plain.rows.count == 30_003)
        #expect(Self.firstDifference(workers.rows, plain.rows) == nil)
        #expect(plain.fromWorkers == 0)
        #expect(workers.fromWorkers == 30_003, "every row of a valid archive comes from the workers")
    }

    /// A bad row in the second member of three — a bad cell, or one cell too many (found after every cell was
    /// handed over): the workers do not keep that row, the reader decodes it and reports the same error at the
    /// same place, with the same cells handed over before it.
    @Test(arguments: [
        (#"[50,"ok\n",true]"#, ArchiveError.Code.typeMismatch, 2),
        (#"[50,"ok\n",50,7]"#, ArchiveError.Code.wrongArity, 3),
    ])
    func aRowTheWorkersRejectIsReportedAsBefore(badRow: String, code: ArchiveError.Code, cellsBefore: Int) throws {
        let record = #"{"kind":"table","name":"t","columns":[{"name":"id","type":"integer","nullable":false},{"name":"s","type":"text","nullable":false},{"name":"n","type":"integer","nullable":true}]}"#
        let good = (0..<200).map { #"[\#($0),"a\"b\#($0)",\#($0)]"# }
        let bad = Array(good[0..<50]) + [badRow] + Array(good[51...])
        let bytes = TestArchiveBuilder.build([.init(name: "t", record: record, memberRows: [good, bad, good])])
        let dir = try TemporaryDirectory()
        let path = dir.path + "/bad.authx.gz"
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        let plain = Self.read(path, workers: false)
        let workers = Self.read(path, workers: true)
        let error = try #require(plain.error)
        #expect(error.code == code)
        #expect(workers.error?.code == error.code)
        #expect(workers.error?.message == error.message)
        #expect(workers.error?.location == error.location)
        #expect(Self.firstDifference(workers.rows, plain.rows) == nil)
        #expect(Self.firstDifference([workers.partial], [plain.partial]) == nil)
        #expect(plain.partial.count == cellsBefore, "the cells before the problem reach the sink")
        #expect(workers.fromWorkers == 250, "the rows before the bad one come from the workers")
    }

    /// A member whose cells would take more than the tape's limit: the workers keep the first rows, the reader
    /// decodes the rest, and the sink sees the same cells.
    @Test func rowsBeyondTheTapeLimitAreDecodedByTheReader() throws {
        let width = 40
        let columns = (0..<width).map { #"{"name":"c\#($0)","type":"integer","nullable":false}"# }
        let record = #"{"kind":"table","name":"wide","columns":[\#(columns.joined(separator: ","))]}"#
        // 40 cells of 16 bytes each = 640 bytes of tape per row: the 4 MiB limit is reached at about 6,550 rows.
        let rowCount = 10_000
        let rows = (0..<rowCount).map { r in "[" + (0..<width).map { String(r * 7 + $0) }.joined(separator: ",") + "]" }
        let bytes = TestArchiveBuilder.build([.init(name: "wide", record: record, memberRows: [rows])])
        let dir = try TemporaryDirectory()
        let path = dir.path + "/wide.authx.gz"
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        let plain = Self.read(path, workers: false)
        let workers = Self.read(path, workers: true)
        #expect(plain.error == nil && workers.error == nil)
        #expect(Self.firstDifference(workers.rows, plain.rows) == nil)
        #expect(plain.rows.count == rowCount)
        #expect(workers.fromWorkers > 0 && workers.fromWorkers < Int64(rowCount))
        #expect(Int(workers.fromWorkers) * width * 16 <= CellTape.byteLimit)
    }
}
