import AuthExport
import Foundation
import Testing

@testable import AuthExportSQLite

/// `RecordComparator` over two exports of one SQLite database, before and after an application session.
@Suite struct DiffTests {
    static let schema = """
        CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL UNIQUE,
          password_hash TEXT NOT NULL, last_login DATETIME, profile JSON, balance NUMERIC(10,2));
        CREATE TABLE sessions (token TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id),
          created_at DATETIME NOT NULL);
        CREATE TABLE audit (event TEXT NOT NULL, at DATETIME NOT NULL);
        """

    /// Fills the database: 50 users, 2 sessions each, a few audit rows (no key: matched by whole row).
    static func populate(_ db: SQLiteConnection) throws {
        try db.execute("BEGIN")
        for i in 1...50 {
            try db.execute(
                "INSERT INTO users (email, password_hash, last_login, profile, balance) VALUES "
                    + "('user\(i)@example.com', 'pbkdf2$\(i)', '2026-01-0\(i % 9 + 1) 10:00:00', '{\"a\": \(i), \"b\": [1, 2]}', \(i).5)")
            for s in 0..<2 {
                try db.execute(
                    "INSERT INTO sessions VALUES ('tok-\(i)-\(s)', \(i), '2026-01-01 00:00:0\(s)')")
            }
        }
        for e in 0..<3 { try db.execute("INSERT INTO audit VALUES ('boot', '2026-01-01 00:00:0\(e)')") }
        try db.execute("COMMIT")
    }

    /// The application session: 3 logins (last_login), one password change, 2 sign-ups, 2 logouts (sessions
    /// deleted), one audit row added.
    static func applicationSession(_ db: SQLiteConnection) throws {
        try db.execute("UPDATE users SET last_login = '2026-02-01 08:00:00' WHERE id IN (3, 7, 11)")
        try db.execute("UPDATE users SET password_hash = 'argon2$new' WHERE id = 7")
        try db.execute("INSERT INTO users (email, password_hash) VALUES ('new1@example.com', 'x'), ('new2@example.com', 'y')")
        try db.execute("INSERT INTO sessions VALUES ('tok-51-0', 51, '2026-02-01 08:00:00')")
        try db.execute("DELETE FROM sessions WHERE token IN ('tok-3-0', 'tok-9-1')")
        try db.execute("INSERT INTO audit VALUES ('login', '2026-02-01 08:00:00')")
    }

    /// The populated database `app.db` in `dir`, exported to `before.authx.gz`; returns it open.
    static func exportedBefore(in dir: ExportTempDirectory) throws -> SQLiteConnection {
        let database = dir.file("app.db")
        let db = try ExportTestSupport.makeDatabase(at: database, schema)
        try populate(db)
        try export(database, to: dir.file("before.authx.gz"))
        return db
    }

    static func export(_ database: String, to path: String) throws {
        var options = SQLiteExportOptions()
        options.threads = 1
        _ = try SQLiteExporter.export(source: database, to: .file(path: path, overwrite: true), options: options)
    }

    static func compare(_ old: String, _ new: String, options: RecordComparator.Options = .init()) throws
        -> RecordComparator.Report
    {
        try RecordComparator(options: options).compare(old: ArchiveReader(path: old), new: ArchiveReader(path: new))
    }

    @Test func applicationSessionIsReportedExactly() throws {
        let dir = try ExportTempDirectory()
        defer { dir.remove() }
        let db = try Self.exportedBefore(in: dir)
        try Self.applicationSession(db)
        try db.close()
        try Self.export(dir.file("app.db"), to: dir.file("after.authx.gz"))

        let same = try Self.compare(dir.file("before.authx.gz"), dir.file("before.authx.gz"))
        #expect(same.isSame)
        #expect(same.tables.map(\.name) == ["users", "audit", "sessions"] || same.tables.count == 3)

        let report = try Self.compare(dir.file("before.authx.gz"), dir.file("after.authx.gz"))
        #expect(!report.isSame)
        let users = try #require(report.tables.first { $0.name == "users" })
        #expect(users.added == 2 && users.removed == 0 && users.changed == 3)
        #expect(users.changedColumns.map(\.column) == ["password_hash", "last_login"])
        #expect(users.changedColumns.map(\.rows) == [1, 3])
        #expect(users.addedKeys == ["id=51", "id=52"])
        #expect(users.changedKeys.map(\.key) == ["id=3", "id=7", "id=11"])
        #expect(users.changedKeys[1].columns == ["password_hash", "last_login"])
        #expect(users.schemaChanges.isEmpty)
        #expect(users.summary() == "users: 2 added, 0 removed, 3 changed (password_hash 1, last_login 3)")
        let sessions = try #require(report.tables.first { $0.name == "sessions" })
        #expect(sessions.added == 1 && sessions.removed == 2 && sessions.changed == 0)
        // A secret-looking key column is shown as a digest, not its value.
        #expect(sessions.removedKeys.allSatisfy { $0.hasPrefix("token=sha256:") }, "\(sessions.removedKeys)")
        #expect(!sessions.removedKeys.joined().contains("tok-"))
        let audit = try #require(report.tables.first { $0.name == "audit" })
        #expect(audit.keyColumns.isEmpty && audit.added == 1 && audit.removed == 0 && audit.changed == 0)

        var shown = RecordComparator.Options()
        shown.showValues = true
        shown.maxKeys = 1
        let withValues = try Self.compare(dir.file("before.authx.gz"), dir.file("after.authx.gz"), options: shown)
        let shownSessions = try #require(withValues.tables.first { $0.name == "sessions" })
        #expect(shownSessions.removedKeys == ["token=\"tok-3-0\""])
    }

    @Test func schemaChangesAndTablesAddedOrRemovedAreNamed() throws {
        let dir = try ExportTempDirectory()
        defer { dir.remove() }
        let db = try Self.exportedBefore(in: dir)
        try db.execute("DROP TABLE audit")
        try db.execute("CREATE TABLE roles (name TEXT PRIMARY KEY)")
        try db.execute("ALTER TABLE users ADD COLUMN locale TEXT")
        try db.execute("CREATE INDEX ix_sessions_user ON sessions (user_id)")
        try db.close()
        try Self.export(dir.file("app.db"), to: dir.file("after.authx.gz"))
        let report = try Self.compare(dir.file("before.authx.gz"), dir.file("after.authx.gz"))
        #expect(report.tables.first { $0.name == "audit" }?.presence == .onlyOld)
        #expect(report.tables.first { $0.name == "roles" }?.presence == .onlyNew)
        let users = try #require(report.tables.first { $0.name == "users" })
        #expect(users.schemaChanges == ["column locale added"])
        #expect(users.changed == 0 && users.added == 0 && users.removed == 0)
        let sessions = try #require(report.tables.first { $0.name == "sessions" })
        #expect(sessions.schemaChanges == ["index ix_sessions_user added"])
    }

    /// Values are compared in logical form: other spellings of the same uuid, instant, decimal or JSON value
    /// are equal; a different value in each type is a change of that column.
    @Test func logicalFormsCompareByValue() throws {
        let dir = try ExportTempDirectory()
        defer { dir.remove() }
        func archive(_ name: String, _ rows: [[Value]]) throws -> String {
            let path = dir.file(name)
            let writer = try ArchiveWriter(
                path: path, overwrite: true,
                header: ArchiveHeader(createdAt: "2026-01-01T00:00:00Z", producer: "tests", source: .init(backend: "sqlite", database: "x")))
            try writer.beginTable(TableSchema(
                name: "t",
                columns: [
                    Column(name: "id", type: .integer, nullable: false), Column(name: "u", type: .uuid),
                    Column(name: "ts", type: .timestamp), Column(name: "d", type: .decimal), Column(name: "j", type: .json),
                    Column(name: "b", type: .boolean), Column(name: "r", type: .real), Column(name: "x", type: .text),
                    Column(name: "y", type: .bytes), Column(name: "dt", type: .date), Column(name: "tm", type: .time),
                ],
                primaryKey: ["id"]))
            for row in rows { try writer.append(row) }
            try writer.endTable()
            try writer.finish()
            return path
        }
        let base: [Value] = [
            .integer(1), .text("0b9e8a52-3c4f-4a8e-9a7e-2f6d7c1e4b10"), .text("2026-01-01T10:00:00Z"), .text("12.50"),
            .json("{\"a\":1,\"b\":[true,null]}"), .boolean(true), .real(1.5), .text("Ada"), .bytes([1, 2]),
            .text("2026-01-01"), .text("10:00:00"),
        ]
        let old = try archive("old.authx.gz", [base])
        var respelled = base
        respelled[3] = .text("12.5")
        respelled[4] = .json("{\"b\":[true,null],\"a\":1}")
        respelled[2] = .text("2026-01-01T10:00:00.000Z")
        #expect(try Self.compare(old, archive("same.authx.gz", [respelled])).isSame)
        let changes: [Value] = [
            .integer(1), .text("0b9e8a52-3c4f-4a8e-9a7e-2f6d7c1e4b11"), .text("2026-01-01T10:00:01Z"), .text("12.51"),
            .json("{\"a\":2,\"b\":[true,null]}"), .boolean(false), .real(1.25), .text("ada"), .bytes([1, 3]),
            .text("2026-01-02"), .text("10:00:01"),
        ]
        for column in 1..<base.count {
            for value in [changes[column], Value.null] {
                var row = base
                row[column] = value
                let report = try Self.compare(old, archive("changed.authx.gz", [row]))
                let table = try #require(report.tables.first)
                #expect(table.changed == 1, "column \(column) → \(value)")
                #expect(table.changedColumns.map(\.column) == [["id", "u", "ts", "d", "j", "b", "r", "x", "y", "dt", "tm"][column]])
            }
        }
    }

    /// Rows and tables in another order on each side match alike: a table the old side lists earlier is held until
    /// the new side reaches it, rows the new side lists in reverse wait for their match (more rows than one batch
    /// of a side), and rows of a table without a key match first in, first out, duplicates included.
    @Test func rowsAndTablesInAnotherOrderMatchAlike() throws {
        let dir = try ExportTempDirectory()
        defer { dir.remove() }
        let keyed = TableSchema(
            name: "a", columns: [Column(name: "id", type: .integer, nullable: false), Column(name: "v", type: .text)],
            primaryKey: ["id"])
        let keyless = TableSchema(name: "b", columns: [Column(name: "event", type: .text, nullable: false)])
        func archive(_ name: String, _ tables: [(TableSchema, [[Value]])]) throws -> String {
            let path = dir.file(name)
            let writer = try ArchiveWriter(
                path: path, overwrite: true,
                header: ArchiveHeader(createdAt: "2026-01-01T00:00:00Z", producer: "tests", source: .init(backend: "sqlite", database: "x")))
            for (schema, rows) in tables {
                try writer.beginTable(schema)
                for row in rows { try writer.append(row) }
                try writer.endTable()
            }
            try writer.finish()
            return path
        }
        let oldA: [[Value]] = (1...9000).map { [.integer(Int64($0)), .text("v\($0)")] }
        var newA = oldA.filter { $0[0] != .integer(8999) }
        newA[9] = [.integer(10), .text("changed")]
        newA.append([.integer(9500), .text("new")])
        let oldB: [[Value]] = [[.text("x")], [.text("x")], [.text("x")], [.text("z")]]
        let newB: [[Value]] = [[.text("x")], [.text("y")], [.text("x")]]
        let old = try archive("old.authx.gz", [(keyed, oldA), (keyless, oldB)])
        let inOrder = try Self.compare(old, archive("in-order.authx.gz", [(keyed, newA), (keyless, newB)]))
        let reordered = try Self.compare(old, archive("reordered.authx.gz", [(keyless, newB), (keyed, newA.reversed())]))
        // b held whole on the old side: its copies of x are matched in the old side's order too.
        let oldReordered = try archive("old-reordered.authx.gz", [(keyless, oldB), (keyed, oldA)])
        let held = try Self.compare(oldReordered, dir.file("in-order.authx.gz"))
        #expect(held.tables.map(\.name) == ["b", "a"])
        for report in [inOrder, reordered, held] {
            let a = try #require(report.tables.first { $0.name == "a" })
            #expect(a.oldRows == 9000 && a.newRows == 9000)
            #expect(a.added == 1 && a.removed == 1 && a.changed == 1)
            #expect(a.addedKeys == ["id=9500"] && a.removedKeys == ["id=8999"])
            #expect(a.changedKeys.map(\.key) == ["id=10"] && a.changedKeys.first?.columns == ["v"])
            let b = try #require(report.tables.first { $0.name == "b" })
            #expect(b.added == 1 && b.removed == 2 && b.changed == 0)
            #expect(b.removedKeys == ["row 3", "row 4"], "\(b.removedKeys)")
        }
        #expect(inOrder.tables.map(\.name) == ["a", "b"] && reordered.tables.map(\.name) == ["a", "b"])
        for report in [inOrder, reordered, held] { #expect(report.tables.first { $0.name == "b" }?.addedKeys == ["row 2"]) }
        // The first changed keys are listed in the new side's order, whichever side's row came second (in reverse
        // order, rows of both kinds match as the old side's rows come), the first N of them with a limit.
        var many = oldA
        for index in [5, 100, 4999, 6999, 7999] { many[index][1] = .text("other") }
        let reversed = try archive("many-reversed.authx.gz", [(keyed, many.reversed()), (keyless, oldB)])
        #expect(try Self.compare(old, reversed).tables.first?.changedKeys.map(\.key) == ["id=8000", "id=7000", "id=5000", "id=101", "id=6"])
        var two = RecordComparator.Options()
        two.maxKeys = 2
        #expect(try Self.compare(old, reversed, options: two).tables.first?.changedKeys.map(\.key) == ["id=8000", "id=7000"])
        #expect(try Self.compare(old, archive("many.authx.gz", [(keyed, many), (keyless, oldB)])).tables.first?.changedKeys.map(\.key)
            == ["id=6", "id=101", "id=5000", "id=7000", "id=8000"])
    }
}
