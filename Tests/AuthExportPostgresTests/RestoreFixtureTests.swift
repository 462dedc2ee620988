import AuthExport
import Foundation
import Testing

@testable import AuthExportPostgres

/// The SQL fixtures (ORM-style auth databases and the corpus quirks) and the third-party SQLite corpus:
/// exported with authx, restored into PostgreSQL, every value compared with the archive.
@Suite struct RestoreFixtureTests {
    static let fixtures = [
        "sample_auth", "sqlalchemy_style", "django_style", "edge_values", "quirks_bad_utf8", "quirks_identifiers",
        "quirks_keys", "quirks_types", "quirks_views",
    ]

    /// Rows go from the archive line straight into the COPY data, in either COPY format (each has its own
    /// encoders), so every fixture is restored and compared in both.
    @Test(arguments: fixtures, [PostgresRestore.CopyFormat.binary, .text])
    func fixtureRestoresWithEveryValue(name: String, format: PostgresRestore.CopyFormat) throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = try TestArchives.fixtureArchive(name, in: dir)
        var options = PostgresRestore.Options()
        options.copyFormat = format
        let summary = try PostgresRestore.restore(archive: archive, to: db.url, options: options)
        #expect(!summary.tables.isEmpty)
        try RestoredData.expectEqual(archive: archive, db: db)
        try Self.expectKeysAndSequences(archive: archive, db: db, summary: summary)
        if format == .binary {
            try Self.expectExportBack(db: db, dir: dir, tables: summary.tables.count)
            try VerifyAgainstTests.expectMatch(archive: archive, db: db)  // verify --against
        }
    }

    /// Exporting the restored database from PostgreSQL gives an archive that verifies (keys included) and equals
    /// the database value by value: the PostgreSQL export on every fixture and corpus database.
    static func expectExportBack(db: TestDatabase, dir: TempDir, tables: Int) throws {
        let back = dir.file("back.authx.gz")
        let summary = try PostgresExport.export(from: db.url, to: .file(path: back, overwrite: true))
        #expect(summary.tables.count == tables)
        var options = ArchiveVerifier.Options()
        options.checkKeys = true
        let report = try ArchiveVerifier(path: back, options: options).run()
        #expect(report.isValid, "\(report.problems)")
        try RestoredData.expectEqual(archive: back, db: db)
    }

    /// Every primary key, UNIQUE constraint and foreign key of the archive exists (or a note says why not), and
    /// every identity sequence would hand out a value above the highest restored one.
    static func expectKeysAndSequences(archive: String, db: TestDatabase, summary: PostgresRestore.Summary) throws {
        let listing = try ArchiveListing(path: archive)
        for (schema, _) in listing.tables {
            let table = try IdentifierMap.pgName(schema.name, kind: "table")
            let regclass = PGConnection.quoteIdentifier("public") + "." + PGConnection.quoteIdentifier(table)
            func count(_ type: String) throws -> Int {
                Int(try db.value("SELECT count(*) FROM pg_constraint WHERE conrelid = $1::regclass AND contype = $2", [regclass, type]) ?? "") ?? -1
            }
            let noted = { (what: String) in summary.notes.contains { $0.table == schema.name && $0.message.contains(what) } }
            if !schema.primaryKey.isEmpty {
                #expect(try count("p") == 1 || noted("primary key"), "table \(schema.name): primary key missing")
            }
            #expect(
                try count("u") >= schema.uniqueConstraints.count,
                "table \(schema.name): \(schema.uniqueConstraints.count) UNIQUE constraints expected")
            let fkNotes = summary.notes.filter { $0.table == schema.name && $0.message.contains("foreign key") }.count
            #expect(
                try count("f") + fkNotes == schema.foreignKeys.count,
                "table \(schema.name): \(schema.foreignKeys.count) foreign keys expected")
            let indexNotes = summary.notes.filter { $0.table == schema.name && $0.message.contains("index ") }.count
            let indexes = try Int(db.value(
                "SELECT count(*) FROM pg_indexes WHERE schemaname = 'public' AND tablename = $1 AND indexname = ANY($2::text[])",
                [table, "{" + schema.indexes.map { "\"\(try IdentifierMap.pgName($0.name, kind: "index"))\"" }.joined(separator: ",") + "}"]) ?? "") ?? -1
            #expect(indexes + indexNotes == schema.indexes.count, "table \(schema.name): indexes with their original names")
            for row in try db.rows(
                "SELECT attname, pg_get_serial_sequence($1::text, attname::text) FROM pg_attribute "
                    + "WHERE attrelid = $2::regclass AND attnum > 0 AND attidentity <> ''", [regclass, regclass])
            {
                guard let column = row[0], let sequence = row[1] else { continue }
                let q = PGConnection.quoteIdentifier(column)
                // A key at the type's maximum leaves the sequence nothing to hand out (SQLite fails there too).
                let atMaximum = try db.value(
                    "SELECT (SELECT max(\(q)) FROM \(regclass)) = (SELECT max_value FROM pg_sequences WHERE format('%I.%I', schemaname, sequencename) = $1 OR sequencename = $1)",
                    [sequence.replacingOccurrences(of: "public.", with: "")])
                if atMaximum == "t" { continue }
                // Past the highest restored value and past the source's own counter (sqlite_sequence), which is
                // higher when rows were deleted: a deleted row's id must not be handed out again.
                let ok = try db.value(
                    "SELECT (SELECT nextval($1::regclass)) > greatest(coalesce((SELECT max(\(q)) FROM \(regclass)), 0), \(schema.sequenceValue ?? 0))",
                    [sequence])
                #expect(ok == "t", "table \(schema.name): the sequence of \(column) is not past the highest value and the recorded sequence")
            }
        }
    }

    @Test func parallelJobsRestoreTheSameAndLeaveNoStagingSchema() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        for name in ["sample_auth", "sqlalchemy_style", "quirks_types", "quirks_keys"] {
            let db = try TestDatabase()
            defer { db.drop() }
            let archive = try TestArchives.fixtureArchive(name, in: dir)
            var options = PostgresRestore.Options()
            options.jobs = 3
            options.schema = "app"
            let summary = try PostgresRestore.restore(archive: archive, to: db.url, options: options)
            try RestoredData.expectEqual(archive: archive, db: db, schema: "app")
            #expect(try db.value("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'authx_restore%'") == "0")
            let serial = try PostgresRestore.restore(archive: archive, to: db.url, options: { var o = PostgresRestore.Options(); o.schema = "serial"; return o }())
            #expect(summary.rows == serial.rows)
            // The same schema either way: columns, constraints and indexes.
            let shape = """
                SELECT string_agg(x, E'\n' ORDER BY x) FROM (
                  SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') AS x
                  FROM information_schema.columns WHERE table_schema = $1
                  UNION ALL SELECT conrelid::regclass::text || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = $1::regnamespace
                  UNION ALL SELECT indexname || ' ' || replace(indexdef, $1 || '.', '') FROM pg_indexes WHERE schemaname = $1) s
                """
            func normalized(_ schema: String) throws -> [String] {
                (try db.value(shape, [schema]) ?? "").split(separator: "\n")
                    .map { $0.replacingOccurrences(of: schema + ".", with: "") }.sorted()
            }
            let parallelShape = try normalized("app")
            let serialShape = try normalized("serial")
            #expect(parallelShape == serialShape, "\(name): --jobs 3 and --jobs 1 give the same schema")
        }
    }

    @Test func ormStyleDatabasesAcceptInsertsWithoutIDs() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let django = try TestDatabase()
        defer { django.drop() }
        _ = try PostgresRestore.restore(archive: TestArchives.fixtureArchive("django_style", in: dir), to: django.url)
        let maxGroup = try Int(django.value("SELECT max(id) FROM auth_group") ?? "0") ?? 0
        let groupID = try Int(django.value("INSERT INTO auth_group (name) VALUES ('after-migration') RETURNING id") ?? "") ?? 0
        #expect(groupID > maxGroup)
        let userID = try django.value(
            """
            INSERT INTO auth_user (password, is_superuser, username, last_name, email, is_staff, is_active, date_joined, first_name)
            VALUES ('pbkdf2_sha256$1$x$y', false, 'new-user', '', 'n@example.com', false, true, now(), '') RETURNING id
            """)
        #expect(userID != nil)

        let alchemy = try TestDatabase()
        defer { alchemy.drop() }
        _ = try PostgresRestore.restore(archive: TestArchives.fixtureArchive("sqlalchemy_style", in: dir), to: alchemy.url)
        let token = try alchemy.value(
            """
            INSERT INTO oauth_tokens (account_id, client_id, access_token, scopes, issued_at, expires_at, revoked)
            VALUES (1, 'cli', 'at_new', '[]', now(), now(), false) RETURNING id
            """)
        // The highest restored id is 5, but the source's sqlite_sequence says 6 was handed out (and deleted):
        // like SQLite's AUTOINCREMENT, the restored sequence never hands out a deleted row's id again.
        #expect(token == "7")
        // The UUID key is a native uuid: queried with a uuid literal, joined through the foreign key.
        #expect(try alchemy.value(
            "SELECT count(*) FROM memberships m JOIN organizations o ON o.id = m.organization_id WHERE o.id = '0f8e2c61-a3b9-4d7c-9e15-b2a4c6d8e0f1'") == "2")
    }

    static func corpusFiles() -> [String] {
        guard let dir = TestArchives.corpusDirectory,
            let names = try? FileManager.default.contentsOfDirectory(atPath: dir)
        else { return ["<corpus not found>"] }
        return names.filter { $0.hasSuffix(".db") || $0.hasSuffix(".sqlite") }.sorted()
    }

    @Test(
        .enabled(if: TestArchives.corpusDirectory != nil, "corpus suite NOT RUN: ../shared/corpus not found"),
        arguments: corpusFiles())
    func corpusDatabaseRestoresWithEveryValue(file: String) throws {
        let corpus = try #require(TestArchives.corpusDirectory)
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        // The corpus is read-only: work on a copy.
        let copy = dir.file(file)
        try FileManager.default.copyItem(atPath: corpus + "/" + file, toPath: copy)
        let archive = try TestArchives.export(copy, in: dir)
        let summary = try PostgresRestore.restore(archive: archive, to: db.url)
        #expect(!summary.tables.isEmpty)
        try RestoredData.expectEqual(archive: archive, db: db)
        try Self.expectKeysAndSequences(archive: archive, db: db, summary: summary)
        try Self.expectExportBack(db: db, dir: dir, tables: summary.tables.count)
        try VerifyAgainstTests.expectMatch(archive: archive, db: db)  // verify --against
    }
}
