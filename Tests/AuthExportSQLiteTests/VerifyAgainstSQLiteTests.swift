import AuthExport
import Foundation
import Testing

@testable import AuthExportSQLite

/// `verify --against` on SQLite: a restored database matches its archive (under every representation profile);
/// each kind of difference made in it afterwards is found and named.
@Suite struct VerifyAgainstSQLiteTests {
    static func archive(in dir: ExportTempDirectory) throws -> String {
        var id = Column(name: "id", type: .integer, nullable: false)
        id.autoIncrement = true
        var schema = TableSchema(
            name: "users",
            columns: [
                id, Column(name: "u", type: .uuid), Column(name: "ts", type: .timestamp), Column(name: "d", type: .decimal),
                Column(name: "j", type: .json), Column(name: "b", type: .boolean), Column(name: "r", type: .real),
                Column(name: "x", type: .text, nullable: false), Column(name: "y", type: .bytes),
                Column(name: "dt", type: .date), Column(name: "tm", type: .time),
            ],
            primaryKey: ["id"])
        schema.indexes = [Index(name: "ix_users_x", columns: ["x"])]
        schema.sequenceValue = 5
        let path = dir.file("typed.authx.gz")
        let writer = try ArchiveWriter(
            path: path, overwrite: true,
            header: ArchiveHeader(createdAt: "2026-01-01T00:00:00Z", producer: "tests", source: .init(backend: "sqlite", database: "t")))
        try writer.beginTable(schema)
        for i in 1...5 {
            try writer.append([
                .integer(Int64(i)), .text(String(format: "0b9e8a52-3c4f-4a8e-9a7e-%012d", i)),
                .text("2026-01-0\(i)T10:00:00Z"), .text("\(i).50"), .json("{\"a\":\(i),\"b\":[true,null]}"),
                .boolean(i % 2 == 0), .real(Double(i) + 0.25), .text("user\(i)"), .bytes([UInt8(i), 2]),
                .text("2026-01-0\(i)"), .text("10:00:0\(i)"),
            ])
        }
        try writer.endTable()
        try writer.finish()
        return path
    }

    static func restore(_ archive: String, to path: String, profile: RepresentationProfile = .standard) throws {
        var options = SQLiteRestoreOptions()
        options.representation.profile = profile
        _ = try SQLiteRestore.restore(archive: archive, to: path, options: options)
    }

    /// Every representation profile is a choice, not a difference.
    @Test(arguments: RepresentationProfile.all.map(\.name))
    func restoredDatabaseMatches(profile: String) throws {
        let dir = try ExportTempDirectory()
        defer { dir.remove() }
        let archive = try Self.archive(in: dir)
        let db = dir.file("restored.db")
        try Self.restore(archive, to: db, profile: try #require(RepresentationProfile.all.first { $0.name == profile }))
        let report = try SQLiteExporter.compare(archive: archive, against: db)
        #expect(report.isSame, "\(report.tables.map { $0.summary() + " \($0.schemaChanges) \($0.changedKeys)" })")
    }

    @Test func differencesAreFoundAndNamed() throws {
        let dir = try ExportTempDirectory()
        defer { dir.remove() }
        let archive = try Self.archive(in: dir)
        var count = 0
        func mutated(_ sql: String) throws -> RecordComparator.TableComparison {
            count += 1
            let db = dir.file("m\(count).db")
            try Self.restore(archive, to: db)
            let connection = try SQLiteConnection(path: db, mode: .readWrite)
            try connection.execute(sql)
            try connection.close()
            return try #require(try SQLiteExporter.compare(archive: archive, against: db).tables.first { $0.name == "users" })
        }
        let changes: [(String, String)] = [
            ("u", "u = '0b9e8a52-3c4f-4a8e-9a7e-00000000000f'"), ("ts", "ts = '2026-01-02T10:00:01Z'"), ("d", "d = '2.51'"),
            ("j", "j = '{\"a\":3}'"), ("b", "b = 0"), ("r", "r = 9.5"), ("x", "x = 'other'"), ("y", "y = x'00'"),
            ("dt", "dt = '2026-01-03'"), ("tm", "tm = '10:00:09'"), ("u", "u = NULL"), ("j", "j = NULL"),
        ]
        for (column, set) in changes {
            let table = try mutated("UPDATE users SET \(set) WHERE id = 2")
            #expect(table.changed == 1 && table.changedColumns.map(\.column) == [column], "\(set): \(table.summary())")
            #expect(table.changedKeys.map(\.key) == ["id=2"])
        }
        let deleted = try mutated("DELETE FROM users WHERE id = 3")
        #expect(deleted.removed == 1 && deleted.removedKeys == ["id=3"])
        let extra = try mutated("INSERT INTO users (id, x) VALUES (100, 'z')")
        #expect(extra.added == 1 && extra.addedKeys == ["id=100"])
        let index = try mutated("DROP INDEX ix_users_x")
        #expect(index.schemaChanges == ["index ix_users_x removed"])
    }

    /// A new SQLite file at `path` whose tables the application made (`schemaSQL`), `archive` loaded into them by
    /// restore --data-only, then `change` (SQL) applied.
    static func dataOnlyLoaded(_ archive: String, into path: String, schemaSQL: String, change: String?) throws {
        let connection = try SQLiteConnection(path: path, mode: .create)
        try connection.execute(schemaSQL)
        try connection.close()
        var options = SQLiteRestoreOptions()
        options.dataOnly = true
        _ = try SQLiteRestore.restore(archive: archive, to: path, options: options)
        if let change {
            let connection = try SQLiteConnection(path: path, mode: .readWrite)
            try connection.execute(change)
            try connection.close()
        }
    }

    /// The application's own SQLite tables (its declared types, a UNIQUE index of its own, no ix_users_x, a column
    /// of its own, x nullable), loaded by `restore --data-only`: the data matches with `dataOnly`, the schema does
    /// not without it, and a changed value or a missing archive column is still found with it.
    @Test func dataOnlyIntoTheApplicationsOwnTablesComparesTheData() throws {
        let dir = try ExportTempDirectory()
        defer { dir.remove() }
        let archive = try Self.archive(in: dir)
        var count = 0
        func appTables(_ change: String? = nil) throws -> String {
            count += 1
            let db = dir.file("app\(count).db")
            try Self.dataOnlyLoaded(
                archive, into: db,
                schemaSQL: """
                    CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, u CHAR(32), ts DATETIME, d DECIMAL(10, 2),
                        j JSON, b BOOLEAN, r FLOAT, x VARCHAR(100), y BLOB, dt DATE, tm TIME, note TEXT DEFAULT 'app');
                    CREATE UNIQUE INDEX users_u_uniq ON users (u);
                    """, change: change)
            return db
        }
        func compare(_ db: String, dataOnly: Bool) throws -> RecordComparator.TableComparison {
            var comparison = RecordComparator.Options()
            comparison.dataOnly = dataOnly
            return try #require(try SQLiteExporter.compare(archive: archive, against: db, comparison: comparison).tables.first {
                $0.name == "users"
            })
        }
        let app = try appTables()
        let full = try compare(app, dataOnly: false)
        #expect(full.added == 0 && full.removed == 0 && full.changed == 0, "\(full.summary()) \(full.changedKeys)")
        #expect(!full.schemaChanges.isEmpty)
        let data = try compare(app, dataOnly: true)
        #expect(data.isSame, "\(data.summary()) \(data.schemaChanges) \(data.changedKeys) \(data.sequenceProblems)")
        let changed = try compare(try appTables("UPDATE users SET r = 0.5 WHERE id = 3"), dataOnly: true)
        #expect(changed.changed == 1 && changed.changedKeys.map(\.key) == ["id=3"] && changed.changedColumns.map(\.column) == ["r"])
        let dropped = try compare(try appTables("ALTER TABLE users DROP COLUMN tm"), dataOnly: true)
        #expect(dropped.schemaChanges == ["column tm removed"] && !dropped.isSame)
    }

    /// SQLite application columns of other types (a timestamp as INTEGER Unix seconds, a boolean as INTEGER, an
    /// integer as BOOLEAN, a decimal as REAL, a real as DECIMAL, a date as TIMESTAMP) loaded by restore
    /// --data-only: the values match, and a change in each is found.
    @Test func dataOnlyTranslationsCompareByValue() throws {
        let dir = try ExportTempDirectory()
        defer { dir.remove() }
        let schema = TableSchema(
            name: "ev",
            columns: [
                Column(name: "id", type: .integer, nullable: false), Column(name: "at", type: .timestamp),
                Column(name: "ok", type: .boolean), Column(name: "n", type: .integer), Column(name: "d", type: .decimal),
                Column(name: "r", type: .real), Column(name: "dt", type: .date),
            ],
            primaryKey: ["id"])
        let archive = dir.file("ev.authx.gz")
        let writer = try ArchiveWriter(
            path: archive, overwrite: true,
            header: ArchiveHeader(createdAt: "2026-01-01T00:00:00Z", producer: "tests", source: .init(backend: "sqlite", database: "t")))
        try writer.beginTable(schema)
        try writer.append([.integer(1), .text("2026-01-02T03:04:05Z"), .boolean(true), .integer(1), .text("12.50"), .real(0.1), .text("2026-01-02")])
        try writer.append([.integer(2), .text("1969-12-31T23:59:59Z"), .boolean(false), .integer(0), .text("-0.25"), .real(2.5), .text("2024-02-29")])
        try writer.endTable()
        try writer.finish()
        var count = 0
        func loaded(_ change: String? = nil) throws -> RecordComparator.TableComparison {
            count += 1
            let db = dir.file("t\(count).db")
            try Self.dataOnlyLoaded(
                archive, into: db,
                schemaSQL: "CREATE TABLE ev (id INTEGER PRIMARY KEY, at INTEGER, ok INTEGER, n BOOLEAN, d REAL, r DECIMAL(10, 2), dt TIMESTAMP)",
                change: change)
            var comparison = RecordComparator.Options()
            comparison.dataOnly = true
            return try #require(try SQLiteExporter.compare(archive: archive, against: db, comparison: comparison).tables.first)
        }
        let same = try loaded()
        #expect(same.isSame, "\(same.summary()) \(same.changedKeys)")
        for (column, set) in [("at", "at = at + 1"), ("ok", "ok = 0"), ("n", "n = 0"), ("d", "d = 12.25"), ("r", "r = 0.2"),
                              ("dt", "dt = '2026-01-02 00:00:01'")] {
            let table = try loaded("UPDATE ev SET \(set) WHERE id = 1")
            #expect(table.changed == 1 && table.changedColumns.map(\.column) == [column], "\(set): \(table.summary())")
        }
    }
}
