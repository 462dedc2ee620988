import AuthExport
import Foundation
import Testing

@testable import AuthExportPostgres

/// `restore --data-only` into a schema the application created (issue 22): each value converted to what the
/// existing column holds, a compatibility check before loading, rows already present named as such.
@Suite struct DataOnlyTests {
    /// What an ORM might have created for RestoreTests.users: integer 0/1 for the boolean, json (not jsonb),
    /// naive timestamp, bigint, an extra column with a default.
    static let appSchema = """
        CREATE TABLE users (
          id uuid PRIMARY KEY, email varchar(255) NOT NULL UNIQUE, is_active integer NOT NULL, profile json,
          created_at timestamp NOT NULL, balance numeric(10,2), score double precision, avatar bytea, birthday date,
          wake_up time, login_count bigint NOT NULL DEFAULT 0, nickname text NOT NULL DEFAULT 'x');
        CREATE TABLE flags (id serial PRIMARY KEY, active boolean NOT NULL, note text);
        """
    static let flags = TableSchema(
        name: "flags",
        columns: [
            Column(name: "id", type: .integer, nullable: false, sourceType: "INTEGER", autoIncrement: true),
            Column(name: "active", type: .integer, nullable: false, sourceType: "INTEGER"),
            Column(name: "note", type: .text, sourceType: "TEXT"),
        ],
        primaryKey: ["id"])

    private static func options() -> PostgresRestore.Options {
        var options = PostgresRestore.Options()
        options.dataOnly = true
        return options
    }

    @Test func convertsEachValueToTheExistingColumnType() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        try db.execute(Self.appSchema)
        let archive = dir.file("a.authx.gz")
        try TestArchives.write(
            archive,
            [(RestoreTests.users, RestoreTests.userRows),
             (Self.flags, [[.integer(1), .integer(1), .text("on")], [.integer(5), .integer(0), .null]])])
        let summary = try PostgresRestore.restore(archive: archive, to: db.url, options: Self.options())
        #expect(summary.rows == 5)
        #expect(try db.rows("SELECT is_active FROM users ORDER BY email").map { $0[0] } == ["1", "1", "0"])
        // A naive column gets the UTC wall-clock time, whatever the session's zone.
        #expect(
            try db.value("SELECT created_at::text FROM users WHERE email = 'ada@example.com'")
                == "2024-05-01 10:00:00.123456")
        #expect(try db.value("SELECT profile::text FROM users WHERE email = 'ada@example.com'") == #"{"tz":"Europe/London","tags":["a","b"]}"#)
        #expect(try db.value("SELECT nickname FROM users LIMIT 1") == "x")
        #expect(try db.rows("SELECT active::text FROM flags ORDER BY id").map { $0[0] } == ["true", "false"])
        // The serial's sequence is set past the loaded keys.
        #expect(try db.value("INSERT INTO flags (active) VALUES (true) RETURNING id") == "6")
    }

    @Test func anIntegerOtherThanZeroOrOneIntoABooleanIsNamedAndNothingIsLoaded() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        try db.execute(Self.appSchema)
        let archive = dir.file("a.authx.gz")
        try TestArchives.write(archive, [(Self.flags, [[.integer(1), .integer(1), .null], [.integer(2), .integer(2), .null]])])
        let error = try #require(throws: PostgresError.self) {
            try PostgresRestore.restore(archive: archive, to: db.url, options: Self.options())
        }
        #expect(error.code == .unsupportedValue)
        #expect(error.location.table == "flags" && error.location.row == 2 && error.location.column == "active")
        #expect(error.message.contains("only 0 and 1"))
        #expect(try db.value("SELECT count(*) FROM flags") == "0")
    }

    @Test func theCompatibilityCheckListsEveryProblemBeforeLoadingAnything() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        try db.execute(
            """
            CREATE TABLE users (id uuid PRIMARY KEY, email varchar(255) NOT NULL, is_active boolean NOT NULL,
              profile integer, created_at timestamptz NOT NULL, balance numeric(10,2), score double precision,
              avatar bytea, birthday date, login_count integer NOT NULL, tenant_id integer NOT NULL);
            """)
        let archive = dir.file("a.authx.gz")
        try TestArchives.write(
            archive,
            [(RestoreTests.users, RestoreTests.userRows), (Self.flags, [[.integer(1), .integer(1), .null]])])
        let error = try #require(throws: PostgresError.self) {
            try PostgresRestore.restore(archive: archive, to: db.url, options: Self.options())
        }
        #expect(error.code == .incompatibleTarget)
        for part in [
            "table users: archive column wake_up has no column in public.users",
            "table users: target column tenant_id is NOT NULL without a default and the archive does not fill it",
            "table users, column profile: json values cannot go into integer",
            "table public.flags does not exist",
            "(4 problems)", "nothing was loaded",
        ] {
            #expect(error.message.contains(part), "\(part) in \(error.message)")
        }
        #expect(try db.value("SELECT count(*) FROM users") == "0")

        // From standard input (no index to read ahead): the first table's problems, before its rows; exit 3.
        let piped = try RestoreCommandTests.authx(["restore", "-", "--to", db.url, "--data-only"], stdin: archive)
        #expect(piped.status == 3)
        #expect(piped.stderr.contains("(3 problems)"), "\(piped.stderr)")
        #expect(try db.value("SELECT count(*) FROM users") == "0")
    }

    @Test func aKeyAlreadyInTheTargetIsNamedAsSuch() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        try db.execute(Self.appSchema)
        let archive = dir.file("a.authx.gz")
        try TestArchives.write(archive, [(Self.flags, [[.integer(1), .integer(1), .null]])])
        _ = try PostgresRestore.restore(archive: archive, to: db.url, options: Self.options())
        let error = try #require(throws: PostgresError.self) {
            try PostgresRestore.restore(archive: archive, to: db.url, options: Self.options())
        }
        #expect(error.sqlState == "23505")
        #expect(error.message.contains("already in the target table"), "\(error.message)")
        #expect(error.hint?.contains("TRUNCATE") == true)
        #expect(error.hint?.contains("verify --keys") != true)
        #expect(try db.value("SELECT count(*) FROM flags") == "1")
    }
}
