import AuthExport
import Foundation
import Testing

@testable import AuthExportSQLite

/// `SQLiteRestore` on archives written with `ArchiveWriter`: representations, affinity, PostgreSQL DDL, atomicity,
/// hostile schema SQL, filters and the plan.
@Suite struct RestoreTests {
    // MARK: SQLite archives: original SQL and representations

    static let usersSQL = """
        CREATE TABLE users (
            id CHAR(32) NOT NULL PRIMARY KEY,
            email VARCHAR(255) NOT NULL UNIQUE,
            is_active BOOLEAN NOT NULL,
            created_at DATETIME NOT NULL,
            prefs JSON,
            avatar BLOB,
            score NUMERIC(10, 2),
            misc
        )
        """

    static var users: TableSchema {
        TableSchema(
            name: "users",
            columns: [
                Column(name: "id", type: .uuid, nullable: false, sourceType: "CHAR(32)", encoding: .hex32),
                Column(name: "email", type: .text, nullable: false, sourceType: "VARCHAR(255)"),
                Column(name: "is_active", type: .boolean, nullable: false, sourceType: "BOOLEAN", encoding: .int01),
                Column(
                    name: "created_at", type: .timestamp, nullable: false, sourceType: "DATETIME", encoding: .naiveText),
                Column(name: "prefs", type: .json, sourceType: "JSON", encoding: .text),
                Column(name: "avatar", type: .bytes, sourceType: "BLOB"),
                Column(name: "score", type: .decimal, sourceType: "NUMERIC(10, 2)", encoding: .numericAffinity),
                Column(name: "misc", type: .any),
            ],
            primaryKey: ["id"], uniqueConstraints: [UniqueConstraint(columns: ["email"])],
            indexes: [
                Index(
                    name: "ix_users_created", columns: ["created_at"],
                    sql: "CREATE INDEX ix_users_created ON users (created_at)")
            ],
            sql: usersSQL)
    }

    static let userRows: [[Value]] = [
        [
            .text("7c9e6679-7425-40de-944b-e07fc1f90ae7"), .text("ada@example.com"), .boolean(true),
            .text("2024-05-01T10:00:00.123456Z"), .json(#"{"a":1}"#), .bytes([1, 2, 0]), .text("12.5"), .text("0042"),
        ],
        [
            .text("0b9e8a52-3c4f-4a8e-9a7e-2f6d7c1e4b10"), .text("bob@example.com"), .boolean(false),
            .text("2024-05-01T10:00:00Z"), .json("5"), .null, .text("7"), .integer(5),
        ],
        [
            .text("00000000-0000-0000-0000-000000000042"), .text("cy@example.com"), .boolean(true),
            .text("1999-12-31T23:59:59.5Z"), .json("null"), .bytes([]), .null, .invalidText([0xFF, 0x41]),
        ],
    ]

    @Test func sqliteArchiveRestoresOriginalSQLRepresentationsAndStorageClasses() throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        let archive = dir.file("a.authx.gz")
        try RestoreTestSupport.writeArchive(
            at: archive, backend: "sqlite", tables: [(Self.users, Self.userRows)],
            objects: [
                SchemaObject(
                    type: "view", name: "active_users",
                    sql: "CREATE VIEW active_users AS SELECT id FROM users WHERE is_active"),
                SchemaObject(
                    type: "trigger", name: "users_touch", table: "users",
                    sql: "CREATE TRIGGER users_touch AFTER UPDATE ON users BEGIN SELECT 1; END"),
            ])
        let target = dir.file("restored.db")
        let summary = try SQLiteRestore.restore(archive: archive, to: target, options: .init())
        #expect(summary.tables == 1)
        #expect(summary.rows == 3)
        #expect(summary.warnings.isEmpty, "\(summary.warnings)")

        let rows = try RestoreTestSupport.typed(target, "SELECT * FROM users ORDER BY rowid")
        #expect(
            rows[0] == [
                "text:7c9e6679742540de944be07fc1f90ae7", "text:ada@example.com", "integer:1",
                "text:2024-05-01 10:00:00.123456", #"text:{"a":1}"#, "blob:010200", "real:12.5", "text:0042",
            ])
        // JSON 5 in a JSON (NUMERIC affinity) column is the number SQLite stored; "7" a NUMERIC integer.
        #expect(
            rows[1] == [
                "text:0b9e8a52-3c4f-4a8e-9a7e-2f6d7c1e4b10".replacingOccurrences(of: "-", with: ""),
                "text:bob@example.com",
                "integer:0", "text:2024-05-01 10:00:00", "integer:5", "null", "integer:7", "integer:5",
            ])
        #expect(rows[2][3] == "text:1999-12-31 23:59:59.5")
        #expect(rows[2][4] == "text:null")
        #expect(rows[2][5] == "blob:")
        // text_bytes: TEXT with exactly those bytes.
        let misc = try RestoreTestSupport.query(target, "SELECT typeof(misc), hex(misc) FROM users WHERE rowid = 3")
        #expect(misc == [[.text(Array("text".utf8)), .text(Array("FF41".utf8))]])

        let schema = try RestoreTestSupport.query(
            target, "SELECT name, sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY name")
        #expect(schema.map { $0[0].string ?? "" } == ["active_users", "ix_users_created", "users", "users_touch"])
        #expect(schema[2][1].string == Self.usersSQL)
        #expect(try RestoreTestSupport.mode(target) == 0o600)
        #expect(try dir.listing() == ["a.authx.gz", "a.authx.gz.sha256", "restored.db"])
    }

    // MARK: Affinity

    @Test(arguments: [false, true])
    func anyCellsKeepTheirStorageClassEvenWhereAffinityWouldConvertThem(withoutRowID: Bool) throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        let sql =
            "CREATE TABLE t (id INTEGER NOT NULL PRIMARY KEY, v INTEGER, n \"NUMERIC\", r REAL, s TEXT UNIQUE, u UUID)"
            + (withoutRowID ? " WITHOUT ROWID" : "")
        let schema = TableSchema(
            name: "t",
            columns: ["id", "v", "n", "r", "s", "u"].map { Column(name: $0, type: $0 == "id" ? .integer : .any) },
            primaryKey: ["id"],
            indexes: [Index(name: "t_v", columns: ["v"], unique: true, sql: "CREATE UNIQUE INDEX t_v ON t (v)")],
            sql: sql, withoutRowID: withoutRowID)
        let rows: [[Value]] = [
            // As a database written by another SQLite version (or edited with writable_schema) may hold them.
            [.integer(1), .text("42"), .text(" 7 "), .real(3), .integer(5), .text("00000000000000000000000000000042")],
            [.integer(2), .real(2.0), .real(-0.0), .text("1e5"), .real(1.5), .text("12e4")],
            // Ordinary values that affinity leaves alone.
            [.integer(3), .integer(42), .text("lots-of-it"), .real(0.25), .text("x"), .bytes([9])],
        ]
        let archive = dir.file("a.authx.gz")
        try RestoreTestSupport.writeArchive(at: archive, backend: "sqlite", tables: [(schema, rows)])
        let target = dir.file("t.db")
        var options = SQLiteRestoreOptions()
        options.fullIntegrityCheck = withoutRowID
        let summary = try SQLiteRestore.restore(archive: archive, to: target, options: options)
        #expect(summary.warnings.count == 1)
        #expect(summary.warnings.first?.contains("2 row(s) keep values in column(s) v, n, r, s, u") == true)
        let restored = try RestoreTestSupport.query(
            target, "SELECT typeof(v), typeof(n), typeof(r), typeof(s), typeof(u) FROM t ORDER BY id"
        ).map { $0.map { $0.string ?? "?" } }
        #expect(
            restored == [
                ["text", "text", "real", "integer", "text"],
                ["real", "real", "text", "real", "text"],
                ["integer", "text", "real", "text", "blob"],
            ])
        let values = try RestoreTestSupport.typed(target, "SELECT v, n, r, s, u FROM t WHERE id = 1")
        #expect(values == [["text:42", "text: 7 ", "real:3.0", "integer:5", "text:00000000000000000000000000000042"]])
        let zero = try RestoreTestSupport.query(target, "SELECT n FROM t WHERE id = 2")
        if case .real(let d)? = zero.first?.first { #expect(d.sign == .minus) } else { Issue.record("expected a REAL") }
        // The original CREATE statement is back, and the database is sound.
        #expect(
            try RestoreTestSupport.query(target, "SELECT sql FROM sqlite_schema WHERE name = 't'").first?.first?.string
                == sql)
        // integrity_check reports exactly what it reports on such a source: the kept storage classes, nothing else.
        let integrity = try RestoreTestSupport.query(target, "PRAGMA integrity_check").compactMap { $0.first?.string }
        #expect(integrity.allSatisfy { $0.contains(" value in t.") }, "\(integrity)")
        // The unique index sees the restored values: the text '42' and the integer 42 are different keys.
        #expect(try RestoreTestSupport.query(target, "SELECT id FROM t WHERE v = '42'").count == 1)
    }

    // MARK: PostgreSQL archives

    static var accounts: TableSchema {
        TableSchema(
            name: "accounts",
            columns: [
                Column(
                    name: "id", type: .integer, nullable: false, sourceType: "bigint", encoding: .native,
                    autoIncrement: true),
                Column(
                    name: "email", type: .text, nullable: false, sourceType: "character varying(255)", maxLength: 255),
                Column(
                    name: "is_admin", type: .boolean, nullable: false, sourceType: "boolean", encoding: .native,
                    defaultSQL: "false"),
                Column(
                    name: "created_at", type: .timestamp, nullable: false, sourceType: "timestamp with time zone",
                    encoding: .native, defaultSQL: "now()"),
                Column(name: "profile", type: .json, sourceType: "jsonb", encoding: .native, defaultSQL: "'{}'::jsonb"),
                Column(
                    name: "balance", type: .decimal, sourceType: "numeric(10,2)", encoding: .native, precision: 10,
                    scale: 2),
                Column(
                    name: "token", type: .uuid, nullable: false, sourceType: "uuid", encoding: .native,
                    defaultSQL: "gen_random_uuid()"),
                Column(name: "nickname", type: .text, sourceType: "text", defaultSQL: "'anon'::text"),
            ],
            primaryKey: ["id"], uniqueConstraints: [UniqueConstraint(name: "accounts_email_key", columns: ["email"])],
            indexes: [
                Index(
                    name: "accounts_lower_email", columns: [], hasExpressions: true,
                    sql: "CREATE INDEX accounts_lower_email ON public.accounts USING btree (lower((email)::text))")
            ],
            checks: [
                CheckConstraint(name: "accounts_balance_check", expression: "(balance >= 0)"),
                CheckConstraint(name: "accounts_email_check", expression: "((email)::text <> ''::text)"),
            ],
            sql: "CREATE TABLE public.accounts (…)")
    }

    static var sessions: TableSchema {
        TableSchema(
            name: "sessions",
            columns: [
                Column(name: "id", type: .uuid, nullable: false, sourceType: "uuid", encoding: .native),
                Column(name: "account_id", type: .integer, nullable: false, sourceType: "bigint", encoding: .native),
                Column(name: "expires_at", type: .timestamp, sourceType: "timestamp with time zone", encoding: .native),
                Column(name: "data", type: .bytes, sourceType: "bytea", encoding: .native),
            ],
            primaryKey: ["id"],
            foreignKeys: [
                ForeignKey(
                    name: "sessions_account_fk", columns: ["account_id"], referencedTable: "accounts",
                    referencedColumns: ["id"], onDelete: "CASCADE")
            ],
            indexes: [
                Index(name: "sessions_account_id_idx", columns: ["account_id"]),
                Index(name: "sessions_live_idx", columns: ["expires_at"], predicate: "(expires_at IS NOT NULL)"),
            ])
    }

    @Test func postgresArchiveGetsSQLiteDDLAndNaturalStorage() throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        let archive = dir.file("pg.authx.gz")
        try RestoreTestSupport.writeArchive(
            at: archive, backend: "postgresql",
            tables: [
                (
                    Self.accounts,
                    [
                        [
                            .integer(1), .text("ada@example.com"), .boolean(true), .text("2024-05-01T10:00:00.123456Z"),
                            .json(#"{"theme":"dark","n":[1,2]}"#), .text("12.50"),
                            .text("7c9e6679-7425-40de-944b-e07fc1f90ae7"), .null,
                        ],
                        [
                            .integer(7), .text("bob@example.com"), .boolean(false), .text("2024-05-02T00:00:00Z"),
                            .json("null"), .text("0"), .text("0b9e8a52-3c4f-4a8e-9a7e-2f6d7c1e4b10"), .text("b"),
                        ],
                    ]
                ),
                (
                    Self.sessions,
                    [[.text("11111111-2222-4333-8444-555555555555"), .integer(7), .null, .bytes([0xDE, 0xAD])]]
                ),
            ],
            objects: [
                SchemaObject(
                    type: "view", name: "admins",
                    sql: "CREATE VIEW admins AS SELECT id, email FROM accounts WHERE is_admin"),
                SchemaObject(type: "view", name: "broken", sql: "CREATE VIEW broken AS SELECT * FROM audit_events"),
                SchemaObject(
                    type: "trigger", name: "accounts_audit", table: "accounts",
                    sql:
                        "CREATE TRIGGER accounts_audit AFTER UPDATE ON public.accounts FOR EACH ROW EXECUTE FUNCTION audit()"
                ),
            ])
        let target = dir.file("pg.db")
        let summary = try SQLiteRestore.restore(archive: archive, to: target, options: .init())
        #expect(summary.tables == 2)
        #expect(summary.rows == 3)
        let warnings = summary.warnings.joined(separator: "\n")
        #expect(warnings.contains("accounts_email_check"))
        #expect(warnings.contains("accounts_lower_email"))
        #expect(warnings.contains("accounts_audit"))
        #expect(warnings.contains("view broken not created: no such table: main.audit_events"))
        #expect(!warnings.contains("accounts_balance_check"))

        #expect(
            try RestoreTestSupport.typed(target, "SELECT * FROM accounts ORDER BY id") == [
                [
                    "integer:1", "text:ada@example.com", "integer:1", "text:2024-05-01 10:00:00.123456",
                    #"text:{"theme":"dark","n":[1,2]}"#, "real:12.5", "text:7c9e6679742540de944be07fc1f90ae7",
                    "null",
                ],
                [
                    "integer:7", "text:bob@example.com", "integer:0", "text:2024-05-02 00:00:00", "text:null",
                    "integer:0",
                    "text:0b9e8a523c4f4a8e9a7e2f6d7c1e4b10", "text:b",
                ],
            ])
        #expect(
            try RestoreTestSupport.typed(target, "SELECT * FROM sessions") == [
                ["text:11111111222243338444555555555555", "integer:7", "null", "blob:dead"]
            ])
        let objects = try RestoreTestSupport.query(
            target, "SELECT type, name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
        #expect(
            objects.map { "\($0[0].string ?? "") \($0[1].string ?? "")" } == [
                "table accounts", "view admins", "table sessions", "index sessions_account_id_idx",
                "index sessions_live_idx",
            ])

        // The generated schema enforces what the PostgreSQL one did, and fills defaults SQLite-style.
        let connection = try SQLiteConnection(path: target, mode: .readWrite)
        defer { try? connection.close() }
        try connection.execute("PRAGMA foreign_keys = ON")
        #expect(throws: SQLiteError.self) {
            try connection.execute("INSERT INTO sessions (id, account_id) VALUES ('x', 99)")
        }
        #expect(throws: SQLiteError.self) {
            try connection.execute("UPDATE accounts SET profile = '{bad' WHERE id = 1")
        }
        #expect(throws: SQLiteError.self) {
            try connection.execute("INSERT INTO accounts (email, balance) VALUES ('neg@example.com', -1)")
        }
        #expect(throws: SQLiteError.self) {
            try connection.execute("INSERT INTO accounts (email) VALUES ('ada@example.com')")
        }
        try connection.execute("INSERT INTO accounts (email) VALUES ('new@example.com')")
        let fresh = try connection.query(
            "SELECT id, is_admin, created_at, profile, token, nickname FROM accounts WHERE email = 'new@example.com'")
        #expect(fresh.first?[0] == .integer(8))
        #expect(fresh.first?[1] == .integer(0))
        let created = fresh.first?[2].string ?? ""
        // The ORMs' naive UTC text (SQLite gives milliseconds, spelled with six digits).
        #expect(created.count == 26 && Array(created)[10] == " " && created.hasSuffix("000"), "\(created)")
        #expect(fresh.first?[3].string == "{}")
        let token = fresh.first?[4].string ?? ""
        #expect(token.count == 32 && Array(token)[12] == "4" && !token.contains("-"), "\(token)")
        #expect(fresh.first?[5].string == "anon")
        try connection.execute("DELETE FROM accounts WHERE id = 7")
        #expect(try connection.query("SELECT count(*) FROM sessions").first?.first == .integer(0))
    }

    // MARK: Atomicity and errors

    /// A canonical uuid made from a number.
    static func uuid(_ i: Int) -> String {
        let hex = String(i, radix: 16)
        let digits = String(repeating: "0", count: 32 - hex.count) + hex
        let d = Array(digits)
        return String(d[0..<8]) + "-" + String(d[8..<12]) + "-" + String(d[12..<16]) + "-" + String(d[16..<20]) + "-"
            + String(d[20..<32])
    }

    /// `count` rows of ``users``: enough for several kilobytes of compressed rows, so a byte in the middle of the
    /// archive is inside them.
    static func manyUserRows(_ count: Int) -> [[Value]] {
        (0..<count).map { i in
            [
                .text(uuid(i)), .text("u\(i)@example.com"), .boolean(i % 2 == 0),
                .text("2024-05-01T10:00:00Z"), .null, .null, .null, .integer(Int64(i)),
            ]
        }
    }

    @Test func aCorruptArchiveLeavesNoFileBehind() throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        let archive = dir.file("a.authx.gz")
        let many = Self.manyUserRows(3000)
        try RestoreTestSupport.writeArchive(at: archive, backend: "sqlite", tables: [(Self.users, many)])
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: archive)))
        bytes[bytes.count / 2] ^= 0x55
        try Data(bytes).write(to: URL(fileURLWithPath: archive))
        let target = dir.file("t.db")
        #expect(throws: ArchiveError.self) { try SQLiteRestore.restore(archive: archive, to: target, options: .init()) }
        #expect(try dir.listing() == ["a.authx.gz", "a.authx.gz.sha256"])

        // Truncated.
        try Data(bytes.prefix(bytes.count - 40)).write(to: URL(fileURLWithPath: archive))
        #expect(throws: ArchiveError.self) { try SQLiteRestore.restore(archive: archive, to: target, options: .init()) }
        #expect(try dir.listing() == ["a.authx.gz", "a.authx.gz.sha256"])
    }

    /// A naive timestamp column whose `time_zone` is spelled as an IANA name this system's tz database lacks: the
    /// archive is valid (spec §4.3.1: validity is a property of the file), this target cannot apply the zone —
    /// `unsupported_value` (exit 3), naming the table and column, and no file is left.
    @Test func aTimeZoneTheSystemDoesNotKnowIsUnsupportedNotInvalid() throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        // As a SQLite export writes it (the table's own SQL: an exact restore converts values back to the zone).
        let archive = dir.file("a.authx.gz")
        let table = TableSchema(
            name: "t",
            columns: [
                Column(name: "id", type: .integer, nullable: false, sourceType: "INTEGER"),
                Column(
                    name: "ts", type: .timestamp, sourceType: "DATETIME", encoding: .naiveText,
                    timeZone: "Mars/Olympus_Mons"),
            ], primaryKey: ["id"], sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, ts DATETIME)")
        try RestoreTestSupport.writeArchive(
            at: archive, backend: "sqlite", tables: [(table, [[.integer(1), .text("2026-01-02T10:30:00Z")]])])
        let target = dir.file("t.db")
        do {
            _ = try SQLiteRestore.restore(archive: archive, to: target, options: .init())
            Issue.record("restored a zone no tz database has")
        } catch let error as ArchiveError {
            #expect(error.code == .unsupportedValue, "\(error)")
            #expect(error.location.table == "t" && error.location.column == "ts", "\(error)")
            #expect(error.message.contains("Mars/Olympus_Mons"))
        }
        #expect(try dir.listing() == ["a.authx.gz", "a.authx.gz.sha256"])
    }

    @Test func rowsOfTablesLeftOutAreStillVerified() throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        let archive = dir.file("a.authx.gz")
        let many = Self.manyUserRows(3000)
        let small = TableSchema(
            name: "small", columns: [Column(name: "id", type: .integer, nullable: false)], primaryKey: ["id"],
            sql: "CREATE TABLE small (id INTEGER PRIMARY KEY)")
        try RestoreTestSupport.writeArchive(
            at: archive, backend: "sqlite", tables: [(Self.users, many), (small, [[.integer(1)]])])
        var options = SQLiteRestoreOptions()
        options.tables = TableFilter(include: ["small"])
        let intact = try SQLiteRestore.restore(archive: archive, to: dir.file("ok.db"), options: options)
        #expect(intact.tables == 1 && intact.rows == 1)

        // A damaged byte in the rows of `users`, which is not restored, still fails the restore.
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: archive)))
        bytes[bytes.count / 2] ^= 0x55
        try Data(bytes).write(to: URL(fileURLWithPath: archive))
        #expect(throws: ArchiveError.self) {
            try SQLiteRestore.restore(archive: archive, to: dir.file("t.db"), options: options)
        }
        #expect(try dir.listing() == ["a.authx.gz", "a.authx.gz.sha256", "ok.db"])
    }

    @Test func aDuplicateKeyNamesTableRowAndColumnAndLeavesNoFile() throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        let archive = dir.file("a.authx.gz")
        var rows = Self.userRows
        rows[2][1] = .text("ada@example.com")
        try RestoreTestSupport.writeArchive(at: archive, backend: "sqlite", tables: [(Self.users, rows)])
        let error = #expect(throws: ArchiveError.self) {
            try SQLiteRestore.restore(archive: archive, to: dir.file("t.db"), options: .init())
        }
        #expect(error?.code == .duplicateKey)
        #expect(error?.location.table == "users")
        #expect(error?.location.row == 3)
        #expect(error?.location.column == "email")
        #expect(error?.location.line != nil)
        #expect(try dir.listing() == ["a.authx.gz", "a.authx.gz.sha256"])
    }

    @Test func aValueSQLiteCannotStoreNamesTableRowColumnAndLineAndLeavesNoFile() throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        let archive = dir.file("a.authx.gz")
        let readings = TableSchema(
            name: "readings",
            columns: [
                Column(name: "id", type: .integer, nullable: false), Column(name: "note", type: .text),
                Column(name: "value", type: .real),
            ],
            primaryKey: ["id"], sql: "CREATE TABLE readings (id INTEGER PRIMARY KEY, note TEXT, value REAL)")
        // NaN is a valid archive value (a PostgreSQL double precision can hold it); SQLite would store NULL.
        let rows: [[Value]] = [
            [.integer(1), .text("tab\there"), .real(1.5)], [.integer(2), .text("ok"), .real(.nan)],
        ]
        try RestoreTestSupport.writeArchive(at: archive, backend: "sqlite", tables: [(readings, rows)])
        let error = #expect(throws: ArchiveError.self) {
            try SQLiteRestore.restore(archive: archive, to: dir.file("t.db"), options: .init())
        }
        #expect(error?.code == .unsupportedValue)
        #expect(error?.location.path == archive)
        #expect(error?.location.table == "readings")
        #expect(error?.location.row == 2)
        #expect(error?.location.column == "value")
        #expect(error?.location.line != nil)
        #expect(error?.message.contains("NaN") == true)
        #expect(try dir.listing() == ["a.authx.gz", "a.authx.gz.sha256"])
    }

    @Test func aDanglingForeignKeyFailsTheRestore() throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        let parent = TableSchema(
            name: "parent", columns: [Column(name: "id", type: .integer, nullable: false)], primaryKey: ["id"],
            sql: "CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        let child = TableSchema(
            name: "child",
            columns: [Column(name: "id", type: .integer, nullable: false), Column(name: "parent_id", type: .integer)],
            primaryKey: ["id"],
            foreignKeys: [ForeignKey(columns: ["parent_id"], referencedTable: "parent", referencedColumns: ["id"])],
            sql: "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id))")
        let archive = dir.file("a.authx.gz")
        try RestoreTestSupport.writeArchive(
            at: archive, backend: "sqlite",
            tables: [(parent, [[.integer(1)]]), (child, [[.integer(1), .integer(1)], [.integer(2), .integer(5)]])])
        let error = #expect(throws: ArchiveError.self) {
            try SQLiteRestore.restore(archive: archive, to: dir.file("t.db"), options: .init())
        }
        #expect(error?.code == .danglingReference)
        #expect(error?.location.table == "child")
        #expect(error?.message.contains("rowid 2") == true)
        #expect(error?.message.hasSuffix("; `authx verify --keys \(archive)` lists every one with its row") == true)
        #expect(try dir.listing() == ["a.authx.gz", "a.authx.gz.sha256"])

        // Restoring only the child: the reference to a table that was not restored is a warning.
        var options = SQLiteRestoreOptions()
        options.tables = TableFilter(include: ["child"])
        let summary = try SQLiteRestore.restore(archive: archive, to: dir.file("child.db"), options: options)
        #expect(summary.tables == 1)
        #expect(summary.warnings.contains { $0.contains("parent") })
    }

    @Test func anExistingTargetIsKeptUnlessOverwriteAndThenReplacedAtomically() throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        let archive = dir.file("a.authx.gz")
        try RestoreTestSupport.writeArchive(at: archive, backend: "sqlite", tables: [(Self.users, Self.userRows)])
        let target = dir.file("t.db")
        try RestoreTestSupport.makeDatabase(at: target, "CREATE TABLE old (x); INSERT INTO old VALUES (1);")
        let error = #expect(throws: ArchiveError.self) {
            try SQLiteRestore.restore(archive: archive, to: target, options: .init())
        }
        #expect(error?.code == .io)
        #expect(error?.description.contains("--force") == true)
        #expect(try RestoreTestSupport.query(target, "SELECT name FROM sqlite_schema").first?.first?.string == "old")

        // A leftover write-ahead log means the old database is in use: refuse even with overwrite.
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: target + "-wal"))
        var options = SQLiteRestoreOptions()
        options.overwrite = true
        #expect(throws: ArchiveError.self) { try SQLiteRestore.restore(archive: archive, to: target, options: options) }
        try FileManager.default.removeItem(atPath: target + "-wal")

        // The replaced file's mode is kept (as writing in place would), since 49a83cd.
        let replacedMode = try RestoreTestSupport.mode(target)
        _ = try SQLiteRestore.restore(archive: archive, to: target, options: options)
        #expect(try RestoreTestSupport.query(target, "SELECT count(*) FROM users").first?.first == .integer(3))
        #expect(
            try RestoreTestSupport.query(target, "SELECT count(*) FROM sqlite_schema WHERE name = 'old'").first?.first
                == .integer(0))
        #expect(try RestoreTestSupport.mode(target) == replacedMode)
        #expect(try dir.listing() == ["a.authx.gz", "a.authx.gz.sha256", "t.db"])
    }

    // MARK: Hostile schema SQL

    @Test(arguments: [
        "CREATE TABLE t (a); ATTACH DATABASE '/tmp/authx-evil.db' AS evil",
        "CREATE TABLE t AS SELECT 1 AS a",
        "CREATE TEMP TABLE t (a)",
        "DROP TABLE IF EXISTS t",
        "CREATE TABLE t (a)\u{0}; PRAGMA writable_schema = ON",
        "CREATE VIRTUAL TABLE t USING fts5(a)",
    ])
    func schemaSQLThatIsNotOneCreateTableIsRefused(sql: String) throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        let schema = TableSchema(name: "t", columns: [Column(name: "a", type: .any)], sql: sql)
        let archive = dir.file("a.authx.gz")
        try RestoreTestSupport.writeArchive(at: archive, backend: "sqlite", tables: [(schema, [[.integer(1)]])])
        let error = #expect(throws: ArchiveError.self) {
            try SQLiteRestore.restore(archive: archive, to: dir.file("t.db"), options: .init())
        }
        #expect(error?.code == .badRecord)
        #expect(try dir.listing() == ["a.authx.gz", "a.authx.gz.sha256"])
        #expect(!FileManager.default.fileExists(atPath: "/tmp/authx-evil.db"))
    }

    @Test func aTriggerRecordHoldingOtherSQLIsRefused() throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        let archive = dir.file("a.authx.gz")
        try RestoreTestSupport.writeArchive(
            at: archive, backend: "sqlite", tables: [(Self.users, Self.userRows)],
            objects: [SchemaObject(type: "trigger", name: "x", table: "users", sql: "CREATE TABLE sneaky (a)")])
        let error = #expect(throws: ArchiveError.self) {
            try SQLiteRestore.restore(archive: archive, to: dir.file("t.db"), options: .init())
        }
        #expect(error?.code == .badRecord)
        #expect(try dir.listing() == ["a.authx.gz", "a.authx.gz.sha256"])
    }

    @Test func identifiersFromAPostgresArchiveAreQuoted() throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        let name = "we\"ird); DROP TABLE x; --"
        let schema = TableSchema(
            name: name,
            columns: [
                Column(name: "id", type: .integer, nullable: false), Column(name: "sel\"ect", type: .text),
                Column(name: "order", type: .boolean),
            ],
            primaryKey: ["id"], uniqueConstraints: [UniqueConstraint(name: "u\"q", columns: ["sel\"ect"])],
            indexes: [Index(name: "i\"x", columns: ["order"])])
        let archive = dir.file("a.authx.gz")
        try RestoreTestSupport.writeArchive(
            at: archive, backend: "postgresql", tables: [(schema, [[.integer(1), .text("a"), .boolean(true)]])])
        let target = dir.file("t.db")
        _ = try SQLiteRestore.restore(archive: archive, to: target, options: .init())
        #expect(
            try RestoreTestSupport.typed(target, "SELECT * FROM \"we\"\"ird); DROP TABLE x; --\"") == [
                ["integer:1", "text:a", "integer:1"]
            ])
    }

    // MARK: sqlite_sequence, filters, schema only, plan, progress

    static var sequenceTable: TableSchema {
        TableSchema(
            name: "sqlite_sequence", columns: [Column(name: "name", type: .any), Column(name: "seq", type: .any)],
            sql: "CREATE TABLE sqlite_sequence(name,seq)")
    }

    static var tickets: TableSchema {
        TableSchema(
            name: "tickets",
            columns: [
                Column(name: "id", type: .integer, nullable: false, sourceType: "INTEGER", autoIncrement: true),
                Column(name: "title", type: .text),
            ],
            primaryKey: ["id"], sql: "CREATE TABLE tickets (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT)")
    }

    @Test func autoincrementCountersComeBackEvenAboveTheLargestKey() throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        let archive = dir.file("a.authx.gz")
        try RestoreTestSupport.writeArchive(
            at: archive, backend: "sqlite",
            tables: [
                (Self.tickets, [[.integer(1), .text("a")], [.integer(3), .text("b")]]),
                (Self.sequenceTable, [[.text("tickets"), .integer(10)], [.text("gone"), .integer(4)]]),
            ])
        let target = dir.file("t.db")
        let summary = try SQLiteRestore.restore(archive: archive, to: target, options: .init())
        #expect(summary.tables == 1)
        #expect(
            try RestoreTestSupport.typed(target, "SELECT name, seq FROM sqlite_sequence") == [
                ["text:tickets", "integer:10"]
            ])
        let connection = try SQLiteConnection(path: target, mode: .readWrite)
        try connection.execute("INSERT INTO tickets (title) VALUES ('c')")
        #expect(connection.lastInsertRowID == 11)
        try connection.close()
    }

    @Test(arguments: [[[Value.integer(1), .text("a")], [.integer(3), .text("b")]], []])
    func theTablesSequenceValueSetsTheAutoincrementCounter(rows: [[Value]]) throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        var tickets = Self.tickets
        tickets.sequenceValue = 10
        var plain = TableSchema(
            name: "plain", columns: [Column(name: "id", type: .integer, nullable: false)], primaryKey: ["id"],
            sql: "CREATE TABLE plain (id INTEGER PRIMARY KEY)")
        plain.sequenceValue = 99
        let archive = dir.file("a.authx.gz")
        try RestoreTestSupport.writeArchive(
            at: archive, backend: "sqlite", tables: [(tickets, rows), (plain, [[.integer(1)]])])
        let target = dir.file("t.db")
        _ = try SQLiteRestore.restore(archive: archive, to: target, options: .init())
        #expect(
            try RestoreTestSupport.typed(target, "SELECT name, seq FROM sqlite_sequence") == [
                ["text:tickets", "integer:10"]
            ])
        let connection = try SQLiteConnection(path: target, mode: .readWrite)
        try connection.execute("INSERT INTO tickets (title) VALUES ('c'); INSERT INTO plain DEFAULT VALUES")
        #expect(try connection.query("SELECT max(id) FROM tickets").first?.first == .integer(11))
        #expect(try connection.query("SELECT max(id) FROM plain").first?.first == .integer(2))
        try connection.close()
    }

    @Test func tableFilterAndSchemaOnly() throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        let archive = dir.file("a.authx.gz")
        try RestoreTestSupport.writeArchive(
            at: archive, backend: "sqlite",
            tables: [(Self.users, Self.userRows), (Self.tickets, [[.integer(1), .text("a")]])],
            objects: [
                SchemaObject(
                    type: "trigger", name: "users_touch", table: "users",
                    sql: "CREATE TRIGGER users_touch AFTER UPDATE ON users BEGIN SELECT 1; END")
            ])
        var options = SQLiteRestoreOptions()
        options.tables = TableFilter(exclude: ["us*"])
        let filtered = dir.file("filtered.db")
        let summary = try SQLiteRestore.restore(archive: archive, to: filtered, options: options)
        #expect(summary.tables == 1)
        #expect(summary.rows == 1)
        #expect(
            try RestoreTestSupport.query(filtered, "SELECT name FROM sqlite_schema ORDER BY name").map { $0[0].string }
                == [
                    "sqlite_sequence", "tickets",
                ])

        options = SQLiteRestoreOptions()
        options.schemaOnly = true
        let schemaOnly = dir.file("schema.db")
        let second = try SQLiteRestore.restore(archive: archive, to: schemaOnly, options: options)
        #expect(second.rows == 0)
        #expect(try RestoreTestSupport.query(schemaOnly, "SELECT count(*) FROM users").first?.first == .integer(0))
        #expect(
            try RestoreTestSupport.query(schemaOnly, "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'").first?
                .first == .integer(1))

        options = SQLiteRestoreOptions()
        options.tables = TableFilter(include: ["nope"])
        // A filter selecting nothing is refused, never an empty database published (since 49a83cd).
        let none = #expect(throws: ArchiveError.self) {
            try SQLiteRestore.restore(archive: archive, to: dir.file("none.db"), options: options)
        }
        #expect(none?.message.contains("nope") == true)
        #expect(!FileManager.default.fileExists(atPath: dir.file("none.db")))
    }

    @Test func thePlanListsTheStatementsAndTouchesNothing() throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        let archive = dir.file("a.authx.gz")
        try RestoreTestSupport.writeArchive(
            at: archive, backend: "sqlite", tables: [(Self.users, Self.userRows)],
            objects: [SchemaObject(type: "view", name: "v", sql: "CREATE VIEW v AS SELECT id FROM users")])
        let plan = try SQLiteRestore.plan(archive: archive, options: .init())
        #expect(plan.hasPrefix("-- authx restore plan: sqlite database test (3.40.1)"))
        #expect(plan.contains(Self.usersSQL + ";"))
        #expect(
            plan.contains(
                #"INSERT INTO "users" ("id", "email", "is_active", "created_at", "prefs", "avatar", "score", "misc") VALUES (?, ?, ?, ?, ?, ?, ?, ?);"#
            ))
        #expect(plan.contains("id: TEXT (uuid, hex32)"))
        #expect(plan.contains("CREATE INDEX ix_users_created ON users (created_at);"))
        #expect(plan.contains("CREATE VIEW v AS SELECT id FROM users;"))
        #expect(plan.hasSuffix("PRAGMA integrity_check;\n"))
        let indexPosition = try #require(plan.range(of: "CREATE INDEX")?.lowerBound)
        let insertPosition = try #require(plan.range(of: "INSERT INTO")?.lowerBound)
        #expect(insertPosition < indexPosition)
        #expect(try dir.listing() == ["a.authx.gz", "a.authx.gz.sha256"])
    }

    @Test func viewsMayReferToLaterViewsAndStatisticsComeBack() throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        let stat = TableSchema(
            name: "sqlite_stat1",
            columns: [
                Column(name: "tbl", type: .any), Column(name: "idx", type: .any), Column(name: "stat", type: .any),
            ],
            sql: "CREATE TABLE sqlite_stat1(tbl,idx,stat)")
        let archive = dir.file("a.authx.gz")
        try RestoreTestSupport.writeArchive(
            at: archive, backend: "sqlite",
            tables: [
                (Self.users, Self.userRows),
                (
                    stat,
                    [[.text("users"), .text("ix_users_created"), .text("3 1")], [.text("gone"), .null, .text("9")]]
                ),
            ],
            objects: [
                SchemaObject(type: "view", name: "v2", sql: "CREATE VIEW v2 AS SELECT id FROM v1"),
                SchemaObject(type: "view", name: "v1", sql: "CREATE VIEW v1 AS SELECT id FROM users"),
            ])
        let target = dir.file("t.db")
        _ = try SQLiteRestore.restore(archive: archive, to: target, options: .init())
        #expect(try RestoreTestSupport.query(target, "SELECT count(*) FROM v2").first?.first == .integer(3))
        #expect(
            try RestoreTestSupport.typed(target, "SELECT * FROM sqlite_stat1") == [
                ["text:users", "text:ix_users_created", "text:3 1"]
            ])
    }

    @Test func thePlanOfAPostgresArchiveShowsTheGeneratedDDLAndWarnings() throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        let archive = dir.file("pg.authx.gz")
        try RestoreTestSupport.writeArchive(
            at: archive, backend: "postgresql", tables: [(Self.accounts, []), (Self.sessions, [])])
        let plan = try SQLiteRestore.plan(archive: archive, options: .init())
        #expect(plan.contains(#""id" INTEGER PRIMARY KEY AUTOINCREMENT"#))
        #expect(plan.contains(#""profile" TEXT DEFAULT '{}' CHECK (json_valid("profile") OR "profile" IS NULL)"#))
        #expect(
            plan.contains(
                #"CONSTRAINT "sessions_account_fk" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON DELETE CASCADE"#
            ))
        #expect(
            plan.contains(
                #"CREATE INDEX "sessions_live_idx" ON "sessions" ("expires_at") WHERE (expires_at IS NOT NULL);"#))
        #expect(plan.contains("-- warning: table accounts: CHECK accounts_email_check"))
        #expect(try dir.listing() == ["pg.authx.gz", "pg.authx.gz.sha256"])
    }

    /// Found by scripts/fuzz: SQLite 3.40's json_valid(NULL) is 0, so the generated CHECK refused every SQL NULL
    /// of a nullable json column and a PostgreSQL archive with a null jsonb could not be restored.
    @Test func aNullInANullableJSONColumnOfAPostgresArchiveRestores() throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        let docs = TableSchema(
            name: "docs",
            columns: [
                Column(name: "id", type: .integer, nullable: false, sourceType: "bigint", encoding: .native),
                Column(name: "body", type: .json, sourceType: "jsonb", encoding: .native),
                Column(name: "meta", type: .json, nullable: false, sourceType: "jsonb", encoding: .native),
            ],
            primaryKey: ["id"])
        let archive = dir.file("pg.authx.gz")
        try RestoreTestSupport.writeArchive(
            at: archive, backend: "postgresql",
            tables: [(docs, [[.integer(1), .null, .json("{}")], [.integer(2), .json("null"), .json("[1]")]])])
        let target = dir.file("t.db")
        _ = try SQLiteRestore.restore(archive: archive, to: target, options: .init())
        #expect(
            try RestoreTestSupport.typed(target, "SELECT body, meta FROM docs ORDER BY id") == [
                ["null", "text:{}"], ["text:null", "text:[1]"],
            ])
        // The CHECK still refuses text that is not JSON, in both columns.
        #expect(throws: (any Error).self) {
            try RestoreTestSupport.makeDatabase(at: target, "INSERT INTO docs VALUES (3, '{', '{}')")
        }
        #expect(throws: (any Error).self) {
            try RestoreTestSupport.makeDatabase(at: target, "INSERT INTO docs VALUES (4, NULL, '{')")
        }
    }

    @Test func progressReportsEachTable() throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        let archive = dir.file("a.authx.gz")
        try RestoreTestSupport.writeArchive(
            at: archive, backend: "sqlite",
            tables: [(Self.users, Self.userRows), (Self.tickets, [[.integer(1), .text("a")]])])
        let events = EventLog()
        var options = SQLiteRestoreOptions()
        options.progress = { event in events.add("\(event.kind) \(event.table) \(event.rowsDone)") }
        _ = try SQLiteRestore.restore(archive: archive, to: dir.file("t.db"), options: options)
        #expect(
            events.all == [
                "tableStarted users 0", "tableFinished users 3", "tableStarted tickets 0", "tableFinished tickets 1",
            ])
    }
}

/// Collects progress events from the restoring thread.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [String] = []
    func add(_ event: String) { lock.withLock { events.append(event) } }
    var all: [String] { lock.withLock { events } }
}
