import AuthExport
import Foundation
import Testing

@testable import AuthExportPostgres

#if canImport(Glibc)
    import Glibc
#endif

/// The command line's data-loss and consistency defects of issue 15, each replayed end to end: the built binary,
/// real SQLite files, a real PostgreSQL server.
@Suite struct CommandLineDefectTests {
    typealias Outcome = TestProgram.Result

    /// Runs `.build/debug/authx` in `directory` (standard input from `stdin`, else empty).
    static func authx(_ arguments: [String], in directory: String? = nil, stdin: String? = nil) throws -> Outcome {
        try TestProgram.run("authx", arguments, in: directory, stdin: stdin)
    }

    static func contents(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    static func fileStat(_ path: String) -> stat {
        var info = stat()
        _ = stat(path, &info)
        return info
    }

    /// Defect 1: a mistyped --table or an --exclude-table matching everything, with --force, used to replace a good
    /// SQLite database with an empty one and exit 0. Now a usage error (exit 2), the database untouched, from a
    /// file (checked up front) and from standard input (checked at the end, before publishing).
    @Test func aFilterSelectingNoTableIsAUsageErrorAndTheDatabaseIsKept() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let archive = try TestArchives.fixtureArchive("sample_auth", in: dir)
        let db = dir.file("t9.db")
        let first = try Self.authx(["restore", archive, "--to", db])
        #expect(first.status == 0, "\(first.stderr)")
        let before = try #require(Self.contents(db))
        #expect(before.count > 0)
        for filter in [["--table", "sesions"], ["--exclude-table", "*"], ["-t", "nope", "-t", "users"]] {
            for fromStdin in [false, true] {
                let result = try Self.authx(
                    ["restore", fromStdin ? "-" : archive, "--to", db, "--force"] + filter,
                    stdin: fromStdin ? archive : nil)
                #expect(result.status == 2, "\(filter) stdin \(fromStdin): \(result.stderr)")
                #expect(result.stderr.hasPrefix("authx restore: error: --table"), "\(result.stderr)")
                #expect(Self.contents(db) == before, "\(filter) stdin \(fromStdin): the database changed")
            }
        }
        // The same for PostgreSQL and for export: a pattern matching nothing is always exit 2.
        let database = try TestDatabase()
        defer { database.drop() }
        let pg = try Self.authx(["restore", archive, "--to", database.url, "--exclude-table", "*"])
        #expect(pg.status == 2, "\(pg.stderr)")
        #expect(try database.snapshot().filter { $0.hasPrefix("rel ") }.isEmpty)
        let export = try Self.authx(["export", dir.file("sample_auth.sqlite"), "-o", dir.file("x.gz"), "-T", "*"])
        #expect(export.status == 2, "\(export.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("x.gz")))
    }

    /// Defect 2: --force gave the replaced database mode 0600 and root:root. It keeps its mode, owner and group; a
    /// new file is 0600.
    @Test func forceKeepsTheReplacedFilesModeOwnerAndGroup() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let archive = try TestArchives.fixtureArchive("sample_auth", in: dir)
        let db = dir.file("app.db")
        #expect(try Self.authx(["restore", archive, "--to", db]).status == 0)
        #expect(Self.fileStat(db).st_mode & 0o7777 == 0o600)
        // Another owner where the test may give one (root, as scripts/test runs in CI), else our own.
        var owner = getuid()
        var group = getgid()
        if getuid() == 0, let postgres = getpwnam("postgres") {
            owner = postgres.pointee.pw_uid
            group = 0
        }
        #expect(chown(db, owner, group) == 0)
        #expect(chmod(db, 0o644) == 0)
        let replaced = try Self.authx(["restore", archive, "--to", db, "--force"])
        #expect(replaced.status == 0, "\(replaced.stderr)")
        let after = Self.fileStat(db)
        #expect(after.st_mode & 0o7777 == 0o644)
        #expect(after.st_uid == owner)
        #expect(after.st_gid == group)
        if getuid() == 0 { #expect(owner != 0, "the test needs a postgres user to check the owner") }
    }

    /// Defect 2 for archives: `export -o FILE --force` over an existing archive keeps its mode, owner and group, and
    /// the new FILE.sha256 and FILE.sig take them too (a backup group that could read the old ones still can);
    /// a new archive and its sidecars are 0600. The same helper as the SQLite restore's (FileIO.keep).
    @Test func exportForceKeepsTheReplacedArchivesModeOwnerAndGroup() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        _ = try TestArchives.fixtureArchive("sample_auth", in: dir)
        let database = dir.file("sample_auth.sqlite")
        let key = dir.file("key")
        let keygen = try SignedArchiveCommandTests.run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key])
        #expect(keygen.status == 0, "\(keygen.stderr)")
        let archive = dir.file("app.authx.gz")
        let first = try Self.authx(["export", database, "-o", archive, "--sign-key", key])
        #expect(first.status == 0, "\(first.stderr)")
        for path in [archive, archive + ".sha256", archive + ".sig"] {
            #expect(Self.fileStat(path).st_mode & 0o7777 == 0o600, "\(path) is new: 0600")
        }
        var owner = getuid()
        var group = getgid()
        if getuid() == 0, let postgres = getpwnam("postgres") {
            owner = postgres.pointee.pw_uid
            group = 0
        }
        #expect(chown(archive, owner, group) == 0)
        #expect(chmod(archive, 0o640) == 0)
        let replaced = try Self.authx(["export", database, "-o", archive, "--force", "--sign-key", key])
        #expect(replaced.status == 0, "\(replaced.stderr)")
        for path in [archive, archive + ".sha256", archive + ".sig"] {
            let after = Self.fileStat(path)
            #expect(after.st_mode & 0o7777 == 0o640, "\(path)")
            #expect(after.st_uid == owner && after.st_gid == group, "\(path)")
        }
        #expect(try Self.authx(["verify", archive]).status == 0)
        if getuid() == 0 { #expect(owner != 0, "the test needs a postgres user to check the owner") }
    }

    /// Defect 3: `--to sqlite:///:memory:` wrote `./:memory:` and `--to -` a file `-`. Both are refused (exit 2),
    /// nothing is written, from the directory the command runs in.
    @Test func specialNamesAreNotFiles() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let archive = try TestArchives.fixtureArchive("sample_auth", in: dir)
        let work = dir.file("work")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        for target in ["sqlite:///:memory:", "-", ":memory:", "sqlite://", "sqlite:///", "sqlite+pysqlite:///:memory:"] {
            let result = try Self.authx(["restore", archive, "--to", target], in: work)
            #expect(result.status == 2, "\(target): \(result.stderr)")
            #expect(result.stderr.hasPrefix("authx restore: error: "), "\(target): \(result.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: work).isEmpty, "\(target) wrote a file")
        }
    }

    /// Defect 4: a repeated --schema on export silently kept the last one. Refused, naming both.
    @Test func aRepeatedSchemaIsRefused() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let url = try TestServer.adminURL()
        for flags in [["--schema", "a", "--schema", "b"], ["-n", "a", "-n", "b"]] {
            let result = try Self.authx(["export", url, "-o", dir.file("x.gz")] + flags)
            #expect(result.status == 2, "\(result.stderr)")
            #expect(result.stderr.contains("a, b"), "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir.file("x.gz")))
        }
    }

    /// Defect 5: `restore --data-only` into tables already holding the rows blamed the archive ("verify --keys lists
    /// every duplicate key") although the clash is with the target's rows. The hint says so; exit 3 (the archive
    /// is valid), while a duplicate inside the archive stays exit 1 with the verify hint.
    @Test func dataOnlyClashNamesTheTargetRows() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let archive = try TestArchives.fixtureArchive("sample_auth", in: dir)
        let database = try TestDatabase()
        defer { database.drop() }
        #expect(try Self.authx(["restore", archive, "--to", database.url]).status == 0)
        let before = try database.snapshot()
        let again = try Self.authx(["restore", archive, "--to", database.url, "--data-only"])
        #expect(again.status == 3, "\(again.stderr)")
        #expect(again.stderr.contains("already holds rows"), "\(again.stderr)")
        #expect(!again.stderr.contains("verify --keys"), "\(again.stderr)")
        #expect(try database.snapshot() == before)
    }

    /// Defect 6: exit codes disagreed between targets. A dangling foreign key of the archive is 1 into PostgreSQL
    /// and SQLite; `sqlite://` is 2 for export and restore; `authx` alone is 2; the rule, with 130, is in --help.
    @Test func oneExitCodeRuleForEveryTarget() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let archive = dir.file("dangling.authx.gz")
        let users = TableSchema(
            name: "users", columns: [Column(name: "id", type: .integer, nullable: false)], primaryKey: ["id"])
        let sessions = TableSchema(
            name: "sessions",
            columns: [Column(name: "id", type: .integer, nullable: false), Column(name: "user_id", type: .integer)],
            primaryKey: ["id"],
            foreignKeys: [ForeignKey(columns: ["user_id"], referencedTable: "users", referencedColumns: ["id"])])
        try TestArchives.write(archive, [(users, [[.integer(1)]]), (sessions, [[.integer(1), .integer(2)]])])
        let database = try TestDatabase()
        defer { database.drop() }
        let pg = try Self.authx(["restore", archive, "--to", database.url])
        #expect(pg.status == 1, "\(pg.stderr)")
        #expect(pg.stderr.hasPrefix("authx restore: error: "), "\(pg.stderr)")
        let sqlite = try Self.authx(["restore", archive, "--to", dir.file("d.db")])
        #expect(sqlite.status == 1, "\(sqlite.stderr)")
        #expect(sqlite.stderr.hasPrefix("authx restore: error: "), "\(sqlite.stderr)")

        let exportEmpty = try Self.authx(["export", "sqlite://", "-o", dir.file("e.gz")])
        let restoreEmpty = try Self.authx(["restore", archive, "--to", "sqlite://"])
        #expect(exportEmpty.status == 2, "\(exportEmpty.stderr)")
        #expect(restoreEmpty.status == 2, "\(restoreEmpty.stderr)")

        let bare = try Self.authx([])
        #expect(bare.status == 2)
        #expect(bare.stderr.contains("USAGE"), "\(bare.stderr)")
        let help = try Self.authx(["--help"])
        #expect(help.status == 0)
        let text = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")  // help is wrapped
        for code in ["0 success", "1 the archive is invalid", "2 usage error", "3 other runtime error", "130 interrupted"] {
            #expect(text.contains(code), "--help lacks \(code)")
        }
    }
}
