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
