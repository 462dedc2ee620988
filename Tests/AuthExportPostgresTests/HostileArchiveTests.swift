import Foundation
import Testing

import AuthExport
@testable import AuthExportPostgres

/// SQL texts in an archive (CHECK expressions, index predicates, view bodies) are data: a hostile archive must not
/// be able to run a statement of its own (B9 in spec/OPEN-QUESTIONS.md).
@Suite struct HostileArchiveTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path + "/Fixtures/valid/hostile-sql-texts.authx.gz"

    @Test func sqlTextsCannotChainStatements() throws {
        let db = try TestDatabase()
        defer { db.drop() }
        // The restore may succeed (reporting what it could not translate) or fail; either way nothing injected runs.
        _ = try? PostgresRestore.restore(archive: Self.fixture, to: db.url)
        let injected = try db.value("SELECT count(*) FROM pg_class WHERE relname LIKE 'injected%'")
        #expect(injected == "0", "a statement smuggled in an archive's SQL text was executed")
    }

    /// With `--jobs`, a table's default, CHECK and index statements run on a loading connection that commits
    /// into the staging schema, which is dropped afterwards: the smuggled statements here name `public`, so
    /// they would leave a trace however the restore ends.
    @Test func sqlTextsCannotChainStatementsOnLoadingConnections() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = dir.file("hostile-jobs.authx.gz")
        func smuggle(_ name: String) -> String { "CREATE TABLE public.injected_\(name) (x integer)" }
        let table = TableSchema(
            name: "t",
            columns: [
                Column(name: "id", type: .integer, nullable: false, sourceType: "INTEGER"),
                Column(name: "n", type: .integer, sourceType: "INTEGER", defaultSQL: "0); \(smuggle("default")); SELECT (1"),
            ],
            primaryKey: ["id"],
            indexes: [Index(name: "ix_where", columns: ["n"], predicate: "n > 0; \(smuggle("where"))")],
            checks: [CheckConstraint(expression: "id > 0); \(smuggle("check")); SELECT (1")])
        try TestArchives.write(archive, [(table, [[.integer(1), .integer(2)], [.integer(2), .null]])])
        var options = PostgresRestore.Options()
        options.jobs = 2
        _ = try? PostgresRestore.restore(archive: archive, to: db.url, options: options)
        let injected = try db.value("SELECT count(*) FROM pg_class WHERE relname LIKE 'injected%'")
        #expect(injected == "0", "a statement smuggled in an archive's SQL text was executed by a loading connection")
    }
}

/// Archives whose CHECK, DEFAULT, index and view texts try to act on the database (issue 16): the crafted archives
/// of `Fixtures/hostile` (scripts/make-hostile-fixtures). Nothing of them may run, in a restore or in a printed plan.
@Suite struct HostileExpressionTests {
    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path + "/Fixtures/hostile/\(name).authx.gz"
    }

    /// A CHECK calling `setval` on the application's sequence, in a restore that then fails (a dangling foreign
    /// key): the sequence keeps its value, because the CHECK never reaches PostgreSQL.
    @Test func checkCannotMoveASequence() throws {
        let db = try TestDatabase()
        defer { db.drop() }
        try db.execute("CREATE SEQUENCE app_users_id_seq; SELECT setval('app_users_id_seq', 100)")
        #expect(throws: (any Error).self) { try PostgresRestore.restore(archive: Self.fixture("setval-check"), to: db.url) }
        #expect(try db.value("SELECT last_value::text || ' ' || is_called::text FROM app_users_id_seq") == "100 true")
        #expect(try db.value("SELECT count(*) FROM pg_class WHERE relname IN ('t', 'child')") == "0")
    }

    /// The same CHECK in a restore that succeeds: left out with a note naming the function, never sent.
    @Test func checkWithAFunctionOffTheAllowListIsLeftOutWithANote() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        try db.execute("CREATE SEQUENCE app_users_id_seq; SELECT setval('app_users_id_seq', 100)")
        let archive = dir.file("setval.authx.gz")
        let table = TableSchema(
            name: "t", columns: [Column(name: "id", type: .integer, nullable: false, sourceType: "INTEGER")],
            primaryKey: ["id"],
            checks: [
                CheckConstraint(expression: "setval('app_users_id_seq', 1, false) IS NOT NULL"),
                CheckConstraint(expression: "nextval('app_users_id_seq') > 0"),
                CheckConstraint(expression: "id > 0"),
            ])
        try TestArchives.write(archive, [(table, [[.integer(1)]])])
        let summary = try PostgresRestore.restore(archive: archive, to: db.url)
        #expect(try db.value("SELECT last_value::text FROM app_users_id_seq") == "100")
        let notes = summary.notes.map(\.message)
        #expect(notes.contains { $0.contains("setval") && $0.contains("left out") && $0.contains("allow-list") }, "\(notes)")
        #expect(notes.contains { $0.contains("nextval") && $0.contains("left out") }, "\(notes)")
        #expect(try db.value("SELECT count(*) FROM pg_constraint WHERE contype = 'c' AND conrelid = 'public.t'::regclass") == "1")
    }

    /// `strictSQL` (`--strict-sql`), as for a SQLite restore: archive SQL outside the allow-list (a CHECK calling
    /// `setval`, a view with a sub-query, a DEFAULT calling `nextval` on another sequence) fails the restore before its
    /// commit, naming the object, with either loading path; the database is unchanged and the sequence untouched.
    /// Without it the same archive restores with notes. The CLI exits 1 (an unsafe archive, the SQLite code).
    @Test(arguments: [1, 2]) func strictSQLRefusesArchiveSQLOutsideTheAllowList(jobs: Int) throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        try db.execute("CREATE SEQUENCE app_users_id_seq; SELECT setval('app_users_id_seq', 100)")
        let archive = dir.file("strict.authx.gz")
        let table = TableSchema(
            name: "t",
            columns: [
                Column(name: "id", type: .integer, nullable: false, sourceType: "INTEGER"),
                Column(name: "n", type: .integer, sourceType: "INTEGER", defaultSQL: "(length('x'))"),
            ],
            primaryKey: ["id"],
            checks: [CheckConstraint(expression: "id > 0"), CheckConstraint(expression: "setval('public.app_users_id_seq', 1) > 0")])
        let view = SchemaObject(type: "view", name: "v", sql: "CREATE VIEW v AS SELECT id FROM t WHERE id IN (SELECT 1)")
        try TestArchives.write(archive, [(table, [[.integer(1), .integer(2)]])], objects: [view])
        let before = try db.snapshot()

        var options = PostgresRestore.Options()
        options.jobs = jobs
        options.strictSQL = true
        let error = #expect(throws: ArchiveError.self) { try PostgresRestore.restore(archive: archive, to: db.url, options: options) }
        #expect(error?.code == .badRecord)
        let text = error?.description ?? ""
        #expect(text.contains("table t: CHECK (setval('public.app_users_id_seq', 1) > 0) left out"), "\(text)")
        #expect(text.contains("--strict-sql refuses archive SQL outside the allow-list (and 1 more such objects)"), "\(text)")
        let after = try db.snapshot()
        #expect(after == before, "\(Set(after).symmetricDifference(before))")
        #expect(try db.value("SELECT last_value::text || ' ' || is_called::text FROM app_users_id_seq") == "100 true")

        options.strictSQL = false
        let summary = try PostgresRestore.restore(archive: archive, to: db.url, options: options)
        #expect(summary.notes.filter(\.isOutsideAllowList).count == 2, "\(summary.notes)")
        #expect(try db.value("SELECT last_value::text FROM app_users_id_seq") == "100")

        let cli = try TestProgram.run("authx", ["restore", archive, "--to", db.url, "--schema", "strict", "--strict-sql"])
        #expect(cli.status == 1, "\(cli.stderr)")
        #expect(cli.stderr.contains("--strict-sql refuses"), "\(cli.stderr)")
        #expect(try db.value("SELECT count(*) FROM pg_namespace WHERE nspname = 'strict'") == "0")
    }

    /// A CHECK that sleeps an hour: never sent. The restore is watched: if any backend runs `pg_sleep`, it is
    /// cancelled (and the test fails) — no timing assertion.
    @Test func checkCannotHoldTheRestore() throws {
        let db = try TestDatabase()
        defer { db.drop() }
        let url = db.url
        var options = PostgresRestore.Options()
        options.isCancelled = {
            guard let c = try? PGConnection(conninfo: url) else { return false }
            defer { c.close() }
            let sleeping = try? c.execute(
                // Only running statements, and not an earlier watcher's own query, whose backend can still be listed
                // (idle, this text as its last query) for a moment after its connection closed.
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query ILIKE '%pg_sleep%' "
                    + "AND query NOT ILIKE '%pg_stat_activity%' AND datname = current_database() AND pid <> pg_backend_pid()")
            return sleeping?.string(0, 0) != "0"
        }
        let summary = try PostgresRestore.restore(archive: Self.fixture("sleep-check"), to: db.url, options: options)
        #expect(summary.notes.contains { $0.message.contains("pg_sleep") && $0.message.contains("left out") })
        #expect(try db.value("SELECT count(*) FROM pg_constraint WHERE contype = 'c' AND conrelid <> 0") == "0")
    }

    /// The `--dry-run` plan of texts that close their expression and start statements of their own, run with
    /// `psql -f` against a database holding `victim`: no statement of the archive's runs.
    @Test func dryRunPlanHoldsNoArchiveStatement() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        try db.execute("CREATE TABLE victim (a int)")
        var options = PostgresRestore.Options()
        options.schemaOnly = true
        let plan = try PostgresRestore.plan(archive: Self.fixture("dry-run-injection"), options: options)
        #expect(!plan.sql.contains("DROP TABLE victim"), "\(plan.sql)")
        let file = dir.file("plan.sql")
        try plan.sql.write(toFile: file, atomically: true, encoding: .utf8)
        let psql = Process()
        psql.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        psql.arguments = ["psql", "-X", "-q", "-f", file, db.url]
        psql.standardOutput = FileHandle.nullDevice
        psql.standardError = FileHandle.nullDevice
        try psql.run()
        psql.waitUntilExit()
        #expect(try db.value("SELECT count(*) FROM pg_class WHERE relname = 'victim'") == "1")
        #expect(try db.value("SELECT count(*) FROM pg_class WHERE relname LIKE 'injected%'") == "0")
        // The table itself was created by the plan (psql ran it).
        #expect(try db.value("SELECT count(*) FROM pg_class WHERE relname = 't'") == "1")
    }

    /// An expression index whose `sql` holds a second statement is rejected (spec §12), before anything is changed.
    @Test func indexSQLWithASecondStatementIsRejected() throws {
        let db = try TestDatabase()
        defer { db.drop() }
        let error = #expect(throws: ArchiveError.self) {
            try PostgresRestore.restore(archive: Self.fixture("index-second-statement"), to: db.url)
        }
        #expect(error?.code == .badRecord)
        #expect(error?.message.contains("more than one statement") == true)
        #expect(try db.value("SELECT count(*) FROM pg_class WHERE relname IN ('t', 'injected_i')") == "0")
    }

    /// What the allow-list grammar keeps: the CHECK, default and index forms of real auth schemas, from both
    /// dialects, restored and enforced.
    @Test func allowListKeepsOrdinaryExpressions() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = dir.file("ordinary.authx.gz")
        let table = TableSchema(
            name: "users",
            columns: [
                Column(name: "id", type: .integer, nullable: false, sourceType: "INTEGER"),
                Column(name: "email", type: .text, nullable: false, sourceType: "VARCHAR(255)"),
                Column(name: "role", type: .text, nullable: false, sourceType: "VARCHAR(10)"),
                Column(name: "active", type: .boolean, nullable: false, sourceType: "BOOLEAN", encoding: .int01),
            ],
            primaryKey: ["id"],
            indexes: [
                Index(name: "ix_email_lower", columns: [], unique: true, hasExpressions: true,
                      sql: "CREATE UNIQUE INDEX ix_email_lower ON users (lower(email))"),
                Index(name: "ix_active", columns: ["email"], predicate: "active = 1"),
            ],
            checks: [
                CheckConstraint(name: "ck_role", expression: "role IN ('admin', 'member')"),
                CheckConstraint(expression: "length(trim(email)) > 3 AND email LIKE '%@%'"),
                CheckConstraint(expression: "\"active\" IN (0, 1)"),
                CheckConstraint(expression: "id BETWEEN 1 AND 1000000 OR id IS NULL"),
                CheckConstraint(expression: "CASE WHEN role == 'admin' THEN active = 1 ELSE true END"),
            ])
        try TestArchives.write(
            archive,
            [(table, [[.integer(1), .text("a@example.com"), .text("admin"), .boolean(true)]])])
        let summary = try PostgresRestore.restore(archive: archive, to: db.url)
        let notRestored = summary.notes.filter { $0.kind == .notRestored }
        #expect(notRestored.isEmpty, "\(notRestored)")
        let constraints = try db.rows("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'c' AND conrelid <> 0 ORDER BY 1").map { $0[0] ?? "" }
        #expect(constraints.count == 4, "\(constraints)")
        #expect(throws: (any Error).self) {
            try db.execute("INSERT INTO users VALUES (2, 'b@example.com', 'root', true)")
        }
        #expect(try db.value("SELECT count(*) FROM pg_indexes WHERE indexname IN ('ix_email_lower', 'ix_active')") == "2")
        #expect(throws: (any Error).self) {
            try db.execute("INSERT INTO users VALUES (3, 'A@example.com', 'member', false)")
        }
    }

    /// kill -9 of a client in the middle of a long statement: with the restore's session settings
    /// (`client_connection_check_interval`) the server notices within about a second and stops the statement; the
    /// client here is `psql` running the same settings (SIGKILL cannot be caught: nothing client-side can help).
    @Test func aKilledClientLeavesNoRunningStatement() throws {
        let db = try TestDatabase()
        defer { db.drop() }
        let script = SessionSettings.bulkJob(lockWaitTimeout: nil).setStatements.joined(separator: "; ") + "; SELECT pg_sleep(300)"
        let psql = Process()
        psql.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        psql.arguments = ["psql", "-X", "-q", "-c", script, db.url]
        psql.standardOutput = FileHandle.nullDevice
        psql.standardError = FileHandle.nullDevice
        try psql.run()
        let sleeping =
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep(300)%' "
            + "AND pid <> pg_backend_pid()"
        func waitUntil(_ wanted: String) throws -> Bool {
            for _ in 0..<300 {
                if try db.value(sleeping) == wanted { return true }
                usleep(100_000)
            }
            return false
        }
        #expect(try waitUntil("1"), "psql's statement never started")
        kill(psql.processIdentifier, SIGKILL)
        psql.waitUntilExit()
        #expect(try waitUntil("0"), "the server still runs the statement of a client killed 30 s ago")
    }
}
