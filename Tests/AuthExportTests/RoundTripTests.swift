import Foundation
import Testing

@testable import AuthExport

@Suite struct RoundTripTests {
    static let edgeTable = TableSchema(
        name: "edge",
        columns: [
            Column(name: "b", type: .boolean), Column(name: "i", type: .integer), Column(name: "r", type: .real),
            Column(name: "d", type: .decimal), Column(name: "t", type: .text), Column(name: "y", type: .bytes),
            Column(name: "u", type: .uuid), Column(name: "j", type: .json), Column(name: "ts", type: .timestamp),
            Column(name: "da", type: .date), Column(name: "ti", type: .time), Column(name: "a", type: .any),
        ], primaryKey: ["i"])

    static let edgeRows: [[Value]] = [
        [
            .boolean(true), .integer(.max), .real(.nan), .text("-12.50"), .text(""), .bytes([]),
            .text("0b9e8a52-3c4f-4a8e-9a7e-2f6d7c1e4b10"), .json("null"), .text("2024-02-29T23:59:59.123456Z"),
            .text("0001-01-01"), .text("24:00:00"), .integer(-1),
        ],
        [
            .boolean(false), .integer(.min), .real(.infinity), .text("0"), .text("a\u{0}b\n\t\"\\ é 😀 \u{1F}"),
            .bytes([0, 1, 2, 255]), .text("00000000-0000-0000-0000-000000000000"), .json(#"{"$":{"$":1}}"#),
            .text("1970-01-01T00:00:00Z"), .text("9999-12-31"), .text("23:59:59.5"), .invalidText([0xC3, 0x28]),
        ],
        [
            .null, .null, .real(-0.0), .null, .text(String(repeating: "x", count: 3 << 20)), .null, .null,
            .json(#"[1,"two",{"three":3.5e-7},null,true]"#), .null, .null, .null, .null,
        ],
        [
            .null, .integer(0), .real(-.infinity), .text("NaN"), .null, .bytes(Array(0...255)), .null,
            .json(#""a string""#), .null, .null, .null, .real(5e-324),
        ],
        [.null, .integer(42), .real(1.7976931348623157e308), .null, .null, .null, .null, .null, .null, .null, .null, .text("lots-of-it")],
        [.null, .integer(43), .real(0.1), .null, .null, .null, .null, .json(#"{"a":[]}"#), .null, .null, .null, .bytes([7])],
    ]

    static func header() -> ArchiveHeader {
        ArchiveHeader(createdAt: "2026-11-25T00:00:00.000000Z", producer: "tests", source: .init(backend: "sqlite", database: "t.db"))
    }

    static func write(_ path: String, threads: Int = 2, rows: [[Value]] = edgeRows) throws -> ArchiveWriter.Summary {
        var options = ArchiveWriter.Options()
        options.threads = threads
        let writer = try ArchiveWriter(path: path, overwrite: true, header: header(), options: options)
        try writer.beginTable(edgeTable)
        for row in rows { try writer.append(row) }
        try writer.endTable()
        try writer.append(SchemaObject(type: "view", name: "v", sql: "CREATE VIEW v AS SELECT 1"))
        return try writer.finish()
    }

    static func readAll(_ path: String) throws -> [ArchiveRecord] {
        let reader = try ArchiveReader(path: path)
        var records: [ArchiveRecord] = []
        while let r = try reader.next() { records.append(r) }
        return records
    }

    @Test(arguments: [1, 2])
    func everyLogicalTypeRoundTrips(threads: Int) throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/a.authx.gz"
        let summary = try Self.write(path, threads: threads)
        #expect(summary.rows == Int64(Self.edgeRows.count))
        let records = try Self.readAll(path)
        let rows = records.compactMap { r -> [Value]? in
            if case .row(let v) = r { return v }
            return nil
        }
        #expect(rows.count == Self.edgeRows.count)
        for (got, want) in zip(rows, Self.edgeRows) {
            for (g, w) in zip(got, want) {
                if case .real(let a) = g, case .real(let b) = w, a.isNaN && b.isNaN { continue }
                if case .real(let a) = g, case .real(let b) = w { #expect(a.bitPattern == b.bitPattern); continue }
                #expect(g == w)
            }
        }
        guard case .end(let end) = records.last else {
            Issue.record("last record is not end")
            return
        }
        #expect(end.tables == 1)
        // The sidecar holds the whole file's SHA-256 in sha256sum format.
        let sidecar = try String(contentsOfFile: path + ".sha256", encoding: .utf8)
        #expect(sidecar == "\(summary.sha256)  a.authx.gz\n")
    }
}

/// A temporary directory removed when the value is deinitialized.
final class TemporaryDirectory {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "authx-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}
