import AuthExport
import Foundation
import Testing

@testable import AuthExportPostgres

/// Restores of hand-written archives (SQLite-origin metadata) into a real PostgreSQL server.
@Suite struct RestoreTests {
    static let users = TableSchema(
        name: "users",
        columns: [
            Column(name: "id", type: .uuid, nullable: false, sourceType: "CHAR(32)", encoding: .hex32),
            Column(name: "email", type: .text, nullable: false, sourceType: "VARCHAR(255)", maxLength: 255),
            Column(name: "is_active", type: .boolean, nullable: false, sourceType: "BOOLEAN", encoding: .int01, defaultSQL: "1"),
            Column(name: "profile", type: .json, sourceType: "JSON", encoding: .text),
            Column(name: "created_at", type: .timestamp, nullable: false, sourceType: "DATETIME", encoding: .naiveText,
                   defaultSQL: "(CURRENT_TIMESTAMP)"),
            Column(name: "balance", type: .decimal, sourceType: "NUMERIC(10, 2)", encoding: .numericAffinity, precision: 10, scale: 2),
            Column(name: "score", type: .real, sourceType: "FLOAT"),
            Column(name: "avatar", type: .bytes, sourceType: "BLOB"),
            Column(name: "birthday", type: .date, sourceType: "DATE", encoding: .text),
            Column(name: "wake_up", type: .time, sourceType: "TIME", encoding: .text),
            Column(name: "login_count", type: .integer, nullable: false, sourceType: "INTEGER", defaultSQL: "0"),
        ],
        primaryKey: ["id"], uniqueConstraints: [UniqueConstraint(name: "uq_users_email", columns: ["email"])],
        indexes: [Index(name: "ix_users_created_at", columns: ["created_at"])],
        checks: [CheckConstraint(name: "ck_users_is_active", expression: "is_active IN (0, 1)"),
                 CheckConstraint(expression: "login_count >= 0")])

    static let sessions = TableSchema(
        name: "sessions",
        columns: [
            Column(name: "id", type: .integer, nullable: false, sourceType: "INTEGER", autoIncrement: true),
            Column(name: "user_id", type: .uuid, nullable: false, sourceType: "CHAR(32)", encoding: .hex32),
            Column(name: "token", type: .text, nullable: false, sourceType: "VARCHAR(64)", maxLength: 64),
            Column(name: "revoked", type: .boolean, nullable: false, sourceType: "BOOLEAN", encoding: .int01),
        ],
        primaryKey: ["id"], uniqueConstraints: [UniqueConstraint(columns: ["token"])],
        foreignKeys: [ForeignKey(columns: ["user_id"], referencedTable: "users", referencedColumns: ["id"], onDelete: "CASCADE")],
        indexes: [Index(name: "ix_sessions_active", columns: ["user_id"], predicate: "revoked = 0")])

    static let userRows: [[Value]] = [
        [.text("0b9e8a52-3c4f-4a8e-9a7e-2f6d7c1e4b10"), .text("ada@example.com"), .boolean(true), .json(#"{"tz":"Europe/London","tags":["a","b"]}"#),
         .text("2024-05-01T10:00:00.123456Z"), .text("12.1"), .real(0.1), .bytes([0, 1, 2, 255]), .text("1815-12-10"),
         .text("06:30:00"), .integer(42)],
        [.text("7c9e6679-7425-40de-944b-e07fc1f90ae7"), .text("zoë\t\\\"quote\"\nline@example.com"), .boolean(false), .json("null"),
         .text("1970-01-01T00:00:00Z"), .text("-99999999.99"), .real(-.infinity), .bytes([]), .null,
         .text("23:59:59.999999"), .integer(0)],
        [.text("00000000-0000-0000-0000-000000000000"), .text("nobody@example.com"), .boolean(true), .null,
         .text("2038-01-19T03:14:08Z"), .null, .real(.nan), .null, .text("2000-02-29"), .text("24:00:00"), .integer(2_147_483_647)],
    ]

    static let sessionRows: [[Value]] = [
        [.integer(1), .text("0b9e8a52-3c4f-4a8e-9a7e-2f6d7c1e4b10"), .text("tok-1"), .boolean(false)],
        [.integer(7), .text("0b9e8a52-3c4f-4a8e-9a7e-2f6d7c1e4b10"), .text("tok-7"), .boolean(true)],
        [.integer(3), .text("7c9e6679-7425-40de-944b-e07fc1f90ae7"), .text("tok-3"), .boolean(false)],
    ]

    static func writeAuthArchive(_ path: String) throws {
        try TestArchives.write(path, [(users, userRows), (sessions, sessionRows)])
    }

    @Test func restoresNativeTypesConstraintsAndEveryValue() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = dir.file("auth.authx.gz")
        try Self.writeAuthArchive(archive)

        let summary = try PostgresRestore.restore(archive: archive, to: db.url)
        #expect(summary.rows == 6)
        #expect(summary.tables.map(\.name) == ["users", "sessions"])
        #expect(summary.schema == "public")

        let types = Dictionary(
            uniqueKeysWithValues: try db.rows(
                "SELECT table_name || '.' || column_name, data_type || coalesce('(' || character_maximum_length || ')', '') "
                    + "|| coalesce('(' || numeric_precision || ',' || numeric_scale || ')', '') || ' ' || is_nullable "
                    + "FROM information_schema.columns WHERE table_schema = 'public'"
            ).map { ($0[0] ?? "", $0[1] ?? "") })
        #expect(types["users.id"] == "uuid NO")
        #expect(types["users.email"] == "character varying(255) NO")
        #expect(types["users.is_active"] == "boolean NO")
        #expect(types["users.profile"] == "jsonb YES")
        // Naive DATETIME text stays naive: timestamp without time zone (issue 22; --profile django makes it timestamptz).
        #expect(types["users.created_at"] == "timestamp without time zone NO")
        #expect(types["users.balance"] == "numeric(10,2) YES")
        #expect(types["users.score"] == "double precision(53,) YES" || types["users.score"]?.hasPrefix("double precision") == true)
        #expect(types["users.avatar"] == "bytea YES")
        #expect(types["users.birthday"] == "date YES")
        #expect(types["users.wake_up"] == "time without time zone YES")
        #expect(types["users.login_count"]?.hasPrefix("integer") == true)
        #expect(types["sessions.id"]?.hasPrefix("integer") == true)
        #expect(types["sessions.token"] == "character varying(64) NO")

        // Constraints, with their names and actions.
        let constraints = Set(try db.rows(
            "SELECT conrelid::regclass::text || ' ' || contype::text || ' ' || pg_get_constraintdef(oid) FROM pg_constraint "
                + "WHERE connamespace = 'public'::regnamespace").map { $0[0] ?? "" })
        #expect(constraints.contains("users p PRIMARY KEY (id)"))
        #expect(constraints.contains("users u UNIQUE (email)"))
        #expect(constraints.contains("users c CHECK ((login_count >= 0))"))
        #expect(constraints.contains("sessions p PRIMARY KEY (id)"))
        #expect(constraints.contains("sessions u UNIQUE (token)"))
        #expect(constraints.contains("sessions f FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE"))
        #expect(try db.value("SELECT conname FROM pg_constraint WHERE contype = 'u' AND conrelid = 'users'::regclass") == "uq_users_email")
        // The boolean IN (0, 1) check is implied by the type, and reported.
        #expect(!constraints.contains { $0.contains("is_active") })
        #expect(summary.notes.contains { $0.kind == .implied && $0.message.contains("is_active IN (0, 1)") })
        // Indexes keep their names; the partial index predicate is translated.
        let indexes = Set(try db.rows("SELECT indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public'").map { $0[0] ?? "" })
        #expect(indexes.contains("ix_users_created_at CREATE INDEX ix_users_created_at ON public.users USING btree (created_at)"))
        #expect(indexes.contains("ix_sessions_active CREATE INDEX ix_sessions_active ON public.sessions USING btree (user_id) WHERE (revoked = false)"))
        // Defaults that translate.
        #expect(try db.value("SELECT column_default FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'is_active'") == "true")
        #expect(try db.value("SELECT column_default FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'created_at'") == "CURRENT_TIMESTAMP")

        try RestoredData.expectEqual(archive: archive, db: db)

        // The auto-increment key is an identity column set past the highest restored value (7).
        #expect(try db.value("SELECT is_identity FROM information_schema.columns WHERE table_name = 'sessions' AND column_name = 'id'") == "YES")
        let newID = try db.value(
            "INSERT INTO sessions (user_id, token, revoked) VALUES ('0b9e8a52-3c4f-4a8e-9a7e-2f6d7c1e4b10', 'tok-new', false) RETURNING id")
        #expect(newID == "8")
        // Defaults work for an INSERT that leaves columns out.
        let inserted = try db.rows(
            "INSERT INTO users (id, email) VALUES (gen_random_uuid(), 'new@example.com') RETURNING is_active::text, login_count::text, created_at IS NOT NULL")
        #expect(inserted.first == ["true", "0", "t"])
        // Statistics were gathered.
        #expect(try db.value("SELECT count(*) FROM pg_stats WHERE schemaname = 'public' AND tablename = 'users'") != "0")
    }

    @Test func dryRunPrintsThePlanWithoutADatabase() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let archive = dir.file("auth.authx.gz")
        try Self.writeAuthArchive(archive)
        let plan = try PostgresRestore.plan(archive: archive)
        #expect(plan.sql.contains("CREATE TABLE \"public\".\"users\" (\n    \"id\" uuid NOT NULL,"))
        #expect(plan.sql.contains("COPY \"public\".\"sessions\" (\"id\", \"user_id\", \"token\", \"revoked\") FROM STDIN (FORMAT binary, FREEZE);"))
        #expect(plan.sql.contains("-- 3 rows of sessions"))
        #expect(plan.sql.contains("ALTER TABLE \"public\".\"sessions\" ADD FOREIGN KEY (\"user_id\") REFERENCES \"public\".\"users\" (\"id\") ON DELETE CASCADE;"))
        #expect(plan.sql.contains("ALTER TABLE \"public\".\"sessions\" ALTER COLUMN \"id\" ADD GENERATED BY DEFAULT AS IDENTITY;"))
        // ANALYZE runs after the commit (statistics do not change the data).
        let commit = try #require(plan.sql.firstRange(of: "\nCOMMIT;"))
        let analyze = try #require(plan.sql.firstRange(of: "ANALYZE \"public\".\"users\";"))
        #expect(commit.lowerBound < analyze.lowerBound)
        // The plan runs as is in psql-compatible order: BEGIN first.
        #expect(plan.sql.contains("BEGIN;"))
        #expect(plan.tables.map(\.rows) == [3, 3])
    }

    @Test func schemaOptionCreatesTheSchemaAndPutsEverythingThere() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = dir.file("auth.authx.gz")
        try Self.writeAuthArchive(archive)
        var options = PostgresRestore.Options()
        options.schema = "Auth Data"
        let summary = try PostgresRestore.restore(archive: archive, to: db.url, options: options)
        #expect(summary.schema == "Auth Data")
        #expect(try db.value("SELECT count(*) FROM pg_tables WHERE schemaname = 'Auth Data'") == "2")
        #expect(try db.value("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == "0")
        #expect(try db.value("SELECT count(*) FROM pg_indexes WHERE schemaname = 'Auth Data'") == "6")
        try RestoredData.expectEqual(archive: archive, db: db, schema: "Auth Data")
        let id = try db.value(
            "INSERT INTO \"Auth Data\".sessions (user_id, token, revoked) VALUES ('0b9e8a52-3c4f-4a8e-9a7e-2f6d7c1e4b10', 'x', true) RETURNING id")
        #expect(id == "8")
    }

    @Test func tableFilterAndForeignKeysToTablesLeftOut() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = dir.file("auth.authx.gz")
        try Self.writeAuthArchive(archive)
        var options = PostgresRestore.Options()
        options.tables = TableFilter(exclude: ["users"])
        let summary = try PostgresRestore.restore(archive: archive, to: db.url, options: options)
        #expect(summary.tables.map(\.name) == ["sessions"])
        #expect(try db.value("SELECT count(*) FROM sessions") == "3")
        #expect(try db.value("SELECT to_regclass('public.users')") == nil)
        #expect(summary.notes.contains { $0.kind == .notRestored && $0.message.contains("foreign key (user_id) → users") })

        // Restoring users afterwards into the same database: the FK from sessions is not in this run, but the
        // users table is new and nothing collides.
        options.tables = TableFilter(include: ["users"])
        let second = try PostgresRestore.restore(archive: archive, to: db.url, options: options)
        #expect(second.tables.map(\.name) == ["users"])
        #expect(try db.value("SELECT count(*) FROM users") == "3")
    }

    @Test func unmatchedTablePatternIsAnError() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = dir.file("auth.authx.gz")
        try Self.writeAuthArchive(archive)
        var options = PostgresRestore.Options()
        options.tables = TableFilter(include: ["user"])
        let error = #expect(throws: PostgresError.self) { try PostgresRestore.restore(archive: archive, to: db.url, options: options) }
        #expect(error?.code == .invalidOptions)
        #expect(error?.message.contains("user") == true)
        #expect(try db.value("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == "0")
    }

    @Test func schemaOnlyCreatesEmptyTablesWithEverythingElse() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = dir.file("auth.authx.gz")
        try Self.writeAuthArchive(archive)
        var options = PostgresRestore.Options()
        options.schemaOnly = true
        let summary = try PostgresRestore.restore(archive: archive, to: db.url, options: options)
        #expect(summary.rows == 0)
        #expect(try db.value("SELECT count(*) FROM users") == "0")
        #expect(try db.value("SELECT count(*) FROM pg_constraint WHERE contype = 'f'") == "1")
        let id = try db.value(
            "INSERT INTO users (id, email) VALUES (gen_random_uuid(), 'a@b') RETURNING (SELECT 1)")
        #expect(id == "1")
    }

    @Test func dataOnlyLoadsIntoExistingTablesInAnyOrder() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = dir.file("auth.authx.gz")
        // sessions (referencing users) comes FIRST in this archive.
        try TestArchives.write(archive, [(Self.sessions, Self.sessionRows), (Self.users, Self.userRows)])
        var schemaOnly = PostgresRestore.Options()
        schemaOnly.schemaOnly = true
        _ = try PostgresRestore.restore(archive: archive, to: db.url, options: schemaOnly)
        var dataOnly = PostgresRestore.Options()
        dataOnly.dataOnly = true
        let summary = try PostgresRestore.restore(archive: archive, to: db.url, options: dataOnly)
        #expect(summary.rows == 6)
        try RestoredData.expectEqual(archive: archive, db: db)
        // The foreign key set aside for the load is back, validated.
        #expect(try db.value("SELECT convalidated::text FROM pg_constraint WHERE contype = 'f'") == "true")
        let id = try db.value(
            "INSERT INTO sessions (user_id, token, revoked) VALUES ('0b9e8a52-3c4f-4a8e-9a7e-2f6d7c1e4b10', 'n', true) RETURNING id")
        #expect(id == "8")
    }

    @Test func cleanReplacesExistingTablesAtomically() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = dir.file("auth.authx.gz")
        try Self.writeAuthArchive(archive)
        _ = try PostgresRestore.restore(archive: archive, to: db.url)
        try db.execute("DELETE FROM sessions; INSERT INTO users (id, email) VALUES (gen_random_uuid(), 'extra@example.com')")
        var options = PostgresRestore.Options()
        options.clean = true
        _ = try PostgresRestore.restore(archive: archive, to: db.url, options: options)
        try RestoredData.expectEqual(archive: archive, db: db)
        #expect(try db.value("SELECT count(*) FROM users WHERE email = 'extra@example.com'") == "0")
        // No leftover temporary tables; constraint names are the original ones.
        #expect(try db.value("SELECT count(*) FROM pg_class WHERE relname LIKE 'authx_restore%'") == "0")
        #expect(try db.value("SELECT count(*) FROM pg_constraint WHERE conname = 'uq_users_email'") == "1")
    }

    /// With `--jobs`, the widening travels from the reading thread to the loading connection between the COPY
    /// data already queued (20,000 rows, several 256 KiB chunks, come first) and the rows after it.
    @Test(arguments: [1, 2])
    func valuesThatDoNotFitTheDeclaredTypeWidenTheColumnAndAreReported(jobs: Int) throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = dir.file("w.authx.gz")
        let table = TableSchema(
            name: "t",
            columns: [
                Column(name: "id", type: .integer, nullable: false, sourceType: "INTEGER", autoIncrement: true),
                Column(name: "code", type: .text, sourceType: "VARCHAR(3)", maxLength: 3),
                Column(name: "price", type: .decimal, sourceType: "NUMERIC(5,2)", encoding: .numericAffinity, precision: 5, scale: 2),
                Column(name: "small", type: .integer, sourceType: "SMALLINT"),
            ], primaryKey: ["id"])
        let filler: [[Value]] = (0..<20_000).map { [.integer(Int64(10 + $0)), .text("f\($0 % 100)"), .text("1.00"), .integer(0)] }
        try TestArchives.write(archive, [(table, filler + [
            [.integer(1), .text("abc"), .text("1.50"), .integer(1)],
            [.integer(2), .text("àéî"), .text("999.99"), .integer(40000)],
            [.integer(5_000_000_000), .text("abcd"), .text("0.125"), .integer(-3)],
        ])])
        let summary = try PostgresRestore.restore(archive: archive, to: db.url, options: .jobs(jobs))
        let types = Dictionary(uniqueKeysWithValues: try db.rows(
            "SELECT column_name, format_type(atttypid, atttypmod) FROM information_schema.columns c JOIN pg_attribute a "
                + "ON a.attrelid = 'public.t'::regclass AND a.attname = c.column_name WHERE table_name = 't'").map { ($0[0] ?? "", $0[1] ?? "") })
        #expect(types["id"] == "bigint")
        #expect(types["code"] == "text")
        #expect(types["price"] == "numeric")
        #expect(types["small"] == "integer")
        #expect(summary.notes.filter { $0.kind == .typeChanged }.count == 4)
        #expect(summary.notes.contains { $0.message.contains("column code: varchar(3) widened to text (row 20003") })
        #expect(summary.rows == 20_003)
        try RestoredData.expectEqual(archive: archive, db: db)
        #expect(try db.value("INSERT INTO t (code) VALUES ('x') RETURNING id") == "5000000001")
    }

    @Test func reservedMixedCaseAndOverlongNamesAreQuotedAndRenamedDeterministically() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = dir.file("names.authx.gz")
        let long = String(repeating: "x", count: 70)
        let user = TableSchema(
            name: "user",
            columns: [Column(name: "id", type: .integer, nullable: false, sourceType: "INTEGER", autoIncrement: true),
                      Column(name: "Order", type: .text), Column(name: "select\"quote", type: .text)],
            primaryKey: ["id"], indexes: [Index(name: "IX_User_Order", columns: ["Order"])])
        let references = TableSchema(
            name: "references",
            columns: [Column(name: long + "_a", type: .integer), Column(name: long + "_b", type: .integer),
                      Column(name: "user_id", type: .integer)],
            foreignKeys: [ForeignKey(columns: ["user_id"], referencedTable: "user", referencedColumns: [])])
        try TestArchives.write(archive, [
            (user, [[.integer(1), .text("first"), .text("q")]]),
            (references, [[.integer(1), .integer(2), .integer(1)]]),
        ])
        let summary = try PostgresRestore.restore(archive: archive, to: db.url)
        #expect(try db.value("SELECT \"Order\" FROM \"user\"") == "first")
        #expect(try db.value("SELECT indexname FROM pg_indexes WHERE tablename = 'user' AND indexname <> 'user_pkey'") == "IX_User_Order")
        let a = IdentifierMap.shortened(long + "_a")
        let b = IdentifierMap.shortened(long + "_b")
        #expect(a != b)
        #expect(a.utf8.count <= 63 && b.utf8.count <= 63)
        #expect(try db.value("SELECT \(PGConnection.quoteIdentifier(b))::text FROM \"references\"") == "2")
        #expect(summary.notes.filter { $0.kind == .renamed }.count == 2)
        #expect(summary.notes.contains { $0.message.contains("created as \"\(a)\"") })
        // Deterministic: the same name always gets the same rename.
        #expect(IdentifierMap.shortened(long + "_a") == a)
        #expect(try db.value("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = '\"references\"'::regclass") == "1")
    }

    @Test func namesThatWouldCollideAreRefused() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = dir.file("collide.authx.gz")
        let long = String(repeating: "n", count: 64)
        let first = TableSchema(name: long, columns: [Column(name: "a", type: .integer)])
        let second = TableSchema(name: IdentifierMap.shortened(long), columns: [Column(name: "a", type: .integer)])
        try TestArchives.write(archive, [(first, [[.integer(1)]]), (second, [[.integer(2)]])])
        let before = try db.snapshot()
        let error = #expect(throws: PostgresError.self) { try PostgresRestore.restore(archive: archive, to: db.url) }
        #expect(error?.code == .invalidIdentifier)
        #expect(error?.description.contains("would both be named") == true)
        #expect(try db.snapshot() == before)
    }

    @Test func viewsAreTranslatedAndTriggersReported() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = dir.file("views.authx.gz")
        let products = TableSchema(
            name: "Products",
            columns: [Column(name: "id", type: .integer, nullable: false), Column(name: "Name", type: .text),
                      Column(name: "active", type: .boolean, sourceType: "BOOLEAN", encoding: .int01)],
            primaryKey: ["id"])
        try TestArchives.write(
            archive, [(products, [[.integer(1), .text("a"), .boolean(true)], [.integer(2), .text("b"), .boolean(false)]])],
            objects: [
                SchemaObject(type: "view", name: "active_products", sql: "CREATE VIEW active_products AS SELECT id, name FROM products WHERE active = 1"),
                SchemaObject(type: "view", name: "odd", sql: "CREATE VIEW odd AS SELECT julianday('now') AS j"),
                SchemaObject(type: "trigger", name: "touch", table: "Products",
                             sql: "CREATE TRIGGER touch AFTER UPDATE ON Products BEGIN UPDATE Products SET Name = Name; END"),
            ])
        let summary = try PostgresRestore.restore(archive: archive, to: db.url)
        #expect(try db.rows("SELECT * FROM active_products") == [["1", "a"]])
        #expect(summary.notes.contains { $0.kind == .translated && $0.message.contains("active_products") })
        #expect(summary.notes.contains { $0.kind == .notRestored && $0.message.contains("view odd left out: function julianday") })
        #expect(summary.notes.contains { $0.kind == .notRestored && $0.message.contains("trigger touch on table Products") })
        #expect(try db.value("SELECT to_regclass('public.odd')") == nil)
    }
}
