import AuthExport
import AuthExportSQLite
import Foundation
import Testing

@testable import AuthExportPostgres

/// `authx export --schema-only` (issue 15): every table's schema and no rows, from SQLite and from PostgreSQL; the
/// archive passes `verify`, and its restore makes the empty schema the full archive's restore makes.
@Suite struct SchemaOnlyExportTests {
    typealias CLI = CommandLineDefectTests

    /// The table records of an archive, sequence values left out, and its objects.
    static func schema(_ archive: String) throws -> (tables: [TableSchema], objects: [SchemaObject], rows: Int) {
        var (_, tables, objects) = try PostgresExportTests.read(archive)
        for i in tables.indices { tables[i].sequenceValue = nil }
        var rows = 0
        let reader = try ArchiveReader(path: archive)
        while let record = try reader.next() { if case .row = record { rows += 1 } }
        return (tables, objects, rows)
    }

    @Test func fromSQLiteTheSchemaOfAFullExportWithNoRows() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let full = try TestArchives.fixtureArchive("sample_auth", in: dir)
        let database = dir.file("sample_auth.sqlite")
        let archive = dir.file("schema.authx.gz")
        let exported = try CLI.authx(["export", database, "-o", archive, "--schema-only"])
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(exported.stderr.contains("schema only (no rows)"), "\(exported.stderr)")
        let verified = try CLI.authx(["verify", archive])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")

        let whole = try Self.schema(full)
        let bare = try Self.schema(archive)
        #expect(whole.rows > 0 && bare.rows == 0)
        #expect(bare.tables == whole.tables, "the same table records (columns, types, keys, indexes) as a full export")
        #expect(bare.objects == whole.objects)
        let (_, rawTables, _) = try PostgresExportTests.read(archive)
        #expect(rawTables.allSatisfy { $0.sequenceValue == nil }, "sequence values are data: left out")

        // -s, and --json says so.
        let json = try CLI.authx(["export", database, "-o", dir.file("s2.gz"), "-s", "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(summary?["schema_only"] as? Bool == true && summary?["rows"] as? Int == 0)

        // Restored: the empty schema the full archive's restore makes.
        func objects(_ path: String) throws -> [String] {
            let db = try SQLiteConnection(path: path, mode: .readOnly)
            defer { try? db.close() }
            return try db.query("SELECT type || ' ' || name FROM sqlite_master ORDER BY type, name").compactMap { $0.first?.string }
        }
        let fromFull = dir.file("full.db")
        let fromSchema = dir.file("empty.db")
        #expect(try CLI.authx(["restore", full, "--to", fromFull]).status == 0)
        let restored = try CLI.authx(["restore", archive, "--to", fromSchema])
        #expect(restored.status == 0, "\(restored.stderr)")
        let names = try objects(fromSchema)
        let fullNames = try objects(fromFull)
        #expect(names == fullNames && names.contains("index ix_sessions_active"))
        let db = try SQLiteConnection(path: fromSchema, mode: .readOnly)
        defer { try? db.close() }
        for table in whole.tables {
            let count = try db.query("SELECT count(*) FROM " + "\"" + table.name.replacingOccurrences(of: "\"", with: "\"\"") + "\"").first?.first?.integer
            #expect(count == 0, "\(table.name)")
        }
    }

    @Test func fromPostgreSQLRestoresTheEmptySchema() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let source = try TestDatabase()
        defer { source.drop() }
        try source.execute(PostgresExportTests.schemaSQL)
        let archive = dir.file("pg-schema.authx.gz")
        let exported = try CLI.authx(["export", source.url, "-o", archive, "--schema-only"])
        #expect(exported.status == 0, "\(exported.stderr)")
        let verified = try CLI.authx(["verify", archive])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        let bare = try Self.schema(archive)
        #expect(bare.rows == 0 && bare.tables.map(\.name).sorted() == ["audit", "sessions", "users"])

        // Restored: the schema the full archive's restore makes (serial defaults included), and no rows.
        let full = dir.file("pg-full.authx.gz")
        #expect(try CLI.authx(["export", source.url, "-o", full]).status == 0)
        let reference = try TestDatabase()
        defer { reference.drop() }
        #expect(try CLI.authx(["restore", full, "--to", reference.url]).status == 0)
        let target = try TestDatabase()
        defer { target.drop() }
        let restored = try CLI.authx(["restore", archive, "--to", target.url])
        #expect(restored.status == 0, "\(restored.stderr)")
        let columns = try CatalogSnapshot.columns(target)
        let referenceColumns = try CatalogSnapshot.columns(reference)
        #expect(!columns.isEmpty && columns == referenceColumns)
        #expect(try CatalogSnapshot.constraints(target) == (try CatalogSnapshot.constraints(reference)))
        #expect(try target.value("SELECT count(*) FROM pg_indexes WHERE schemaname = 'public'") == (try reference.value("SELECT count(*) FROM pg_indexes WHERE schemaname = 'public'")))
        for table in ["users", "sessions", "audit"] {
            #expect(try target.value("SELECT count(*) FROM \(table)") == "0", "\(table)")
        }
        #expect(try target.value("SELECT count(*) FROM pg_views WHERE viewname = 'active_users'") == "1")
        // The serial column starts afresh: the source's sequence value is not carried.
        try target.execute("INSERT INTO audit (what) VALUES ('first')")
        #expect(try target.value("SELECT id FROM audit") == "1")
    }
}
