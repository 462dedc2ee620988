import AuthExport
import Foundation
import Synchronization
import Testing

@testable import AuthExportPostgres

/// A restore into a database that others use: the role's timeouts do not cut it short, a lock held by another
/// session makes it give up after `lockWaitTimeout` naming that session, and cancelling stops a statement that
/// waits at once. Each time the target is left exactly as it was.
@Suite struct RestoreBesideOtherSessionsTests {
    typealias Fixture = RestoreFailureTests

    /// A superuser role whose every session starts with 1 ms statement and idle-in-transaction timeouts.
    final class HurriedRole {
        let name = "authx_hurried_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)

        init() throws {
            let admin = try PGConnection(conninfo: try TestServer.adminURL())
            defer { admin.close() }
            let role = PGConnection.quoteIdentifier(name)
            try admin.executeScript(
                """
                CREATE ROLE \(role) LOGIN SUPERUSER;
                ALTER ROLE \(role) SET statement_timeout = '1ms';
                ALTER ROLE \(role) SET idle_in_transaction_session_timeout = '1ms'
                """)
        }

        /// `url` connecting as this role.
        func url(_ url: String) -> String { url.replacingOccurrences(of: "://postgres@", with: "://\(name)@") }

        /// Call after the databases its objects live in were dropped.
        func drop() {
            guard let admin = try? PGConnection(conninfo: (try? TestServer.adminURL()) ?? "") else { return }
            defer { admin.close() }
            _ = try? admin.execute("DROP ROLE IF EXISTS \(PGConnection.quoteIdentifier(name))")
        }
    }

    @Test(arguments: [1, 3])
    func theRolesTimeoutsDoNotCutTheRestoreShort(jobs: Int) throws {
        let role = try HurriedRole()
        defer { role.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let url = role.url(db.url)
        #expect(url != db.url)
        // The role's sessions really are that hurried: a COPY of this size takes longer than 1 ms.
        let probe = try PGConnection(conninfo: url)
        #expect(try probe.execute("SHOW statement_timeout").string(0, 0) == "1ms")
        #expect(throws: PostgresError.self) { try probe.execute("SELECT pg_sleep(0.05)") }
        probe.close()

        let archive = dir.file("a.authx.gz")
        try TestArchives.write(
            archive, [(Fixture.accounts, Fixture.accountRows(3000)), (Fixture.tokens, Fixture.tokenRows(30000, accounts: 3000))])
        let summary = try PostgresRestore.restore(archive: archive, to: url, options: .jobs(jobs))
        #expect(summary.rows == 33000)
        try RestoredData.expectEqual(archive: archive, db: db)
        #expect(summary.notes.allSatisfy { !$0.description.contains("ANALYZE failed") }, "\(summary.notes)")
    }

    /// The settings are in the startup packet: on a new connection of the hurried role no statement has run
    /// (`pg_stat_activity.query` is empty), yet the timeouts are already 0 and the lock timeout is ours; the
    /// user's own `options` from the connection string are kept. Deterministic: it does not depend on the role's
    /// 1 ms timeout firing during a SET, as the flaky failure it replaces did.
    @Test func aNewConnectionHasItsSettingsBeforeAnyStatement() throws {
        let role = try HurriedRole()
        defer { role.drop() }
        let db = try TestDatabase()
        defer { db.drop() }
        let admin = try db.connect()
        defer { admin.close() }
        let application = "authx_settings_" + role.name.suffix(12)
        let url = role.url(db.url) + "?application_name=\(application)&options=-c%20search_path%3Dauthx_own"
        let settings = RestoreSession.sessionSettings(.jobs(1))
        let connection = try PGConnection(conninfo: url, settings: settings)
        defer { connection.close() }
        let activity = try admin.execute(
            "SELECT query, state FROM pg_stat_activity WHERE application_name = $1", [application])
        #expect(activity.rowCount == 1)
        #expect(activity.string(0, 0) == "", "a statement ran before the settings: \(activity.string(0, 0) ?? "nil")")
        #expect(try connection.execute("SHOW statement_timeout").string(0, 0) == "0")
        #expect(try connection.execute("SHOW idle_in_transaction_session_timeout").string(0, 0) == "0")
        #expect(try connection.execute("SHOW lock_timeout").string(0, 0) == "30s")
        #expect(try connection.execute("SHOW search_path").string(0, 0) == "authx_own")
        #expect(try connection.execute("SHOW client_encoding").string(0, 0) == "UTF8")
        // The export's text forms come the same way.
        let export = try PGConnection(conninfo: url, settings: PostgresExport.sessionSettings(.init()))
        defer { export.close() }
        #expect(try export.execute("SHOW DateStyle").string(0, 0) == "ISO, YMD")
        #expect(try export.execute("SHOW TimeZone").string(0, 0) == "UTC")
        #expect(try export.execute("SHOW statement_timeout").string(0, 0) == "0")
    }

    /// Every connection a restore (main, `--jobs` loaders, ANALYZE) and an export open runs no `SET` of the
    /// timeouts: the server's statement log for the role (log_statement = all) holds the restore's and export's
    /// statements and not one `SET statement_timeout`. Reads the server log of the test cluster
    /// (scripts/lib/pg-cluster.sh: `postgres.log` beside the data directory) through `pg_read_file`.
    @Test func noConnectionOfARestoreOrExportRunsAStatementBeforeItsSettings() throws {
        let role = try HurriedRole()
        defer { role.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let admin = try db.connect()
        defer { admin.close() }
        try admin.execute("ALTER ROLE \(PGConnection.quoteIdentifier(role.name)) SET log_statement = 'all'")
        let log = try #require(
            try admin.execute(
                "SELECT regexp_replace(current_setting('data_directory'), '/data$', '/postgres.log')"
            ).string(0, 0))
        func logSize() throws -> Int64 {
            let size = try admin.execute("SELECT (pg_stat_file($1)).size::text", [log]).string(0, 0)
            return try #require(size.flatMap { Int64($0) }, "the test cluster's log \(log) cannot be read")
        }
        let before = try logSize()
        let url = role.url(db.url)
        let archive = dir.file("a.authx.gz")
        try TestArchives.write(
            archive, [(Fixture.accounts, Fixture.accountRows(300)), (Fixture.tokens, Fixture.tokenRows(3000, accounts: 300))])
        let summary = try PostgresRestore.restore(archive: archive, to: url, options: .jobs(3))
        #expect(summary.rows == 3300)
        _ = try PostgresExport.export(from: url, to: .file(path: dir.file("b.authx.gz"), overwrite: false))
        let after = try logSize()
        let text = try #require(
            try admin.execute("SELECT pg_read_file($1, $2::bigint, $3::bigint)", [log, "\(before)", "\(after - before)"])
                .string(0, 0))
        // log_statement's lines: "LOG:  statement: …" (simple protocol) and "LOG:  execute <unnamed>: …" (extended).
        let statements = text.split(separator: "\n").filter { $0.contains("LOG:  statement: ") || $0.contains("LOG:  execute ") }
        #expect(statements.contains { $0.contains("ANALYZE") }, "the role's statements are not in the log")
        #expect(statements.contains { $0.contains("REPEATABLE READ") }, "the export's statements are not in the log")
        let early = statements.filter { $0.contains("statement_timeout") || $0.contains("lock_timeout") }
        #expect(early.isEmpty, "settings sent as statements: \(early.prefix(3))")
    }

    /// Another session in an open transaction that has read `accounts` (an application between two queries).
    static func holdLock(_ db: TestDatabase) throws -> (connection: PGConnection, pid: String) {
        let blocker = try db.connect()
        try blocker.executeScript("SET application_name = 'authx-test-blocker'; BEGIN; SELECT count(*) FROM accounts")
        let pid = try #require(try blocker.execute("SELECT pg_backend_pid()").string(0, 0))
        return (blocker, pid)
    }

    @Test(arguments: [1, 3])
    func aLockHeldByAnotherSessionTimesOutNamesItAndChangesNothing(jobs: Int) throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = dir.file("a.authx.gz")
        try TestArchives.write(
            archive, [(Fixture.accounts, Fixture.accountRows(200)), (Fixture.tokens, Fixture.tokenRows(500, accounts: 200))])
        _ = try PostgresRestore.restore(archive: archive, to: db.url)
        try db.execute("INSERT INTO accounts (email) VALUES ('added after the first restore')")
        let before = try db.snapshot()
        let (blocker, pid) = try Self.holdLock(db)
        defer { blocker.close() }

        var options = PostgresRestore.Options.jobs(jobs)
        options.clean = true
        options.lockWaitTimeout = .milliseconds(300)
        let error = #expect(throws: PostgresError.self) { try PostgresRestore.restore(archive: archive, to: db.url, options: options) }
        #expect(error?.sqlState == "55P03")
        let text = error?.description ?? ""
        #expect(text.contains("gave up waiting for a lock after 300 ms"), "\(text)")
        #expect(text.contains("pid \(pid)") && text.contains("application authx-test-blocker"), "\(text)")
        #expect(text.contains("idle in transaction") && text.contains("holds locks on accounts"), "\(text)")
        #expect(text.contains("nothing was changed"), "\(text)")
        #expect(try db.snapshot() == before)

        // Once the other session is done, the same restore goes through.
        try blocker.execute("COMMIT")
        _ = try PostgresRestore.restore(archive: archive, to: db.url, options: options)
        #expect(try db.value("SELECT count(*) FROM accounts") == "200")
    }

    @Test(arguments: [1, 3])
    func cancellingStopsAWaitForALockAtOnce(jobs: Int) throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = dir.file("a.authx.gz")
        try TestArchives.write(archive, [(Fixture.accounts, Fixture.accountRows(100))])
        _ = try PostgresRestore.restore(archive: archive, to: db.url)
        let before = try db.snapshot()
        let (blocker, _) = try Self.holdLock(db)
        defer { blocker.close() }

        var options = PostgresRestore.Options.jobs(jobs)
        options.clean = true
        options.lockWaitTimeout = nil  // would wait for the lock for ever
        let cancelled = Atomic(false)
        options.isCancelled = { cancelled.load(ordering: .relaxed) }
        let outcome = Mutex<Result<PostgresRestore.Summary, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let url = db.url
        let restoreOptions = options
        Thread.detachNewThread {
            let result = Result { try PostgresRestore.restore(archive: archive, to: url, options: restoreOptions) }
            outcome.withLock { $0 = result }
            done.signal()
        }
        // The restore is now waiting for the lock (or about to); nothing else would ever end that wait.
        let waitStart = Date()
        while try db.value("SELECT count(*) FROM pg_locks WHERE NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())") == "0",
            outcome.withLock({ $0 == nil }), Date().timeIntervalSince(waitStart) < 60
        {
            usleep(20_000)
        }
        #expect(outcome.withLock { $0 == nil }, "the restore ended before it waited for the lock")
        cancelled.store(true, ordering: .relaxed)
        // A liveness bound, not a timing assertion: without cancelling the statement the restore waits as long
        // as the other session holds its lock, which here is until this bound runs out.
        if done.wait(timeout: .now() + 60) == .timedOut {
            Issue.record("the cancelled restore was still waiting for the lock after 60 s")
            try blocker.execute("ROLLBACK")
            done.wait()
        }
        let result = try #require(outcome.withLock { $0 })
        #expect(throws: PostgresError.self) { try result.get() }
        if case .failure(let error as PostgresError) = result {
            #expect(error.code == .cancelled, "\(error)")
        }
        try blocker.execute("ROLLBACK")
        #expect(try db.snapshot() == before)
    }
}
