import AuthExport
import Foundation
import Testing

@testable import AuthExportPostgres

/// `authx restore` end to end: the built binary (`.build/debug/authx`), its output and exit codes.
@Suite struct RestoreCommandTests {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func authx(_ arguments: [String], stdin: String? = nil) throws -> Result {
        let binary = TestArchives.repositoryRoot() + "/.build/debug/authx"
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw TestFailure("\(binary) not found: run `swift build` first (scripts/test does)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        if let stdin { process.standardInput = FileHandle(forReadingAtPath: stdin) } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        // Read both pipes before waiting, so a full pipe cannot block the child.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
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
}
