import AuthExport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@testable import AuthExportPostgres

/// Issue 16, item 12: the same cause gets the same code and exit status whatever the target. A name with a NUL
/// character (valid in an archive: names are JSON strings) cannot be created by SQLite or PostgreSQL; both
/// restores refuse it before any SQL, with `unsupported_value` and exit 3, naming the table and what the name is,
/// and leave the target as it was.
@Suite struct SameCauseSameCodeTests {
    static func archives(in dir: TempDir) throws -> [(what: String, path: String)] {
        let id = Column(name: "id", type: .integer, nullable: false, sourceType: "INTEGER")
        let cases: [(String, TableSchema)] = [
            ("table", TableSchema(name: "us\u{0}ers", columns: [id], primaryKey: ["id"])),
            ("column", TableSchema(
                name: "users", columns: [Column(name: "i\u{0}d", type: .integer, nullable: false, sourceType: "INTEGER")],
                primaryKey: ["i\u{0}d"])),
            ("index", TableSchema(
                name: "users", columns: [id], primaryKey: ["id"], indexes: [Index(name: "ix\u{0}id", columns: ["id"])])),
        ]
        return try cases.map { what, schema in
            let path = dir.file("nul-\(what).authx.gz")
            try TestArchives.write(path, [(schema, [[.integer(1)]])])
            return (what, path)
        }
    }

    @Test func aNameWithANulIsUnsupportedByBothTargetsAlike() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        for (what, archive) in try Self.archives(in: dir) {
            let verify = try CommandLineDefectTests.authx(["verify", archive])
            #expect(verify.status == 0, "a NUL in a \(what) name is valid in an archive: \(verify.stderr)")

            let target = dir.file("nul-\(what).db")
            let sqlite = try CommandLineDefectTests.authx(["restore", archive, "--to", target, "--json"])
            let before = try db.snapshot()
            let postgres = try CommandLineDefectTests.authx(["restore", archive, "--to", db.url, "--json"])
            for (name, outcome) in [("SQLite", sqlite), ("PostgreSQL", postgres)] {
                #expect(outcome.status == 3, "\(what) name into \(name): exit \(outcome.status): \(outcome.stdout)")
                #expect(outcome.stdout.contains(#""code":"unsupported_value""#) || outcome.stdout.contains(#""code": "unsupported_value""#),
                        "\(what) name into \(name): \(outcome.stdout)")
                #expect(outcome.stdout.contains("\(what) name contains a NUL character"), "\(name): \(outcome.stdout)")
                #expect(!outcome.stdout.contains("\u{0}") && !outcome.stderr.contains("\u{0}"), "\(name) printed a raw NUL")
            }
            #expect(!FileManager.default.fileExists(atPath: target), "SQLite: a database was left at \(target)")
            #expect(try db.snapshot() == before)
        }
    }
}

/// Issue 16, item 12: a restore whose connection is lost says so in one line, and says what it means for the
/// target: before COMMIT the server rolled everything back.
@Suite struct LostConnectionTests {
    @Test func aLostConnectionIsOneLineThatSaysNothingWasChanged() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = dir.file("t.authx.gz")
        let table = TableSchema(
            name: "t", columns: [Column(name: "id", type: .integer, nullable: false, sourceType: "INTEGER")],
            primaryKey: ["id"])
        try TestArchives.write(archive, [(table, [[.integer(1)], [.integer(2)]])])
        try db.execute("CREATE TABLE t (id integer PRIMARY KEY)")
        // Another session holds the table, so the restore's backend waits on the lock until the test ends it.
        let holder = try db.connect()
        defer { holder.close() }
        _ = try holder.execute("BEGIN")
        _ = try holder.execute("LOCK TABLE t IN ACCESS EXCLUSIVE MODE")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestArchives.repositoryRoot() + "/.build/debug/authx")
        process.arguments = ["restore", archive, "--to", db.url, "--data-only", "--lock-wait-timeout", "300s"]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        var waiting: String? = nil
        for _ in 0..<1200 where waiting == nil {
            waiting = try db.value(
                "SELECT min(pid)::text FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")
            if waiting == nil { usleep(50_000) }
        }
        let pid = try #require(waiting, "the restore never waited for the lock")
        #expect(try db.value("SELECT pg_terminate_backend(\(pid))::text") == "true")
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        _ = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        _ = try holder.execute("ROLLBACK")

        #expect(process.terminationStatus == 3, "\(stderr)")
        let lines = stderr.split(separator: "\n").filter { !$0.hasPrefix("hint:") }
        #expect(lines.count == 1, "not one line: \(stderr)")
        #expect(stderr.contains("lost the connection to PostgreSQL"), "\(stderr)")
        #expect(stderr.contains("the server rolled the restore back, nothing was changed"), "\(stderr)")
        #expect(try db.value("SELECT count(*) FROM t") == "0")
    }
}
