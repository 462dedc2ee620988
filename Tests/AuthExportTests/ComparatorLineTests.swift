import Foundation
import Testing

@testable import AuthExport

/// `RecordComparator`'s rows carried as lines: a row whose line is the other side's byte for byte is matched
/// without digesting its cells; every other row is still compared cell by cell, in logical form.
@Suite struct ComparatorLineTests {
    static let record =
        #"{"kind":"table","name":"t","columns":[{"name":"id","type":"integer","nullable":false},{"name":"name","type":"text","nullable":true},{"name":"at","type":"timestamp","nullable":true},{"name":"profile","type":"json","nullable":true},{"name":"amount","type":"decimal","nullable":true}],"primary_key":["id"]}"#

    /// Row `id` as the archive line the writer spells it.
    static func line(_ id: Int, name: String? = nil, at: String = "2026-01-01T10:00:00Z",
                     profile: String? = nil, amount: String = "12.50") -> String {
        #"[\#(id),"\#(name ?? "v\(id)")","\#(at)",\#(profile ?? #"{"a":\#(id),"b":[1,2]}"#),"\#(amount)"]"#
    }

    static func reader(_ tables: [TestArchiveBuilder.Table]) -> ArchiveReader {
        ArchiveReader(bytes: TestArchiveBuilder.build(tables))
    }

    static func compare(
        _ old: [TestArchiveBuilder.Table], _ new: [TestArchiveBuilder.Table], options: RecordComparator.Options = .init()
    ) throws -> RecordComparator.Report {
        try RecordComparator(options: options).compare(old: reader(old), new: reader(new))
    }

    static func table(_ lines: [String], record: String = record) -> [TestArchiveBuilder.Table] {
        // Several members, more rows than a batch of a side.
        [.init(name: "t", record: record, memberRows: stride(from: 0, to: lines.count, by: 1500).map {
            Array(lines[$0..<min($0 + 1500, lines.count)])
        })]
    }

    static let oldLines = (1...5000).map { line($0) }

    /// Lines that differ in bytes but not in value (another spelling of the instant, the JSON key order, the
    /// decimal's trailing zero) match; a one-byte change in a cell that is not the key is named with its column.
    @Test func respelledLinesMatchAndOneByteChangesAreNamed() throws {
        var newLines = Self.oldLines
        newLines[99] = Self.line(100, at: "2026-01-01T10:00:00.000Z")
        newLines[1999] = Self.line(2000, profile: #"{"b":[1,2],"a":2000}"#)
        newLines[2999] = Self.line(3000, amount: "12.5")
        #expect(newLines[99] != Self.oldLines[99])
        #expect(try Self.compare(Self.table(Self.oldLines), Self.table(newLines)).isSame)

        newLines[4320] = Self.line(4321, name: "v4322")
        newLines[41] = Self.line(42, at: "2026-01-01T10:00:01Z")
        newLines[4999] = Self.line(5000, profile: #"{"a":5000,"b":[1,3]}"#)
        let report = try Self.compare(Self.table(Self.oldLines), Self.table(newLines))
        let table = try #require(report.tables.first)
        #expect(table.changed == 3 && table.added == 0 && table.removed == 0)
        #expect(table.changedKeys.map(\.key) == ["id=42", "id=4321", "id=5000"])
        #expect(table.changedKeys.map(\.columns) == [["at"], ["name"], ["profile"]])
        #expect(table.changedColumns.map(\.column) == ["name", "at", "profile"])
    }

    /// Equal lines are equal rows only when both sides read them alike: columns in another order or of another
    /// type make the same bytes other values, compared cell by cell.
    @Test func equalLinesOfOtherColumnsAreStillCompared() throws {
        let swapped = Self.record.replacingOccurrences(of: #""name":"name""#, with: #""name":"tmp""#)
            .replacingOccurrences(of: #""name":"at""#, with: #""name":"name""#)
            .replacingOccurrences(of: #""name":"tmp""#, with: #""name":"at""#)
            .replacingOccurrences(of: #""type":"text""#, with: #""type":"tmp""#)
            .replacingOccurrences(of: #""type":"timestamp""#, with: #""type":"text""#)
            .replacingOccurrences(of: #""type":"tmp""#, with: #""type":"timestamp""#)
        // Byte-identical lines, but "at" is now the second column and "name" the third: each row's values moved to
        // the other column, every row changed, both columns named.
        let flipped = (1...10).map { #"[\#($0),"2026-01-01T10:00:00Z","2026-01-01T10:00:01Z",{"a":1},"1"]"# }
        let flippedReport = try Self.compare(Self.table(flipped), Self.table(flipped, record: swapped))
        let flippedTable = try #require(flippedReport.tables.first)
        #expect(flippedTable.changed == 10)
        #expect(flippedTable.changedColumns.map(\.column) == ["name", "at"])

        // Two text columns in each other's place: the same bytes, other values.
        let ab = #"{"kind":"table","name":"t","columns":[{"name":"id","type":"integer","nullable":false},{"name":"a","type":"text","nullable":true},{"name":"b","type":"text","nullable":true}],"primary_key":["id"]}"#
        let ba = ab.replacingOccurrences(of: #""name":"a""#, with: #""name":"tmp""#)
            .replacingOccurrences(of: #""name":"b""#, with: #""name":"a""#).replacingOccurrences(of: #""name":"tmp""#, with: #""name":"b""#)
        let pairs = (1...10).map { #"[\#($0),"x","y"]"# }
        let swappedText = try #require(try Self.compare(Self.table(pairs, record: ab), Self.table(pairs, record: ba)).tables.first)
        #expect(swappedText.changed == 10 && swappedText.changedColumns.map(\.column) == ["a", "b"])

        // A column of another type: the same base64 text is text on one side, bytes on the other.
        let textRecord = #"{"kind":"table","name":"t","columns":[{"name":"id","type":"integer","nullable":false},{"name":"y","type":"text","nullable":true}],"primary_key":["id"]}"#
        let bytesRecord = textRecord.replacingOccurrences(of: #""type":"text""#, with: #""type":"bytes""#)
        let base64 = (1...10).map { #"[\#($0),"AQI="]"# }
        let typed = try #require(try Self.compare(Self.table(base64, record: textRecord), Self.table(base64, record: bytesRecord)).tables.first)
        #expect(typed.schemaChanges == ["column y: type text → bytes"])
        #expect(typed.changed == 10 && typed.changedColumns.map(\.column) == ["y"])
    }

    /// Rows in another order on each side are held as lines up to a limit, then as cell digests: the report is the
    /// same whichever way they were held.
    @Test func rowsHeldPastTheLineLimitAreDigested() throws {
        var newLines = Array(Self.oldLines.reversed())
        newLines[10] = Self.line(4990, name: "changed")
        newLines[4000] = Self.line(1000, at: "2026-01-01T10:00:00.000Z")  // respelled, same value
        newLines.remove(at: 20)  // id 4980
        newLines.append(Self.line(6000))
        var small = RecordComparator.Options()
        small.maxHeldLineBytes = 10_000
        for options in [RecordComparator.Options(), small] {
            let report = try Self.compare(Self.table(Self.oldLines), Self.table(newLines), options: options)
            let table = try #require(report.tables.first)
            #expect(table.changed == 1 && table.added == 1 && table.removed == 1, "\(table.summary())")
            #expect(table.changedKeys.map(\.key) == ["id=4990"] && table.changedKeys.first?.columns == ["name"])
            #expect(table.addedKeys == ["id=6000"] && table.removedKeys == ["id=4980"])
        }
    }

    /// When most lines differ (the sides spell the same values differently: every timestamp with trailing zeros
    /// on one side), the sides go on digesting every cell: rows compare alike before and after.
    @Test func mostlyDifferingLinesAreDigestedBySides() throws {
        var newLines = (1...20000).map { Self.line($0, at: "2026-01-01T10:00:00.000000Z") }
        let oldLines = (1...20000).map { Self.line($0) }
        for id in [3, 5000, 12345, 19999] { newLines[id - 1] = Self.line(id, name: "x", at: "2026-01-01T10:00:00.000000Z") }
        newLines[15000] = Self.line(15001, profile: #"{"b":[1,2],"a":15001}"#, amount: "12.500")  // same values
        // Sides that read little ahead: most rows come after the switch.
        var options = RecordComparator.Options()
        options.readAheadBytes = 64 << 10
        let report = try Self.compare(Self.table(oldLines), Self.table(newLines), options: options)
        let table = try #require(report.tables.first)
        #expect(table.changed == 4 && table.added == 0 && table.removed == 0, "\(table.summary())")
        #expect(table.changedKeys.map(\.key) == ["id=3", "id=5000", "id=12345", "id=19999"])
        #expect(table.changedColumns.map(\.column) == ["name"])

        // Lines alike for 20,000 rows (the rows held as lines compacted several times), then respelled.
        let longOld = (1...40000).map { Self.line($0) }
        var longNew = longOld
        for index in 20000..<40000 { longNew[index] = Self.line(index + 1, at: "2026-01-01T10:00:00.000000Z") }
        longNew[38000] = Self.line(38001, name: "x")
        let long = try #require(try Self.compare(Self.table(longOld), Self.table(longNew), options: options).tables.first)
        #expect(long.changed == 1 && long.changedKeys.map(\.key) == ["id=38001"], "\(long.summary())")
    }

    /// `CellDigester.digest(_:column:)` hashes numbers, exact text, uuids and instants in place: it must give
    /// what the cell kept by `take` digests to, so that spellings of one value digest alike whichever way they go.
    @Test func digestsInPlaceEqualTheKeptCells() throws {
        let cases: [(CellDigester.LogicalForm, String?, [Value])] = [
            (.uuid, nil, [
                .text("0b9e8a52-3c4f-4a8e-9a7e-2f6d7c1e4b10"), .text("0B9E8A523C4F4A8E9A7E2F6D7C1E4B10"),
                .bytes([0x0b, 0x9e, 0x8a, 0x52, 0x3c, 0x4f, 0x4a, 0x8e, 0x9a, 0x7e, 0x2f, 0x6d, 0x7c, 0x1e, 0x4b, 0x10]),
                .text("0123456789abcdef"), .bytes([1, 2]), .null,
            ]),
            (.instant, nil, [
                .text("2026-01-01T10:00:00Z"), .text("2026-01-01 10:00:00+00:00"), .text("2026-01-01T10:00:00.000000Z"),
                .text("2026-01-01 10:00:00.5"), .text("2026-01-01T10:00:00.50Z"), .text("10:00:00.000"), .text("10:00:00"),
                .text("2026-01-01"), .text(""), .text("2026-01-01 "), .integer(3),
            ]),
            (.exact, nil, [.text("Ada"), .text(""), .integer(1), .real(1.0), .real(-0.0), .real(1.5), .boolean(true), .bytes([65]), .null]),
            (.exact, "NOCASE", [.text("Ada"), .text("ADA")]),
            (.decimal, nil, [.text("12.50"), .text("12.5"), .text("12"), .integer(12)]),
            (.json, nil, [.json(#"{"b":[1,{"d":1,"c":2}],"a":null}"#), .json(#"{"a":null,"b":[1,{"c":2,"d":1}]}"#)]),
            (.textual, nil, [.integer(5), .text("5"), .null]),
            (.number, nil, [.boolean(true), .boolean(false), .integer(1), .text("1"), .null]),
            (.real, nil, [.text("0.10"), .text("x"), .real(0.1), .real(2), .integer(2)]),
            (.dateFromTimestamp, nil, [.text("2026-01-02T00:00:00Z"), .text("2026-01-02 00:00:00"), .text("2026-01-02T00:00:01")]),
            (.decimal, nil, [.real(12.5), .real(1e-7), .real(2)]),
            (.instant, nil, [.integer(1_767_323_045), .real(1.25), .real(-0.5)]),
        ]
        for (form, collation, values) in cases {
            var digester = CellDigester()
            digester.reset([Column(name: "c", type: .text, collation: collation)], forms: [form])
            var kept = CellDigester()
            kept.reset([Column(name: "c", type: .text, collation: collation)], forms: [form])
            for value in values {
                let inPlace = value.withCellView { digester.digest($0, column: 0) }
                value.withCellView { kept.take($0, column: 0) }
                #expect(inPlace == kept.columnDigest(0), "\(form) \(value)")
                kept.clear()
            }
        }
        // Spellings of one value digest alike.
        var digester = CellDigester()
        digester.reset([Column(name: "c", type: .text)], forms: [.instant])
        let instants = ["2026-01-01T10:00:00Z", "2026-01-01 10:00:00+00:00", "2026-01-01T10:00:00.000Z", "2026-01-01 10:00:00"]
        #expect(Set(instants.map { Value.text($0).withCellView { digester.digest($0, column: 0) } }).count == 1)
    }

    /// A value a restore stored in another type digests, in the new side's form (`storedForm`), as the archive's
    /// value does in its own (`form(of:)`): booleans and 0/1, decimal text and reals, a date and its midnight
    /// timestamp, a timestamp and its Unix seconds (2,000 random instants, 1601–9999, spelled by Foundation);
    /// another value does not.
    @Test func translatedValuesDigestAsTheArchiveValue() throws {
        func digest(_ value: Value, _ form: CellDigester.LogicalForm) -> UInt64 {
            var digester = CellDigester()
            digester.reset([Column(name: "c", type: .text)], forms: [form])
            return value.withCellView { digester.digest($0, column: 0) }
        }
        func same(_ old: Value, _ type: LogicalType, _ new: Value, _ stored: LogicalType) -> Bool {
            digest(old, RecordComparator.form(of: type))
                == digest(new, RecordComparator.storedForm(of: type, storedAs: stored, restored: true))
        }
        #expect(same(.boolean(true), .boolean, .integer(1), .integer) && same(.boolean(false), .boolean, .integer(0), .integer))
        #expect(!same(.boolean(true), .boolean, .integer(2), .integer) && !same(.boolean(true), .boolean, .integer(0), .integer))
        #expect(same(.integer(1), .integer, .boolean(true), .boolean) && !same(.integer(0), .integer, .boolean(true), .boolean))
        for (text, real) in [("12.50", 12.5), ("0.0000001", 1e-7), ("0.1", 0.1), ("-3", -3.0), ("123456789012.25", 123456789012.25)] {
            #expect(same(.text(text), .decimal, .real(real), .real), "\(text)")
            #expect(same(.real(real), .real, .text(text), .decimal), "\(text)")
        }
        #expect(!same(.text("0.3"), .decimal, .real(0.1 + 0.2), .real) && !same(.real(0.1), .real, .text("0.10000001"), .decimal))
        #expect(same(.text("2026-01-02"), .date, .text("2026-01-02T00:00:00Z"), .timestamp))
        #expect(same(.text("2026-01-02"), .date, .text("2026-01-02 00:00:00.000"), .timestamp))
        #expect(!same(.text("2026-01-02"), .date, .text("2026-01-02T00:00:01"), .timestamp))
        #expect(!same(.text("2026-01-02"), .date, .text("2026-01-03T00:00:00"), .timestamp))
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.formatOptions = [.withInternetDateTime]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let seconds = Int64.random(in: -11_644_473_600..<253_402_300_800, using: &generator)
            let text = formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
            #expect(same(.text(text), .timestamp, .integer(seconds), .integer), "\(seconds) \(text)")
            #expect(!same(.text(text), .timestamp, .integer(seconds + 1), .integer), "\(seconds)")
        }
        #expect(same(.text("2026-01-02T03:04:05.25Z"), .timestamp, .real(1_767_323_045.25), .real))
        #expect(same(.text("1969-12-31T23:59:59.5Z"), .timestamp, .real(-0.5), .real))
        for _ in 0..<2000 {
            let d = Double(bitPattern: UInt64.random(in: 0..<UInt64.max, using: &generator))
            guard d.isFinite else { continue }
            let plain = CellDigester.plainDecimal(d)
            #expect(Double(plain) == d && !plain.contains("e"), "\(d) \(plain)")
        }
    }

    /// A comparison fed by an exporter (`verify --against`) digests the cells a `RowEncoder` writes as it writes them
    /// (`RowCellTap`), without decoding the line — and without spelling the values when it needs no line
    /// (`writesValues` false): for every kind of cell each encoder method writes, the digests equal those of the
    /// line read back (under each column's logical form, as exact bytes and as text).
    /// Mutation-checked: the tap given `.integer` for an integer written to a real column, or a JSON cell's text as
    /// given instead of as written (compacted), fails this.
    @Test func encoderTapDigestsCellsAsTheLineReadsBack() throws {
        let columns = [
            Column(name: "i", type: .integer), Column(name: "r", type: .real), Column(name: "a", type: .any),
            Column(name: "t", type: .text), Column(name: "u", type: .uuid), Column(name: "ts", type: .timestamp),
            Column(name: "d", type: .decimal), Column(name: "dt", type: .date), Column(name: "tm", type: .time),
            Column(name: "b", type: .boolean), Column(name: "y", type: .bytes), Column(name: "j", type: .json),
        ]
        let schema = TableSchema(name: "t", columns: columns, primaryKey: [])
        let rows: [(inout RowEncoder) throws -> Void] = [
            { row in
                try row.appendInteger(-7); try row.appendInteger(5); try row.appendInteger(9)
                try row.text("Ada \u{e9}\\\"\n"); try row.text("0b9e8a52-3c4f-4a8e-9a7e-2f6d7c1e4b10")
                try row.text("2026-01-01T10:00:00.500000Z"); try row.text("12.50")
                try row.text("2026-01-01"); try row.text("10:00:00")
                try row.appendBoolean(true); try row.bytes("\u{0}\u{1}xy")
                try row.json(#" { "b" : [1, {"d":1,"c":2}], "a": null } "#)
            },
            { row in
                for _ in 0..<12 { try row.appendNull() }
            },
            { row in
                try row.appendInteger(0); try row.appendReal(1.5); try row.appendReal(-0.25)
                try row.text(""); try row.appendNull(); try row.appendNull(); try row.appendNull()
                try row.appendNull(); try row.appendNull(); try row.appendBoolean(false); try row.bytes("")
                try row.json("null")
            },
            { row in
                try row.appendInteger(Int64.max); try row.appendReal(.infinity); try row.text("text")
                for _ in 0..<8 { try row.appendNull() }
                try row.json(#"{"$":[1,2]}"#)
            },
            { row in
                try row.appendNull(); try row.appendReal(.nan)
                try [UInt8]([0x66, 0xFF, 0x00]).withUnsafeBytes { try row.appendText(utf8: $0) }
                for _ in 0..<8 { try row.appendNull() }
                try row.json("[true,\"x\",2.5e3]")
            },
            { row in
                try row.appendNull(); try row.appendNull(); try row.bytes("\u{7}b")
                for _ in 0..<9 { try row.append(.null) }
            },
            { row in
                try row.append(.integer(3)); try row.append(.integer(4)); try row.append(.real(2.5))
                try row.append(.text("v")); try row.append(.text("0b9e8a52-3c4f-4a8e-9a7e-2f6d7c1e4b10"))
                try row.append(.text("2026-01-01T10:00:00Z")); try row.append(.text("12")); try row.append(.null)
                try row.append(.null); try row.append(.boolean(true)); try row.append(.bytes([1, 2]))
                try row.append(.json(#"{"k":"v"}"#))
            },
        ]
        let formSets: [[CellDigester.LogicalForm]] = [
            columns.map { RecordComparator.form(of: $0.type) }, columns.map { _ in .exact }, columns.map { _ in .textual },
        ]
        let specs = columns.map { CellSpec(type: $0.type, nullable: $0.nullable) }
        let decoder = RowDecoder(table: schema, maxDepth: ReaderLimits.defaultMaxDepth)
        for forms in formSets {
            for writesValues in [true, false] {
            let plan = DigestPlan(forms: forms)
            let tap = RowCellTap(
                SideDigest(events: BoundedBatchQueue(maxBytes: 1 << 20), linesOff: ComparedSide.LinesOff(), isCancelled: nil))
            tap.side.begin(schema, plan: plan)
            for (number, encode) in rows.enumerated() {
                // The tapped encoder (writing the values or not); the line of an encoder without a tap is read back.
                var tapped = RowEncoder(columns: columns, specs: specs, buffer: ByteBuffer())
                tapped.tap = tap
                tapped.writesValues = writesValues
                try encode(&tapped)
                try tapped.finish()
                var encoder = RowEncoder(columns: columns, specs: specs, buffer: ByteBuffer())
                try encode(&encoder)
                try encoder.finish()
                if writesValues { #expect(tapped.buffer.bytes == encoder.buffer.bytes, "row \(number + 1)") }
                var read = DigestSink()
                read.begin(schema, plan: plan)
                var scratch = ByteBuffer()
                let line = encoder.buffer.bytes.dropLast()  // the newline
                let failure = try line.withUnsafeBytes { try decoder.decode($0, scratch: &scratch, into: &read) }
                #expect(failure == nil, "row \(number + 1) does not read back")
                for column in columns.indices {
                    #expect(
                        tap.side.sink.digests[column] == read.digests[column],
                        "row \(number + 1), column \(columns[column].name), \(forms[column]), values written \(writesValues): \(String(decoding: line, as: UTF8.self))")
                }
                tap.side.sink.cells.clear()
            }
            }
        }
    }
}

extension RowEncoder {
    fileprivate mutating func text(_ text: String) throws { try Array(text.utf8).withUnsafeBytes { try appendText(utf8: $0) } }
    fileprivate mutating func bytes(_ text: String) throws { try Array(text.utf8).withUnsafeBytes { try appendBytes($0) } }
    fileprivate mutating func json(_ text: String) throws { try Array(text.utf8).withUnsafeBytes { try appendJSON(utf8: $0) } }
}
