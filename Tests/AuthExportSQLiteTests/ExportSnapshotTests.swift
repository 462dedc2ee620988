import AuthExport
import Foundation
import Testing

@testable import AuthExportSQLite

/// The export reads everything inside one read transaction: rows an application writes during the export are
/// either wholly in the archive or wholly out of it.
@Suite struct ExportSnapshotTests {
    /// A ledger whose invariant holds after every transaction: each account's balance is the sum of its entries.
    private static let schema = """
        CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL);
        CREATE TABLE entries (id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL REFERENCES accounts(id), amount INTEGER NOT NULL);
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
            INSERT INTO accounts SELECT i, 0 FROM n;
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
            INSERT INTO entries SELECT i, 1 + i % 200, i % 7 FROM n;
        UPDATE accounts SET balance = (SELECT sum(amount) FROM entries WHERE account_id = accounts.id);
        """

    private static func counts(_ db: SQLiteConnection) throws -> (Int64, Int64) {
        let rows = try db.query("SELECT (SELECT count(*) FROM accounts), (SELECT count(*) FROM entries)")
        return (rows[0][0].integer ?? -1, rows[0][1].integer ?? -1)
    }

    /// Checks the archive holds one consistent state: every balance equals the sum of its entries.
    private static func expectConsistent(_ dump: ExportArchiveDump) throws {
        let accounts = try dump.table("accounts")
        let entries = try dump.table("entries")
        var sums: [Int64: Int64] = [:]
        for row in entries.rows {
            if case .integer(let account) = row[1], case .integer(let amount) = row[2] {
                sums[account, default: 0] += amount
            }
        }
        for row in accounts.rows {
            guard case .integer(let id) = row[0], case .integer(let balance) = row[1] else {
                Issue.record("unexpected account row \(row)")
                continue
            }
            #expect(
                balance == sums[id, default: 0],
                "account \(id): balance \(balance), entries sum \(sums[id, default: 0])")
        }
    }

    /// WAL: a second connection commits transactions while the export runs (driven from the export's progress
    /// callback, so they certainly happen mid-export); the archive shows the state at the export's start.
    @Test func walWritesDuringExportAreWhollyOut() throws {
        let directory = try ExportTempDirectory()
        defer { directory.remove() }
        let path = directory.file("app.sqlite")
        let setup = try ExportTestSupport.makeDatabase(at: path, "PRAGMA journal_mode = WAL;" + Self.schema)
        try setup.close()
        let before = try Self.counts(try SQLiteConnection(path: path, mode: .readOnly))

        let writer = BackgroundWriter(path: path)
        defer { writer.stop() }
        var options = SQLiteExportOptions()
        options.threads = 2
        // At each progress report, let the application commit 20 transactions and wait until it has.
        options.progress = { event in
            if event.kind == .rows || event.kind == .tableStarted { writer.runTransactions(20, wait: true) }
        }
        let archive = directory.file("snapshot.authx.gz")
        let summary = try SQLiteExporter.export(
            source: path, to: .file(path: archive, overwrite: false), options: options)
        let committed = writer.committed
        #expect(committed >= 40, "the application committed \(committed) transactions during the export")
        let dump = try ExportArchiveDump(path: archive)
        #expect(Int64(try dump.table("accounts").rows.count) == before.0)
        #expect(Int64(try dump.table("entries").rows.count) == before.1)
        #expect(summary.archive.rows == before.0 + before.1)
        try Self.expectConsistent(dump)
        let after = try Self.counts(try SQLiteConnection(path: path, mode: .readOnly))
        #expect(after.1 != before.1 || committed > 0)
        try ArchiveCheck.verify(archive)
    }

    /// WAL with an application writing continuously in a loop on another thread for the whole export.
    @Test func walContinuousWriterSeesConsistentArchive() throws {
        let directory = try ExportTempDirectory()
        defer { directory.remove() }
        let path = directory.file("app.sqlite")
        try ExportTestSupport.makeDatabase(at: path, "PRAGMA journal_mode = WAL;" + Self.schema).close()
        let writer = BackgroundWriter(path: path)
        writer.runContinuously()
        defer { writer.stop() }
        while writer.committed < 5 { usleep(1000) }
        let archive = directory.file("snapshot.authx.gz")
        var options = SQLiteExportOptions()
        options.threads = 2
        _ = try SQLiteExporter.export(source: path, to: .file(path: archive, overwrite: false), options: options)
        writer.stop()
        #expect(
            writer.failures == 0, "the application's transactions failed \(writer.failures) times during the export")
        let dump = try ExportArchiveDump(path: archive)
        try Self.expectConsistent(dump)
        try ArchiveCheck.verify(archive)
    }

    /// Rollback journal: the export's shared lock makes the application's commit wait until the export ends;
    /// the archive has the state from before, and the application's write then succeeds.
    @Test func rollbackJournalWriterWaitsForTheExport() throws {
        let directory = try ExportTempDirectory()
        defer { directory.remove() }
        let path = directory.file("app.sqlite")
        try ExportTestSupport.makeDatabase(at: path, "PRAGMA journal_mode = DELETE;" + Self.schema).close()
        let before = try Self.counts(try SQLiteConnection(path: path, mode: .readOnly))
        let writer = BackgroundWriter(path: path)
        defer { writer.stop() }
        var options = SQLiteExportOptions()
        options.threads = 2
        options.progress = { event in
            if event.kind == .tableStarted { writer.runTransactions(3, wait: false) }
        }
        let archive = directory.file("snapshot.authx.gz")
        _ = try SQLiteExporter.export(source: path, to: .file(path: archive, overwrite: false), options: options)
        let dump = try ExportArchiveDump(path: archive)
        #expect(Int64(try dump.table("entries").rows.count) == before.1)
        try Self.expectConsistent(dump)
        writer.waitUntilIdle()
        #expect(writer.committed == 6, "both batches of 3 transactions commit once the export has ended")
        #expect(writer.failures == 0)
        try ArchiveCheck.verify(archive)
    }
}

/// An application connection on its own thread, committing transfers on request.
final class BackgroundWriter: @unchecked Sendable {
    private let path: String
    private let lock = NSCondition()
    private var pending = 0
    private var continuous = false
    private var stopping = false
    private var thread: Thread?
    private(set) var committed = 0
    private(set) var failures = 0

    init(path: String) {
        self.path = path
        let thread = Thread { [unowned self] in self.loop() }
        self.thread = thread
        thread.start()
    }

    /// Queues `count` transactions; with `wait`, returns once they are committed.
    func runTransactions(_ count: Int, wait: Bool) {
        lock.lock()
        let target = committed + failures + pending + count
        pending += count
        lock.broadcast()
        if wait { while committed + failures < target && !stopping { lock.wait() } }
        lock.unlock()
    }

    func runContinuously() {
        lock.lock()
        continuous = true
        lock.broadcast()
        lock.unlock()
    }

    func waitUntilIdle() {
        lock.lock()
        while pending > 0 && !stopping { lock.wait() }
        lock.unlock()
    }

    func stop() {
        lock.lock()
        stopping = true
        continuous = false
        lock.broadcast()
        lock.unlock()
    }

    private func loop() {
        guard let db = try? SQLiteConnection(path: path, mode: .readWrite) else {
            lock.lock()
            failures += 1
            lock.unlock()
            return
        }
        _ = try? db.execute("PRAGMA busy_timeout = 60000")
        var k = 0
        while true {
            lock.lock()
            while pending == 0 && !continuous && !stopping { lock.wait() }
            if stopping {
                lock.unlock()
                break
            }
            lock.unlock()
            k += 1
            let ok = (try? BackgroundWriter.transfer(db, k)) != nil
            lock.lock()
            if ok { committed += 1 } else { failures += 1 }
            if pending > 0 { pending -= 1 }
            lock.broadcast()
            lock.unlock()
        }
        try? db.close()
    }

    private static func transfer(_ db: SQLiteConnection, _ k: Int) throws {
        let account = 1 + k % 200
        try db.execute(
            "BEGIN IMMEDIATE; INSERT INTO entries (account_id, amount) VALUES (\(account), 5); "
                + "UPDATE accounts SET balance = balance + 5 WHERE id = \(account); COMMIT;")
    }
}
