import AuthExport
import Foundation
import Testing

@testable import AuthExportPostgres

/// `authx restore` end to end: the built binary (`.build/debug/authx`), its output and exit codes.
@Suite struct RestoreCommandTests {
    typealias Result = TestProgram.Result

    static func authx(_ arguments: [String], stdin: String? = nil) throws -> Result {
        try TestProgram.run("authx", arguments, stdin: stdin)
    }

    @Test func restoresFromStandardInputAndPrintsASummary() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = dir.file("auth.authx.gz")
        try RestoreTests.writeAuthArchive(archive)
        let result = try Self.authx(["restore", "-", "--to", db.url], stdin: archive)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("restored 2 tables, 6 rows into"))
        #expect(result.stderr.contains("note: table users: CHECK (is_active IN (0, 1)) left out"))
        #expect(try db.value("SELECT count(*) FROM sessions") == "3")
    }

    @Test func sqlAlchemyURLSpellingAndJSONSummary() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = dir.file("auth.authx.gz")
        try RestoreTests.writeAuthArchive(archive)
        let url = db.url.replacingOccurrences(of: "postgresql://", with: "postgresql+psycopg2://")
        let result = try Self.authx(["restore", archive, "--to", url, "--json", "--schema", "auth"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(json?["rows"] as? Int == 6)
        #expect(json?["schema"] as? String == "auth")
        #expect((json?["tables"] as? [[String: Any]])?.count == 2)
        #expect(try db.value("SELECT count(*) FROM auth.users") == "3")
    }

    @Test func dryRunPrintsSQLAndTouchesNoDatabase() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let archive = dir.file("auth.authx.gz")
        try RestoreTests.writeAuthArchive(archive)
        // An unreachable server: a dry run never connects.
        let result = try Self.authx(["restore", archive, "--to", "postgresql://nobody@host.invalid:1/none", "--dry-run"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("CREATE TABLE \"public\".\"users\""))
        #expect(result.stdout.contains("-- notes"))
    }

    @Test func anExistingTableExitsWithCode3AndAHint() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = dir.file("auth.authx.gz")
        try RestoreTests.writeAuthArchive(archive)
        try db.execute("CREATE TABLE users (id int)")
        let result = try Self.authx(["restore", archive, "--to", db.url])
        #expect(result.status == 3)
        #expect(result.stderr.contains("error: table users: table public.users already exists; nothing was changed"))
        #expect(result.stderr.contains("--clean"))
        let clean = try Self.authx(["restore", archive, "--to", db.url, "--clean", "--quiet"])
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(clean.stderr.isEmpty)
    }

    @Test func aDamagedArchiveExitsWithCode1() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = dir.file("auth.authx.gz")
        try RestoreTests.writeAuthArchive(archive)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: archive)))
        bytes.removeLast(10)
        try Data(bytes).write(to: URL(fileURLWithPath: archive))
        let before = try db.snapshot()
        let result = try Self.authx(["restore", archive, "--to", db.url])
        #expect(result.status == 1)
        #expect(result.stderr.contains(archive))
        #expect(try db.snapshot() == before)
    }

    @Test func passwordsNeverAppearInOutput() throws {
        let admin = try TestServer.adminURL()
        let dir = try TempDir()
        defer { dir.remove() }
        let archive = dir.file("auth.authx.gz")
        try RestoreTests.writeAuthArchive(archive)
        let url = TestServer.url(admin, database: "authx_missing_db").replacingOccurrences(of: "://postgres@", with: "://postgres:Pa55-w0rd@")
        let result = try Self.authx(["restore", archive, "--to", url, "--verbose"])
        #expect(result.status == 3)
        #expect(result.stderr.contains("does not exist"))
        #expect(result.stderr.contains("hint: add -C/--create to create the database"), "\(result.stderr)")
        #expect(!result.stderr.contains("Pa55-w0rd") && !result.stdout.contains("Pa55-w0rd"))
    }

    @Test func sqliteTargetsGoToTheSQLiteRestore() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let archive = try TestArchives.fixtureArchive("sqlalchemy_style", in: dir)
        let target = dir.file("restored.db")
        let result = try Self.authx(["restore", archive, "--to", "sqlite:///" + target])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("restored 6 tables, 23 rows into"))
        #expect(FileManager.default.fileExists(atPath: target))
        let again = try Self.authx(["restore", archive, "--to", target])
        #expect(again.status != 0)
        let jobs = try Self.authx(["restore", archive, "--to", target, "--jobs", "2", "--force"])
        #expect(jobs.status == 2)
        #expect(jobs.stderr.contains("--jobs apply to PostgreSQL targets only"))
    }

    @Test func contradictoryOptionsAreUsageErrors() throws {
        let result = try Self.authx(["restore", "x.authx.gz", "--to", "postgresql://localhost/db", "--schema-only", "--data-only"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--schema-only and --data-only cannot be combined"))
        let scheme = try Self.authx(["restore", "x.authx.gz", "--to", "mysql://root@db/app"])
        #expect(scheme.status == 2)
        #expect(scheme.stderr.contains("unsupported URL scheme"))
    }

    @Test func lockWaitTimeoutTakesPgDumpsSyntaxAndShowsInThePlan() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let archive = dir.file("auth.authx.gz")
        try RestoreTests.writeAuthArchive(archive)
        let unreachable = "postgresql://nobody@host.invalid:1/none"
        for (given, milliseconds) in [(nil, "30000"), ("1500", "1500"), ("250ms", "250"), ("45s", "45000"), ("2min", "120000"), ("1h", "3600000"), ("0", "0")] {
            let result = try Self.authx(["restore", archive, "--to", unreachable, "--dry-run"] + (given.map { ["--lock-wait-timeout", $0] } ?? []))
            #expect(result.status == 0, "\(given ?? "default"): \(result.stderr)")
            #expect(result.stdout.contains("SET lock_timeout = \(milliseconds);"), "\(given ?? "default")")
            #expect(result.stdout.contains("SET statement_timeout = 0;\nSET idle_in_transaction_session_timeout = 0;"))
        }
        for bad in ["5 parsecs", "-1", "1.5s", "s", "10000000000"] {
            let result = try Self.authx(["restore", archive, "--to", unreachable, "--dry-run", "--lock-wait-timeout=\(bad)"])
            #expect(result.status == 2, "\(bad)")
            #expect(result.stderr.contains("--lock-wait-timeout must be a whole number of milliseconds"), "\(bad): \(result.stderr)")
        }
        let sqlite = try Self.authx(["restore", archive, "--to", "sqlite:///" + dir.file("x.db"), "--lock-wait-timeout", "5s"])
        #expect(sqlite.status == 2)
        #expect(sqlite.stderr.contains("--lock-wait-timeout apply to PostgreSQL targets only"), "\(sqlite.stderr)")
    }

    @Test func ctrlCStopsAWaitForALockAndChangesNothing() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = dir.file("auth.authx.gz")
        try RestoreTests.writeAuthArchive(archive)
        _ = try PostgresRestore.restore(archive: archive, to: db.url)
        let before = try db.snapshot()
        let blocker = try db.connect()
        defer { blocker.close() }
        try blocker.executeScript("BEGIN; SELECT count(*) FROM users")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestArchives.repositoryRoot() + "/.build/debug/authx")
        process.arguments = ["restore", archive, "--to", db.url, "--clean", "--lock-wait-timeout", "0"]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let start = Date()
        while try db.value("SELECT count(*) FROM pg_locks WHERE NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())") == "0", process.isRunning,
            Date().timeIntervalSince(start) < 60
        {
            usleep(20_000)
        }
        #expect(process.isRunning, "the restore ended before it waited for the lock")
        kill(process.processIdentifier, SIGINT)
        // A liveness bound, not a timing assertion: without cancelling its statement authx would wait as long as
        // the other session holds the lock, here until the bound runs out.
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            Issue.record("authx was still waiting for the lock 60 s after Ctrl-C")
            try blocker.execute("ROLLBACK")
        }
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130, "\(stderr)")
        #expect(stderr.contains("interrupted; nothing was changed"), "\(stderr)")
        _ = try? blocker.execute("ROLLBACK")
        #expect(try db.snapshot() == before)
        #expect(try db.value("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'authx_restore_%'") == "0")
    }

    @Test func aValidValueTheTargetCannotStoreExitsWithCode3NotAsAnInvalidArchive() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let archive = dir.file("nan.authx.gz")
        let readings = TableSchema(
            name: "readings", columns: [Column(name: "id", type: .integer, nullable: false), Column(name: "value", type: .real)],
            primaryKey: ["id"])
        try TestArchives.write(archive, [(readings, [[.integer(1), .real(1.5)], [.integer(2), .real(.nan)]])])
        let verify = try Self.authx(["verify", archive])
        #expect(verify.status == 0, "\(verify.stderr)")
        let restore = try Self.authx(["restore", archive, "--to", "sqlite:///" + dir.file("r.db")])
        #expect(restore.status == 3, "\(restore.stderr)")
        #expect(restore.stderr.contains("table readings, row 2, column value: SQLite cannot store NaN"), "\(restore.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("r.db")))
    }
}
