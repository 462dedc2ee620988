import AuthExport
import Foundation
import Testing

@testable import AuthExportPostgres

#if canImport(Glibc)
    import Glibc
#endif

/// A `--jobs` restore killed with SIGKILL leaves its staging schema (full tables, password hashes included); the
/// next restore into that database drops it and says so, and leaves the staging schema of a running restore alone
/// (issue 16, item 8). The built binary, a real server.
@Suite struct StagingLeftoverTests {
    static let stagingPattern = "^authx_restore_[0-9]+_[0-9a-f]{8}$"

    @Test func theNextRestoreDropsTheStagingSchemaOfAKilledRestore() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let big = dir.file("big.authx.gz")
        let users = TableSchema(
            name: "users",
            columns: [Column(name: "id", type: .integer, nullable: false), Column(name: "password_hash", type: .text)],
            primaryKey: ["id"])
        let events = TableSchema(name: "events", columns: [Column(name: "id", type: .integer, nullable: false)], primaryKey: ["id"])
        let rows: [[Value]] = (0..<400_000).map { [.integer(Int64($0)), .text("pbkdf2_sha256$600000$salt$\($0)")] }
        try TestArchives.write(big, [(users, rows), (events, (0..<400_000).map { [.integer(Int64($0))] })])

        // A "running" restore: its staging schema and its advisory lock, held by a live session.
        let running = try db.connect()
        defer { running.close() }
        let runningName = "authx_restore_1_deadbeef"
        let (classID, objectID) = try #require(RestoreSession.stagingLockKey(runningName))
        try running.executeScript("CREATE SCHEMA \(runningName); CREATE TABLE \(runningName).t (x int)")
        #expect(try running.execute("SELECT pg_try_advisory_lock(\(classID), \(objectID))").string(0, 0) == "t")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestArchives.repositoryRoot() + "/.build/debug/authx")
        process.arguments = ["restore", big, "--to", db.url, "--jobs", "2", "--quiet"]
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Kill it once its staging schema holds a table (a liveness bound of 120 s, not a timing assertion).
        let start = Date()
        let staged =
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            + "WHERE n.nspname ~ '\(Self.stagingPattern)' AND n.nspname <> '\(runningName)' AND c.relkind = 'r'"
        while try db.value(staged) == "0", process.isRunning, Date().timeIntervalSince(start) < 120 { usleep(10_000) }
        try #require(process.isRunning, "the restore ended before its staging schema could be seen")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let leftover = try #require(
            try db.value("SELECT nspname FROM pg_namespace WHERE nspname ~ '\(Self.stagingPattern)' AND nspname <> '\(runningName)'"),
            "SIGKILL left no staging schema: nothing to test")
        // The killed client's sessions end once the server sees the closed connections (about a second).
        let others = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            + "AND pid <> \(try running.execute("SELECT pg_backend_pid()").string(0, 0) ?? "0")"
        while try db.value(others) != "0", Date().timeIntervalSince(start) < 120 { usleep(50_000) }

        let small = dir.file("small.authx.gz")
        try TestArchives.write(small, [(events, [[.integer(1)]])])
        let next = try CommandLineDefectTests.authx(["restore", small, "--to", db.url, "--schema", "next"])
        #expect(next.status == 0, "\(next.stderr)")
        #expect(next.stderr.contains("note: dropped schema \(leftover) ("), "\(next.stderr)")
        #expect(try db.value("SELECT count(*) FROM pg_namespace WHERE nspname = $1", [leftover]) == "0")
        #expect(try db.value("SELECT count(*) FROM pg_namespace WHERE nspname = $1", [runningName]) == "1",
            "the staging schema of a running restore was dropped")
        #expect(try db.value("SELECT count(*) FROM next.events") == "1")
        // A second restore finds nothing left to drop.
        let again = try CommandLineDefectTests.authx(["restore", small, "--to", db.url, "--schema", "again", "--json"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(!again.stdout.contains("dropped schema"), "nothing is left to drop: \(again.stdout)")
    }
}
