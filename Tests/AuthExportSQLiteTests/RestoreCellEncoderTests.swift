import AuthExport
import Testing

@testable import AuthExportSQLite

/// The restore's fast paths must store exactly what the representation's own conversion stores.
@Suite struct RestoreCellEncoderTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var type: LogicalType
        var encoding: ColumnEncoding?
        var declaredType: String
        var values: [Value]
        var testDescription: String { "\(type.rawValue) \(encoding?.rawValue ?? "-") \(declaredType)" }
    }

    static let uuids: [Value] = [
        .text("7c9e6679-7425-40de-944b-e07fc1f90ae7"), .text("00000000-0000-0000-0000-000000000000"),
        .text("ffffffff-ffff-ffff-ffff-ffffffffffff"), .null,
    ]
    static let timestamps: [Value] = [
        .text("2024-05-01T10:00:00Z"), .text("2024-05-01T10:00:00.123456Z"), .text("1970-01-01T00:00:00.5Z"),
        .text("0001-01-01T00:00:00Z"), .null,
    ]
    static let json: [Value] = [
        .json(#"{"a":1,"b":[true,null,"é\n"]}"#), .json("5"), .json("-1.5e3"), .json("null"), .json(#""text""#),
        .json("[]"), .json("12345678901234567890"), .null,
    ]

    static let cases: [Case] = [
        Case(type: .uuid, encoding: .hex32, declaredType: "CHAR(32)", values: uuids),
        Case(type: .uuid, encoding: .hex32Upper, declaredType: "CHAR(32)", values: uuids),
        Case(type: .uuid, encoding: .uuidText, declaredType: "UUID", values: uuids),
        Case(type: .uuid, encoding: .uuidTextUpper, declaredType: "TEXT", values: uuids),
        Case(type: .uuid, encoding: .blob16, declaredType: "BLOB", values: uuids),
        Case(type: .uuid, encoding: .native, declaredType: "CHAR(36)", values: uuids),
        Case(type: .timestamp, encoding: .naiveText, declaredType: "DATETIME", values: timestamps),
        Case(type: .timestamp, encoding: .naiveISO, declaredType: "TIMESTAMP", values: timestamps),
        Case(type: .timestamp, encoding: .isoZ, declaredType: "TEXT", values: timestamps),
        Case(type: .json, encoding: .text, declaredType: "JSON", values: json),
        Case(type: .json, encoding: .text, declaredType: "TEXT", values: json),
        Case(type: .json, encoding: ColumnEncoding("json_python"), declaredType: "JSON", values: json),
        Case(type: .json, encoding: ColumnEncoding("json_python"), declaredType: "TEXT", values: json),
        Case(type: .json, encoding: .native, declaredType: "TEXT", values: json),
        Case(
            type: .boolean, encoding: .int01, declaredType: "BOOLEAN", values: [.boolean(true), .boolean(false), .null]),
        Case(type: .date, encoding: .text, declaredType: "DATE", values: [.text("2024-02-29"), .null]),
        Case(type: .time, encoding: .text, declaredType: "TIME", values: [.text("23:59:59.999999"), .null]),
        Case(type: .decimal, encoding: .text, declaredType: "TEXT", values: [.text("-12.50"), .text("0"), .null]),
        Case(
            type: .real, encoding: nil, declaredType: "REAL",
            values: [.real(1.5), .real(-0.0), .real(.infinity), .integer(3)]),
        Case(type: .text, encoding: nil, declaredType: "TEXT", values: [.text(""), .text("a\u{0}b"), .text("日本")]),
        Case(type: .bytes, encoding: nil, declaredType: "BLOB", values: [.bytes([]), .bytes([0, 255])]),
        Case(
            type: .any, encoding: nil, declaredType: "",
            values: [.integer(1), .real(2.5), .text("x"), .bytes([1]), .invalidText([0xFF])]),
    ]

    @Test(arguments: cases)
    func fastPathsStoreWhatTheRepresentationStores(_ c: Case) throws {
        let column = Column(name: "c", type: c.type, encoding: c.encoding)
        var warnings: [String] = []
        let encoder = try CellEncoder(column: column, declaredType: c.declaredType, table: "t", warnings: &warnings)
        #expect(warnings.isEmpty)
        let representation = try ColumnRepresentation(type: c.type, encoding: c.encoding, declaredType: c.declaredType)
        for value in c.values {
            let row = try Self.encode(value, with: encoder)
            let expected = try representation.storedValue(for: value)
            #expect(row.value(at: 0) == expected, "\(value)")
        }
    }

    @Test func aValueTheRepresentationRefusesIsATypeMismatchNamingTheColumn() throws {
        var warnings: [String] = []
        let encoder = try CellEncoder(
            column: Column(name: "stamp", type: .timestamp, encoding: .unixSeconds), declaredType: "INTEGER",
            table: "t",
            warnings: &warnings)
        let error = #expect(throws: ArchiveError.self) {
            try Self.encode(.text("2024-05-01T10:00:00.5Z"), with: encoder)
        }
        #expect(error?.code == .typeMismatch)
        #expect(error?.location.column == "stamp")
        let nan = #expect(throws: ArchiveError.self) {
            try Self.encode(
                .real(.nan),
                with: CellEncoder(
                    column: Column(name: "r", type: .real), declaredType: "REAL", table: "t", warnings: &warnings))
        }
        #expect(nan?.code == .unsupportedValue)  // a valid value SQLite cannot store: not the archive's fault
    }

    /// Encodes one value as the reader would hand it over, into a one-row batch.
    static func encode(_ value: Value, with encoder: CellEncoder) throws -> EncodedRow {
        var cells: [BoundCell] = []
        var bytes: [UInt8] = []
        try value.withCellView { try encoder.encode($0, cells: &cells, bytes: &bytes) }
        return EncodedRow(batch: EncodedBatch(cells: cells, bytes: bytes), start: 0, count: 1)
    }

    @Test func anUnknownEncodingFallsBackWithAWarning() throws {
        var warnings: [String] = []
        _ = try CellEncoder(
            column: Column(name: "id", type: .uuid, encoding: ColumnEncoding("base58")), declaredType: "TEXT",
            table: "t",
            warnings: &warnings)
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("base58") == true)
    }
}
