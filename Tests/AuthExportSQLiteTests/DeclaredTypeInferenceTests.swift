import AuthExport
import Foundation
import Testing

@testable import AuthExportSQLite

/// Declared type first (issue 22): a column's declaration decides its logical type and its values only confirm it;
/// narrowing a generic TEXT/INTEGER column from its values happens only with `inferFromValues`, each time with a
/// warning.
@Suite struct DeclaredTypeInferenceTests {
    /// What real auth stacks store in generic columns: an OAuth expiry in epoch seconds, Flask-Security's TOTP
    /// secrets (JSON in TEXT), Django admin's object_id (uuids in TEXT), plus timestamp and date text in TEXT and
    /// VARCHAR; beside them the declared forms, which are narrowed either way.
    static let sql = """
        CREATE TABLE tokens (
            id INTEGER PRIMARY KEY,
            expires_at INTEGER NOT NULL,
            us_totp_secrets TEXT,
            object_id TEXT,
            seen TEXT,
            day VARCHAR(10),
            flag INTEGER,
            created_at DATETIME,
            data JSON,
            ref CHAR(32),
            active BOOLEAN,
            epoch_at TIMESTAMP
        );
        INSERT INTO tokens VALUES
            (1, 1698912843, '{"1": "secret"}', '7c9e6679-7425-40de-944b-e07fc1f90ae7', '2024-03-01 12:40:00.123463',
             '2024-03-01', 1, '2024-03-01 12:40:00', '{"a": 1}', '7c9e6679742540de944be07fc1f90ae7', 1, 1698912843),
            (2, 1703462399, '{}', 'a3bb189e-8bf9-3888-9912-ace4e6543002', '2024-03-02 00:00:00',
             '2024-03-02', 0, '2024-03-02 00:00:00.5', NULL, 'a3bb189e8bf938889912ace4e6543002', 0, 1703462399);
        """

    static let generic: [(String, LogicalType, LogicalType, ColumnEncoding?)] = [
        // column, default type, type with inferFromValues, its encoding
        ("expires_at", .integer, .timestamp, .unixSeconds),
        ("us_totp_secrets", .text, .json, .jsonPython),
        ("object_id", .text, .uuid, .uuidText),
        ("seen", .text, .timestamp, .naiveText),
        ("day", .text, .date, .text),
    ]
    static let declared: [(String, LogicalType, ColumnEncoding?)] = [
        ("flag", .integer, nil), ("created_at", .timestamp, .naiveText), ("data", .json, .jsonPython),
        ("ref", .uuid, .hex32), ("active", .boolean, .int01), ("epoch_at", .timestamp, .unixSeconds),
    ]

    private func export(inferFromValues: Bool) throws -> (SQLiteExportSummary, ExportArchiveDump, String) {
        let directory = try ExportTempDirectory()
        defer { directory.remove() }
        let path = directory.file("app.db")
        _ = try ExportTestSupport.makeDatabase(at: path, Self.sql)
        var options = SQLiteExportOptions()
        options.inferFromValues = inferFromValues
        let (summary, dump) = try ExportTestSupport.export(path, in: directory, options: options)
        try ExportTestSupport.expectSameValues(dump, database: path)
        return (summary, dump, path)
    }

    @Test func genericColumnsKeepTheirDeclaredTypeByDefault() throws {
        let (summary, dump, _) = try export(inferFromValues: false)
        let tokens = try dump.table("tokens")
        for (name, type, _, _) in Self.generic {
            #expect(try tokens.column(name).type == type, "\(name)")
            #expect(try tokens.column(name).encoding == nil, "\(name)")
        }
        for (name, type, encoding) in Self.declared {
            #expect(try tokens.column(name).type == type, "\(name)")
            #expect(try tokens.column(name).encoding == encoding, "\(name)")
        }
        #expect(try tokens.values("expires_at").first == .integer(1_698_912_843))
        #expect(try tokens.values("us_totp_secrets").first == .text(#"{"1": "secret"}"#))
        #expect(summary.warnings.isEmpty, "\(summary.warnings)")
    }

    @Test func inferFromValuesNarrowsGenericColumnsAndSaysSo() throws {
        let (summary, dump, _) = try export(inferFromValues: true)
        let tokens = try dump.table("tokens")
        for (name, _, type, encoding) in Self.generic {
            #expect(try tokens.column(name).type == type, "\(name)")
            #expect(try tokens.column(name).encoding == encoding, "\(name)")
            let warning = summary.warnings.first { $0.table == "tokens" && $0.column == name }
            #expect(warning?.message.contains("narrowed to \(type.rawValue)") == true, "\(name): \(summary.warnings)")
            #expect(warning?.message.contains("--infer-from-values") == true, "\(name)")
        }
        // Declared types are not narrowings: no warning.
        for (name, type, _) in Self.declared {
            #expect(try tokens.column(name).type == type, "\(name)")
            #expect(!summary.warnings.contains { $0.column == name }, "\(name)")
        }
        #expect(summary.warnings.count == Self.generic.count)
    }

    @Test func theCommandReportsNarrowingInItsJSONSummary() throws {
        let directory = try ExportTempDirectory()
        defer { directory.remove() }
        let path = directory.file("app.db")
        _ = try ExportTestSupport.makeDatabase(at: path, Self.sql)
        let binary = ExportTestSupport.repositoryRoot() + "/.build/debug/authx"
        let plain = try ExportTestSupport.runCapturing(binary, ["export", path, "-o", directory.file("a.gz"), "--json"])
        #expect(plain.status == 0, "\(plain.stderr)")
        let plainSummary = try #require(try JSONSerialization.jsonObject(with: plain.stdout) as? [String: Any])
        #expect((plainSummary["warnings"] as? [Any])?.isEmpty == true)
        let narrowed = try ExportTestSupport.runCapturing(
            binary, ["export", path, "-o", directory.file("b.gz"), "--json", "--infer-from-values"])
        #expect(narrowed.status == 0, "\(narrowed.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: narrowed.stdout) as? [String: Any])
        let warnings = try #require(summary["warnings"] as? [[String: Any]])
        #expect(
            Set(warnings.compactMap { $0["column"] as? String }) == Set(Self.generic.map(\.0)), "\(warnings)")
        #expect(warnings.allSatisfy { ($0["message"] as? String)?.contains("--infer-from-values") == true })
        let text = try ExportTestSupport.runCapturing(
            binary, ["export", path, "-o", directory.file("c.gz"), "--infer-from-values"])
        #expect(text.stderr.contains("warning: table tokens, column object_id: declared TEXT, narrowed to uuid"), "\(text.stderr)")
    }
}
