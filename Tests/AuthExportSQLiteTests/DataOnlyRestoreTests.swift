import AuthExport
import Foundation
import Testing

@testable import AuthExportSQLite

/// `restore --data-only` into a SQLite schema the application created: values stored as each column's declared
/// type implies (and the profile where it does not decide), misfits reported together with nothing loaded, key
/// clashes with the target's rows named, foreign keys checked, AUTOINCREMENT counters past the loaded keys.
@Suite struct DataOnlyRestoreTests {
    /// What an ORM creates: SQLAlchemy-style uuids and datetimes, a dashed uuid, a 16-byte uuid, epoch seconds.
    static let appSchema = """
        CREATE TABLE users (
            id CHAR(32) NOT NULL PRIMARY KEY,
            email VARCHAR(255) NOT NULL UNIQUE,
            active BOOLEAN NOT NULL,
            created_at DATETIME NOT NULL,
            expires INTEGER,
            prefs JSON,
            ext_id CHAR(36),
            raw_id BLOB,
            note TEXT NOT NULL DEFAULT 'x'
        );
        CREATE TABLE tokens (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            user_id CHAR(32) NOT NULL REFERENCES users (id),
            issued DATETIME NOT NULL
        );
        """

    static var users: TableSchema {
        TableSchema(
            name: "users",
            columns: [
                Column(name: "id", type: .uuid, nullable: false, sourceType: "uuid", encoding: .native),
                Column(name: "email", type: .text, nullable: false, sourceType: "text"),
                Column(name: "active", type: .boolean, nullable: false, sourceType: "boolean", encoding: .native),
                Column(
                    name: "created_at", type: .timestamp, nullable: false, sourceType: "timestamp without time zone",
                    encoding: .native),
                Column(name: "expires", type: .timestamp, sourceType: "timestamp with time zone", encoding: .native),
                Column(name: "prefs", type: .json, sourceType: "jsonb", encoding: .native),
                Column(name: "ext_id", type: .uuid, sourceType: "uuid", encoding: .native),
                Column(name: "raw_id", type: .uuid, sourceType: "uuid", encoding: .native),
            ],
            primaryKey: ["id"])
    }

    static var tokens: TableSchema {
        TableSchema(
            name: "tokens",
            columns: [
                Column(name: "id", type: .integer, nullable: false, sourceType: "integer", autoIncrement: true),
                Column(name: "user_id", type: .uuid, nullable: false, sourceType: "uuid", encoding: .native),
                Column(
                    name: "issued", type: .timestamp, nullable: false, sourceType: "timestamp without time zone",
                    encoding: .native),
            ],
            primaryKey: ["id"],
            foreignKeys: [ForeignKey(columns: ["user_id"], referencedTable: "users", referencedColumns: ["id"])],
            sequenceValue: 10)
    }

    static let alice = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
    static let userRows: [[Value]] = [
        [
            .text(alice), .text("alice@example.com"), .boolean(true), .text("2024-03-01T12:40:00.123463Z"),
            .text("2024-03-01T13:00:00Z"), .json(#"{"a":[1,2]}"#), .text("0b9e8a52-3c4f-4a8e-9a7e-2f6d7c1e4b10"),
            .text("00000000-0000-4000-8000-0000000000ff"),
        ],
        [
            .text("11111111-2222-4333-8444-555555555555"), .text("bob@example.com"), .boolean(false),
            .text("2024-03-01T12:00:00Z"), .null, .null, .null, .null,
        ],
    ]

    /// A PostgreSQL archive of `tables` (default: users and tokens) and a target made by `schema`.
    static func setUp(
        _ dir: RestoreTempDirectory, schema: String = appSchema, tables: [(TableSchema, [[Value]])]? = nil
    ) throws -> (archive: String, target: String) {
        let archive = dir.file("pg.authx.gz")
        try RestoreTestSupport.writeArchive(
            at: archive, backend: "postgresql",
            tables: tables ?? [
                (users, userRows),
                (tokens, [[.integer(3), .text(alice), .text("2024-03-01T12:40:00.5Z")]]),
            ])
        let target = dir.file("app.db")
        let connection = try SQLiteConnection(path: target, mode: .create)
        try connection.execute(schema)
        try connection.close()
        return (archive, target)
    }

    static func dataOnly(profile: String? = nil) throws -> SQLiteRestoreOptions {
        var options = SQLiteRestoreOptions()
        options.dataOnly = true
        options.representation = try RepresentationOptions(profile: profile, columns: [])
        return options
    }

    @Test func valuesTakeTheFormsTheDeclaredTypesImply() throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        let (archive, target) = try Self.setUp(dir)
        let summary = try SQLiteRestore.restore(archive: archive, to: target, options: Self.dataOnly())
        #expect(summary.rows == 3)
        #expect(
            try RestoreTestSupport.typed(target, "SELECT * FROM users ORDER BY email") == [
                [
                    "text:7c9e6679742540de944be07fc1f90ae7", "text:alice@example.com", "integer:1",
                    "text:2024-03-01 12:40:00.123463", "integer:1709298000", #"text:{"a":[1,2]}"#,
                    "text:0b9e8a52-3c4f-4a8e-9a7e-2f6d7c1e4b10", "blob:000000000000400080000000000000ff",
                    "text:x",
                ],
                [
                    "text:11111111222243338444555555555555", "text:bob@example.com", "integer:0",
                    "text:2024-03-01 12:00:00", "null", "null", "null", "null", "text:x",
                ],
            ])
        // Python's str(datetime): six digits unless zero.
        #expect(try RestoreTestSupport.typed(target, "SELECT issued FROM tokens") == [["text:2024-03-01 12:40:00.500000"]])
        // The archive's counter (10) is past the loaded key (3): the application's next insert gets 11.
        let connection = try SQLiteConnection(path: target, mode: .readWrite)
        defer { try? connection.close() }
        try connection.execute(
            "INSERT INTO tokens (user_id, issued) VALUES ('7c9e6679742540de944be07fc1f90ae7', '2024-03-02 00:00:00')")
        #expect(connection.lastInsertRowID == 11)
    }

    @Test func theProfileChoosesWhatTheDeclaredTypeDoesNotDecide() throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        let (archive, target) = try Self.setUp(dir)
        _ = try SQLiteRestore.restore(archive: archive, to: target, options: Self.dataOnly(profile: "sqlalchemy"))
        // SQLAlchemy: always six fraction digits; json as json.dumps writes it; CHAR(36) stays dashed.
        #expect(
            try RestoreTestSupport.typed(target, "SELECT created_at, prefs, ext_id FROM users ORDER BY email") == [
                ["text:2024-03-01 12:40:00.123463", #"text:{"a": [1, 2]}"#, "text:0b9e8a52-3c4f-4a8e-9a7e-2f6d7c1e4b10"],
                ["text:2024-03-01 12:00:00.000000", "null", "null"],
            ])
    }

    @Test func everyMisfitIsReportedTogetherAndNothingIsLoaded() throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        let schema = """
            CREATE TABLE users (
                id INTEGER PRIMARY KEY, email TEXT NOT NULL, active BOOLEAN, created_at DATETIME, expires INTEGER,
                prefs JSON, ext_id CHAR(36), tenant TEXT NOT NULL
            );
            """
        let (archive, target) = try Self.setUp(dir, schema: schema)
        let error = #expect(throws: ArchiveError.self) {
            try SQLiteRestore.restore(archive: archive, to: target, options: Self.dataOnly())
        }
        #expect(error?.code == .invalidValue)
        let message = error?.message ?? ""
        #expect(message.contains("nothing was loaded"), "\(message)")
        #expect(message.contains("column id is INTEGER in the target: it cannot hold the archive's uuid values"), "\(message)")
        #expect(message.contains("column raw_id of the archive is not in the target table"), "\(message)")
        #expect(message.contains("column tenant of the target is NOT NULL without a default"), "\(message)")
        #expect(message.contains("table tokens is not in the target database"), "\(message)")
        #expect(try RestoreTestSupport.query(target, "SELECT count(*) FROM users") == [[.integer(0)]])
    }

    @Test func aKeyAlreadyInTheTargetIsNamedAndNothingIsLoaded() throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        let schema = Self.appSchema + """
            INSERT INTO users (id, email, active, created_at) VALUES
                ('11111111222243338444555555555555', 'bob@example.com', 0, '2020-01-01 00:00:00');
            """
        let (archive, target) = try Self.setUp(dir, schema: schema)
        let error = #expect(throws: ArchiveError.self) {
            try SQLiteRestore.restore(archive: archive, to: target, options: Self.dataOnly())
        }
        #expect(error?.code == .duplicateKey)
        #expect(error?.location.table == "users")
        #expect(error?.message.contains("already held by a row that was in the target table") == true, "\(error?.message ?? "")")
        #expect(try RestoreTestSupport.query(target, "SELECT count(*) FROM users") == [[.integer(1)]])
        #expect(try RestoreTestSupport.query(target, "SELECT count(*) FROM tokens") == [[.integer(0)]])
    }

    @Test func aDanglingReferenceRollsEverythingBack() throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        let (archive, target) = try Self.setUp(
            dir,
            tables: [
                (Self.users, Self.userRows),
                (Self.tokens, [[.integer(3), .text("99999999-2222-4333-8444-555555555555"), .text("2024-03-01T12:40:00Z")]]),
            ])
        let error = #expect(throws: ArchiveError.self) {
            try SQLiteRestore.restore(archive: archive, to: target, options: Self.dataOnly())
        }
        #expect(error?.code == .danglingReference)
        #expect(error?.location.table == "tokens")
        #expect(try RestoreTestSupport.query(target, "SELECT count(*) FROM users") == [[.integer(0)]])
    }

    /// authx's own schema for a PostgreSQL archive: the profile and per-column choices decide declared types and
    /// stored forms; naive and aware timestamps both become naive UTC text.
    @Test func authxSchemaFollowsTheProfileAndPerColumnChoices() throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        let (archive, _) = try Self.setUp(dir)
        var options = SQLiteRestoreOptions()
        options.representation = try RepresentationOptions(
            profile: "sqlalchemy", columns: ["users.ext_id=uuid-dashed", "users.expires=iso-z", "users.created_at=timestamptz"])
        let target = dir.file("authx.db")
        _ = try SQLiteRestore.restore(archive: archive, to: target, options: options)
        let types = try RestoreTestSupport.query(target, "SELECT name, type FROM pragma_table_info('users')")
            .map { "\($0[0].string ?? "") \($0[1].string ?? "")" }
        #expect(types.contains("id CHAR(32)") && types.contains("ext_id CHAR(36)") && types.contains("created_at DATETIME")
            && types.contains("expires TIMESTAMP") && types.contains("raw_id CHAR(32)"), "\(types)")
        #expect(
            try RestoreTestSupport.typed(target, "SELECT id, created_at, expires, prefs, ext_id FROM users ORDER BY email")
                == [
                    [
                        "text:7c9e6679742540de944be07fc1f90ae7", "text:2024-03-01 12:40:00.123463",
                        "text:2024-03-01T13:00:00Z", #"text:{"a": [1, 2]}"#, "text:0b9e8a52-3c4f-4a8e-9a7e-2f6d7c1e4b10",
                    ],
                    ["text:11111111222243338444555555555555", "text:2024-03-01 12:00:00.000000", "null", "null", "null"],
                ])
    }

    @Test func aPerColumnChoiceForAColumnTheArchiveLacksIsRefused() throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        let (archive, target) = try Self.setUp(dir)
        var options = try Self.dataOnly()
        options.representation = try RepresentationOptions(profile: nil, columns: ["users.nope=uuid-dashed"])
        let error = #expect(throws: ArchiveError.self) {
            try SQLiteRestore.restore(archive: archive, to: target, options: options)
        }
        #expect(error?.message.contains("--as names a column the archive does not have: users.nope") == true)
        #expect(try RestoreTestSupport.query(target, "SELECT count(*) FROM users") == [[.integer(0)]])
        let fresh = dir.file("fresh.db")
        options.dataOnly = false
        #expect(throws: ArchiveError.self) { try SQLiteRestore.restore(archive: archive, to: fresh, options: options) }
        #expect(!FileManager.default.fileExists(atPath: fresh))
    }

    @Test func aTargetThatDoesNotExistIsRefused() throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        let (archive, _) = try Self.setUp(dir)
        let missing = dir.file("missing.db")
        let error = #expect(throws: ArchiveError.self) {
            try SQLiteRestore.restore(archive: archive, to: missing, options: Self.dataOnly())
        }
        #expect(error?.message.contains("create its schema first") == true)
        #expect(!FileManager.default.fileExists(atPath: missing))
    }
}
