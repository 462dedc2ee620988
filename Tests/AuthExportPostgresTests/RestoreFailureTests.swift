import AuthExport
import Foundation
import Synchronization
import Testing

@testable import AuthExportPostgres

/// A failed restore leaves the target database exactly as it was, and says where it failed.
@Suite struct RestoreFailureTests {
    static let accounts = TableSchema(
        name: "accounts",
        columns: [Column(name: "id", type: .integer, nullable: false, sourceType: "INTEGER", autoIncrement: true),
                  Column(name: "email", type: .text, nullable: false)],
        primaryKey: ["id"])
    static let tokens = TableSchema(
        name: "tokens",
        columns: [Column(name: "id", type: .integer, nullable: false, sourceType: "INTEGER", autoIncrement: true),
                  Column(name: "account_id", type: .integer, sourceType: "INTEGER"),
                  Column(name: "token", type: .text)],
        primaryKey: ["id"],
        foreignKeys: [ForeignKey(columns: ["account_id"], referencedTable: "accounts", referencedColumns: ["id"])])

    static func accountRows(_ n: Int) -> [[Value]] {
        (1...n).map { [.integer(Int64($0)), .text("user\($0)@example.com")] }
    }

    static func tokenRows(_ n: Int, accounts: Int) -> [[Value]] {
        (1...n).map { [.integer(Int64($0)), .integer(Int64($0 % accounts + 1)), .text(String(repeating: "t\($0)-", count: 20))] }
    }

    /// A target that already holds data: a table the restore does not touch, and a schema.
    static func prepareTarget(_ db: TestDatabase) throws -> [String] {
        try db.execute(
            """
            CREATE SCHEMA keep; CREATE TABLE keep.notes (id int PRIMARY KEY, body text);
            INSERT INTO keep.notes VALUES (1, 'before'), (2, 'the restore');
            CREATE TABLE public.audit (at timestamptz, what text); INSERT INTO public.audit VALUES ('2024-01-01Z', 'x');
            """)
        return try db.snapshot()
    }

    @Test(arguments: [1, 3])
    func corruptedBytesInTheLastTableRollBackEverything(jobs: Int) throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = dir.file("corrupt.authx.gz")
        try TestArchives.write(archive, [(Self.accounts, Self.accountRows(2000)), (Self.tokens, Self.tokenRows(30000, accounts: 2000))])
        // Flip one byte in the middle of the last table's compressed data.
        let listing = try ArchiveListing(path: archive)
        let last = try #require(listing.tables.last?.entry)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: archive)))
        let position = Int(last.offset + last.compressedBytes / 2)
        bytes[position] ^= 0x5A
        try Data(bytes).write(to: URL(fileURLWithPath: archive))

        let before = try Self.prepareTarget(db)
        let error = #expect(throws: ArchiveError.self) { try PostgresRestore.restore(archive: archive, to: db.url, options: .jobs(jobs)) }
        #expect(error?.location.path == archive)
        #expect(try db.snapshot() == before)
        // The first table had been loaded completely before the damage was found: it is gone too.
        #expect(try db.value("SELECT to_regclass('public.accounts')") == nil)
    }

    @Test(arguments: [1, 3])
    func aValuePostgreSQLCannotStoreInTheLastRowRollsBackAndIsLocated(jobs: Int) throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = dir.file("nul.authx.gz")
        var rows = Self.tokenRows(500, accounts: 10)
        rows[499][2] = .text("bad\u{0}value")
        try TestArchives.write(archive, [(Self.accounts, Self.accountRows(10)), (Self.tokens, rows)])
        let before = try Self.prepareTarget(db)
        let error = #expect(throws: PostgresError.self) { try PostgresRestore.restore(archive: archive, to: db.url, options: .jobs(jobs)) }
        #expect(error?.code == .unsupportedValue)
        #expect(error?.location.table == "tokens")
        #expect(error?.location.row == 500)
        #expect(error?.location.column == "token")
        #expect(error?.description.contains("NUL") == true)
        #expect(error?.description.contains("bad") == false)  // never row values
        #expect(try db.snapshot() == before)
    }

    /// Found by scripts/fuzz with AUTHX_FUZZ_PG_URL: jsonb refuses the escape \u0000, and the server's "unsupported
    /// Unicode escape sequence" did not say why. An escaped backslash before "u0000" is not that escape.
    @Test(arguments: [PostgresRestore.CopyFormat.binary, .text])
    func aNulEscapeInJSONBIsNamedAndRollsBack(format: PostgresRestore.CopyFormat) throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let docs = TableSchema(
            name: "docs",
            columns: [Column(name: "id", type: .integer, nullable: false), Column(name: "body", type: .json)],
            primaryKey: ["id"])
        var rows: [[Value]] = (1...300).map { [.integer(Int64($0)), .json(#"{"n":\#($0),"s":"\\u0000 \u0041"}"#)] }
        rows[299][1] = .json(#"{"s":"secret\u0000"}"#)
        let archive = dir.file("nul.authx.gz")
        try TestArchives.write(archive, [(docs, rows)])
        let before = try Self.prepareTarget(db)
        var options = PostgresRestore.Options()
        options.copyFormat = format
        let error = #expect(throws: PostgresError.self) { try PostgresRestore.restore(archive: archive, to: db.url, options: options) }
        #expect(error?.code == .unsupportedValue)
        #expect(error?.location.table == "docs")
        #expect(error?.location.row == 300)
        #expect(error?.location.column == "body")
        #expect(error?.description.contains("\\u0000") == true, "\(String(describing: error))")
        #expect(error?.description.contains("secret") == false)
        #expect(try db.snapshot() == before)

        // Without that row, the 299 others (an escaped backslash followed by "u0000") restore as they were.
        try TestArchives.write(archive, [(docs, Array(rows.prefix(299)))])
        _ = try PostgresRestore.restore(archive: archive, to: db.url, options: options)
        #expect(try db.value(#"SELECT body->>'s' FROM docs WHERE id = 7"#) == #"\u0000 A"#)
    }

    @Test func aNotNullViolationRollsBackAndNamesTableRowAndColumn() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        // The target declares tokens.token NOT NULL; the archive has a NULL in row 1234 of the last table.
        try db.execute(
            """
            CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL);
            CREATE TABLE tokens (id bigint PRIMARY KEY, account_id bigint REFERENCES accounts (id), token text NOT NULL);
            INSERT INTO accounts VALUES (999, 'existing@example.com');
            """)
        let archive = dir.file("nn.authx.gz")
        var rows = Self.tokenRows(3000, accounts: 10)
        rows[1233][2] = .null
        try TestArchives.write(archive, [(Self.accounts, Self.accountRows(10)), (Self.tokens, rows)])
        let before = try db.snapshot()
        var options = PostgresRestore.Options()
        options.dataOnly = true
        let error = #expect(throws: PostgresError.self) { try PostgresRestore.restore(archive: archive, to: db.url, options: options) }
        #expect(error?.sqlState == "23502")
        #expect(error?.location.table == "tokens")
        #expect(error?.location.row == 1234)
        #expect(error?.location.column == "token")
        #expect(try db.snapshot() == before)
    }

    @Test(arguments: [1, 3])
    func anExistingTableIsRefusedAndNothingChanges(jobs: Int) throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = dir.file("exists.authx.gz")
        try TestArchives.write(archive, [(Self.accounts, Self.accountRows(10)), (Self.tokens, Self.tokenRows(10, accounts: 10))])
        try db.execute("CREATE TABLE tokens (id int); INSERT INTO tokens VALUES (42)")
        let before = try db.snapshot()
        let error = #expect(throws: PostgresError.self) { try PostgresRestore.restore(archive: archive, to: db.url, options: .jobs(jobs)) }
        #expect(error?.code == .tableExists)
        #expect(error?.description.contains("public.tokens already exists") == true)
        #expect(error?.description.contains("--clean") == true)
        #expect(try db.snapshot() == before)
    }

    @Test(arguments: [1, 3])
    func aForeignKeyViolationRollsBackEverything(jobs: Int) throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = dir.file("fk.authx.gz")
        var rows = Self.tokenRows(100, accounts: 10)
        rows[57][1] = .integer(777)  // no such account
        try TestArchives.write(archive, [(Self.accounts, Self.accountRows(10)), (Self.tokens, rows)])
        let before = try Self.prepareTarget(db)
        let error = #expect(throws: PostgresError.self) { try PostgresRestore.restore(archive: archive, to: db.url, options: .jobs(jobs)) }
        #expect(error?.sqlState == "23503")
        #expect(error?.location.table == "tokens")
        #expect(error?.description.contains("foreign key") == true)
        #expect(error?.hint == "`authx verify --keys \(archive)` lists every duplicate key and dangling reference with its row")
        #expect(try db.snapshot() == before)
        // And that command does: the one dangling reference, with its row.
        var verify = ArchiveVerifier.Options()
        verify.checkKeys = true
        let report = try ArchiveVerifier(path: archive, options: verify).run()
        #expect(report.problems.map { "\($0.code) \($0.location.table ?? "") \($0.location.row ?? 0)" } == ["dangling_reference tokens 58"])
    }

    @Test(arguments: [1, 3])
    func aDuplicatePrimaryKeyRollsBackEverything(jobs: Int) throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = dir.file("dup.authx.gz")
        var rows = Self.tokenRows(100, accounts: 10)
        rows[99][0] = .integer(1)
        try TestArchives.write(archive, [(Self.accounts, Self.accountRows(10)), (Self.tokens, rows)])
        let before = try Self.prepareTarget(db)
        let error = #expect(throws: PostgresError.self) { try PostgresRestore.restore(archive: archive, to: db.url, options: .jobs(jobs)) }
        #expect(error?.sqlState == "23505")
        #expect(error?.location.table == "tokens")
        #expect(error?.hint?.hasPrefix("`authx verify --keys ") == true)
        #expect(try db.snapshot() == before)
    }

    @Test(arguments: [1, 3])
    func cleanThatFailsKeepsTheOldTables(jobs: Int) throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let good = dir.file("good.authx.gz")
        try TestArchives.write(good, [(Self.accounts, Self.accountRows(5)), (Self.tokens, Self.tokenRows(5, accounts: 5))])
        _ = try PostgresRestore.restore(archive: good, to: db.url)
        let before = try db.snapshot()
        let bad = dir.file("bad.authx.gz")
        var rows = Self.tokenRows(50, accounts: 10)
        rows[49][1] = .integer(12345)
        try TestArchives.write(bad, [(Self.accounts, Self.accountRows(10)), (Self.tokens, rows)])
        var options = PostgresRestore.Options.jobs(jobs)
        options.clean = true
        #expect(throws: PostgresError.self) { try PostgresRestore.restore(archive: bad, to: db.url, options: options) }
        #expect(try db.snapshot() == before)
    }

    @Test(arguments: [1, 3])
    func cleanRefusesToDropTablesOtherObjectsDependOn(jobs: Int) throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = dir.file("a.authx.gz")
        try TestArchives.write(archive, [(Self.accounts, Self.accountRows(5))])
        _ = try PostgresRestore.restore(archive: archive, to: db.url)
        try db.execute(
            "CREATE TABLE invoices (id int, account_id bigint REFERENCES accounts (id)); CREATE VIEW emails AS SELECT email FROM accounts")
        let before = try db.snapshot()
        var options = PostgresRestore.Options.jobs(jobs)
        options.clean = true
        let error = #expect(throws: PostgresError.self) { try PostgresRestore.restore(archive: archive, to: db.url, options: options) }
        #expect(error?.sqlState == "2BP01")
        #expect(error?.description.contains("depend") == true)
        #expect(try db.snapshot() == before)
    }

    @Test(arguments: [1, 3])
    func cancellingMidwayChangesNothing(jobs: Int) throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = dir.file("big.authx.gz")
        try TestArchives.write(archive, [(Self.accounts, Self.accountRows(5000)), (Self.tokens, Self.tokenRows(40000, accounts: 5000))])
        let before = try Self.prepareTarget(db)
        let polls = Mutex(0)
        var options = PostgresRestore.Options.jobs(jobs)
        // Cancel once the restore is well into the second table.
        options.isCancelled = { polls.withLock { $0 += 1; return $0 > 6 } }
        let error = #expect(throws: PostgresError.self) { try PostgresRestore.restore(archive: archive, to: db.url, options: options) }
        #expect(error?.code == .cancelled)
        #expect(try db.snapshot() == before)
    }

    @Test func connectionErrorsNeverShowThePassword() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let admin = try TestServer.adminURL()
        let archive = dir.file("a.authx.gz")
        try TestArchives.write(archive, [(Self.accounts, Self.accountRows(1))])
        var url = TestServer.url(admin, database: "authx_no_such_database_s3cr3t")
        url = url.replacingOccurrences(of: "://postgres@", with: "://postgres:s3cr3t-pw@")
        let error = #expect(throws: PostgresError.self) { try PostgresRestore.restore(archive: archive, to: url) }
        #expect(error?.code == .connection)
        #expect(error.map { String(reflecting: $0) }?.contains("s3cr3t-pw") == false)
        #expect(error?.description.contains("does not exist") == true)
    }

    @Test func theValueComparisonNoticesAChangedValue() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = dir.file("a.authx.gz")
        try TestArchives.write(archive, [(Self.accounts, Self.accountRows(3))])
        _ = try PostgresRestore.restore(archive: archive, to: db.url)
        try RestoredData.expectEqual(archive: archive, db: db)
        try db.execute("UPDATE accounts SET email = 'changed' WHERE id = 2")
        withKnownIssue("the comparison must fail on a changed value") {
            try RestoredData.expectEqual(archive: archive, db: db)
        }
    }
}

extension PostgresRestore.Options {
    /// Default options with `jobs` connections.
    static func jobs(_ n: Int) -> Self {
        var options = Self()
        options.jobs = n
        return options
    }
}
