import AuthExport
import Foundation
import Testing

@testable import AuthExportSQLite

/// Archives whose SQL makes SQLite work for them during a restore (issue 16, item 3): crafted archives of
/// `Fixtures/hostile` (scripts/make-hostile-fixtures). Functions off the allow-list are refused while the schema
/// compiles, values are bounded by `SQLITE_LIMIT_LENGTH`, long statements stop on cancellation.
@Suite struct HostileRestoreTests {
    static func fixture(_ name: String) -> String {
        RestoreTestSupport.repositoryRoot() + "/Fixtures/hostile/\(name).authx.gz"
    }

    /// A 748-byte archive whose CHECK allocates 500 MB per row: the CHECK is left out with a warning, so the
    /// restore never evaluates it (it drove RSS to 505 MB).
    @Test(arguments: ["sqlite-randomblob-check", "sqlite-hex-check"])
    func checkCallingAFunctionOffTheAllowListIsLeftOut(name: String) throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        let target = dir.file("out.db")
        let summary = try SQLiteRestore.restore(archive: Self.fixture(name), to: target, options: .init())
        #expect(summary.warnings.contains { $0.contains("CHECK (length(") && $0.contains("left out") && $0.contains("allow-list") },
                "\(summary.warnings)")
        let sql = try RestoreTestSupport.query(target, "SELECT sql FROM sqlite_schema WHERE name = 't'").first?.first?.string
        #expect(sql?.contains("blob") == false, "\(sql ?? "nil")")
        #expect(try RestoreTestSupport.query(target, "SELECT count(*) FROM t").first?.first?.integer == (name == "sqlite-hex-check" ? 1000 : 3))
    }

    /// `--strict-sql`: the same CHECK fails the restore, naming the function; no file is left.
    @Test func strictSQLRefusesTheArchive() throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        var options = SQLiteRestoreOptions()
        options.strictSQL = true
        let error = #expect(throws: ArchiveError.self) {
            try SQLiteRestore.restore(archive: Self.fixture("sqlite-randomblob-check"), to: dir.file("out.db"), options: options)
        }
        #expect(error?.code == .badRecord)
        #expect(error?.message.contains("randomblob") == true, "\(error?.message ?? "")")
        #expect(try dir.listing() == [])
    }

    /// A DEFAULT of a column the archive does not list builds a 500 MB blob for each row (SQLite never shows
    /// DEFAULT functions to an authorizer): the length limit stops the first row, exit 3, no file left.
    @Test func aDefaultCannotBuildAHugeValue() throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        let error = #expect(throws: ArchiveError.self) {
            try SQLiteRestore.restore(archive: Self.fixture("sqlite-default-blob"), to: dir.file("out.db"), options: .init())
        }
        #expect(error?.code == .unsupportedValue)
        #expect(error?.location.table == "t")
        #expect(error?.message.contains("limit") == true)
        #expect(try dir.listing() == [])
    }

    /// Indexes calling functions off the allow-list (a SQLite archive's index sql; a PostgreSQL archive's CHECK
    /// written into generated DDL) are left out with a warning; the rest of the schema and the data are restored.
    @Test func indexAndGeneratedDDLFollowTheAllowList() throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        let sqliteArchive = dir.file("index.authx.gz")
        let table = TableSchema(
            name: "t", columns: [Column(name: "id", type: .integer, nullable: false, sourceType: "INTEGER")],
            primaryKey: ["id"],
            indexes: [
                Index(name: "ix_hex", columns: [], hasExpressions: true, sql: "CREATE INDEX ix_hex ON t (hex(zeroblob(id * 1000000)))"),
                Index(name: "ix_abs", columns: [], hasExpressions: true, sql: "CREATE INDEX ix_abs ON t (abs(id))"),
            ],
            sql: "CREATE TABLE t (id INTEGER NOT NULL PRIMARY KEY)")
        try RestoreTestSupport.writeArchive(at: sqliteArchive, backend: "sqlite", tables: [(table, [[.integer(1)], [.integer(2)]])])
        let target = dir.file("index.db")
        let summary = try SQLiteRestore.restore(archive: sqliteArchive, to: target, options: .init())
        #expect(summary.warnings.contains { $0.contains("index ix_hex") && $0.contains("hex") && $0.contains("left out") }, "\(summary.warnings)")
        #expect(try RestoreTestSupport.query(target, "SELECT name FROM sqlite_schema WHERE type = 'index' ORDER BY 1").map { $0[0].string } == ["ix_abs"])

        let pgArchive = dir.file("pg.authx.gz")
        let pgTable = TableSchema(
            name: "u", columns: [Column(name: "id", type: .integer, nullable: false, sourceType: "bigint")],
            primaryKey: ["id"],
            checks: [CheckConstraint(expression: "length(randomblob(id * 100000000)) > 0"), CheckConstraint(expression: "id > 0")])
        try RestoreTestSupport.writeArchive(at: pgArchive, backend: "postgresql", tables: [(pgTable, [[.integer(1)]])])
        let pgTarget = dir.file("pg.db")
        let pgSummary = try SQLiteRestore.restore(archive: pgArchive, to: pgTarget, options: .init())
        #expect(pgSummary.warnings.contains { $0.contains("randomblob") && $0.contains("left out") }, "\(pgSummary.warnings)")
        let sql = try RestoreTestSupport.query(pgTarget, "SELECT sql FROM sqlite_schema WHERE name = 'u'").first?.first?.string ?? ""
        #expect(!sql.contains("randomblob") && sql.contains("id > 0"), "\(sql)")
    }
}

/// Nothing left behind (issue 16, item 7): signals stop a SQLite restore cleanly; files of restores killed by
/// SIGKILL are removed by the next restore to the same target.
@Suite struct RestoreLeftoversTests {
    /// A temporary file of a dead restore (its pid no longer runs) is removed and reported; one of a live process
    /// is kept.
    @Test func staleTemporaryFilesOfDeadRestoresAreRemoved() throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        let archive = dir.file("a.authx.gz")
        let table = TableSchema(name: "t", columns: [Column(name: "id", type: .integer, nullable: false)], primaryKey: ["id"])
        try RestoreTestSupport.writeArchive(at: archive, backend: "sqlite", tables: [(table, [[.integer(1)]])])
        let dead = Process()
        dead.executableURL = URL(fileURLWithPath: "/bin/true")
        try dead.run()
        dead.waitUntilExit()
        let stale = ".t.db.authx-\(FileIO.hostTag)-\(dead.processIdentifier)-Ab12Cd"
        let live = ".t.db.authx-\(FileIO.hostTag)-\(getpid())-Zz99Yy"
        for name in [stale, live] { try Data("partial".utf8).write(to: URL(fileURLWithPath: dir.file(name))) }
        let summary = try SQLiteRestore.restore(archive: archive, to: dir.file("t.db"), options: .init())
        #expect(summary.warnings.contains { $0.contains(stale) && $0.contains("interrupted restore") }, "\(summary.warnings)")
        #expect(try dir.listing() == [live, "a.authx.gz", "a.authx.gz.sha256", "t.db"])
    }

    /// SIGTERM and SIGHUP during a SQLite restore: exit 130, "nothing was changed", no temporary file left.
    @Test(arguments: [SIGTERM, SIGHUP, SIGINT])
    func aSignalStopsTheRestoreAndLeavesNothing(signalNumber: Int32) throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        let archive = dir.file("big.authx.gz")
        let table = TableSchema(
            name: "t", columns: [Column(name: "id", type: .integer, nullable: false), Column(name: "s", type: .text)],
            primaryKey: ["id"])
        var options = ArchiveWriter.Options()
        options.threads = 1
        let writer = try ArchiveWriter(path: archive, overwrite: false, header: RestoreTestSupport.header(backend: "sqlite"), options: options)
        try writer.beginTable(table)
        for i in 0..<600_000 { try writer.append([.integer(Int64(i)), .text("row \(i) padding padding padding")]) }
        try writer.endTable()
        _ = try writer.finish()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: RestoreTestSupport.repositoryRoot() + "/.build/debug/authx")
        process.arguments = ["restore", archive, "--to", dir.file("out.db")]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var started = false
        for _ in 0..<600 where process.isRunning && !started {
            usleep(20_000)
            started = (try? dir.listing())?.contains { $0.hasPrefix(".out.db.authx-") } ?? false
        }
        #expect(started && process.isRunning, "the restore ended before it could be interrupted")
        kill(process.processIdentifier, signalNumber)
        process.waitUntilExit()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 130, "\(stderr)")
        #expect(stderr.contains("interrupted; nothing was changed"), "\(stderr)")
        #expect(try dir.listing() == ["big.authx.gz", "big.authx.gz.sha256"])
    }
}
