import AuthExport
import Foundation
import Testing

@testable import AuthExportPostgres

/// A restore is one transaction that holds a lock on every table, index and sequence it creates until its commit, so
/// an archive of thousands of tables fills a default server's lock table (`max_locks_per_transaction` 64 ×
/// `max_connections` 100: about 3,000 one-table-one-key tables; issue 16, item 11). The restore fails, changes
/// nothing, and says how many locks the archive needs and which setting to raise. The test runs its own server with a
/// lock table of 10 × 20 (the shared test cluster's must not be filled: other tests use it at the same time).
@Suite struct FullLockTableTests {
    /// A throwaway cluster (scripts/lib/pg-cluster.sh) with `conf` added, stopped by ``stop()``.
    final class SmallServer {
        let process = Process()
        let input = Pipe()
        let url: String

        init(conf: String) throws {
            let script = TestArchives.repositoryRoot() + "/scripts/lib/pg-cluster.sh"
            let output = Pipe()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = [
                "-c", "source \"$0\"; pg_cluster_start >&2 || exit 1; trap pg_cluster_stop EXIT; echo \"$PG_CLUSTER_URL\"; read -r _",
                script,
            ]
            // Not the PG_CLUSTER_* variables of the cluster scripts/test started: with them, pg_cluster_start
            // refuses ("already running"), and this script's pg_cluster_stop would stop the shared cluster.
            var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG_CLUSTER_") }
            environment["PG_CLUSTER_EXTRA_CONF"] = conf
            process.environment = environment
            process.standardInput = input
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
            url = line.trimmingCharacters(in: .whitespacesAndNewlines)
            guard url.hasPrefix("postgresql://") else {
                stop()
                throw PostgresError(.connection, "the small test cluster did not start (scripts/lib/pg-cluster.sh)")
            }
        }

        func stop() {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
        }
    }

    @Test func aRestoreThatFillsTheLockTableSaysWhatToRaiseAndChangesNothing() throws {
        let server = try SmallServer(conf: "max_locks_per_transaction = 10\nmax_connections = 20")
        defer { server.stop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let archive = dir.file("many-tables.authx.gz")
        let tables = (0..<300).map { k in
            (
                TableSchema(
                    name: "t\(k)",
                    columns: [Column(name: "id", type: .integer, nullable: false), Column(name: "v", type: .text)],
                    primaryKey: ["id"]),
                [[Value.integer(1), .text("x")]]
            )
        }
        try TestArchives.write(archive, tables)
        let check = try PGConnection(conninfo: server.url)
        defer { check.close() }
        let before = try check.execute("SELECT count(*) FROM pg_class").rows

        let error = #expect(throws: PostgresError.self) { try PostgresRestore.restore(archive: archive, to: server.url) }
        #expect(error?.sqlState == "53200")
        let text = error?.description ?? ""
        #expect(text.contains("the server's lock table is full"), "\(text)")
        // 300 tables × (table, TOAST table, TOAST index, primary key) = 1,200 locks; the server holds 10 × 20 = 200.
        #expect(text.contains("300 tables need about 1200 locks"), "\(text)")
        #expect(text.contains("max_locks_per_transaction 10 × (max_connections 20 + max_prepared_transactions 0)"), "\(text)")
        #expect(text.contains("set max_locks_per_transaction = 75"), "\(text)")
        #expect(text.contains("nothing was changed"), "\(text)")
        #expect(!text.contains("\n"), "\(text)")
        #expect(try check.execute("SELECT count(*) FROM pg_class").rows == before)
    }
}
