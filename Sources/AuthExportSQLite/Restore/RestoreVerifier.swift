import AuthExport
internal import Foundation

/// The checks that end a restore, run on the committed database with one read-only connection per core:
/// `PRAGMA foreign_key_check(T)` for each table (answered by a faster, equivalent query where one exists, see
/// ``ForeignKeyCheck``) and one `PRAGMA quick_check`, plus `PRAGMA integrity_check(T)` for each table when a full
/// check is asked for (and for tables whose storage classes were put back by editing the schema).
///
/// The quick check verifies every b-tree and accounts for every page of the file (used once, or on the free
/// list), NOT NULL and CHECK constraints and column types. The per-table integrity checks add what makes
/// `integrity_check` expensive: that every index holds exactly its table's rows. Quick check plus per-table
/// integrity checks is exactly `PRAGMA integrity_check`, spread over the cores.
struct RestoreVerifier {
    /// A table to check, with the work its checks cost, to balance the threads.
    struct Table {
        var name: String
        /// Rows × b-trees (the table and its indexes): what the quick and integrity checks read.
        var btreeRows: Int64
        /// Rows × foreign keys: the lookups of the foreign-key check.
        var foreignKeyRows: Int64
    }

    /// The database file.
    var path: String
    /// The restored tables.
    var tables: [Table]
    /// Tables whose foreign keys may point to tables that were not restored (a filtered restore): violations of
    /// those references become warnings.
    var restoredTableNames: Set<String>
    /// `table.column` pairs where values were kept, on purpose, in a storage class the column's affinity would
    /// not give; integrity_check reports them ("TEXT value in t.c") as it does on the source.
    var keptStorageClasses: [String: Int]
    /// Whether every table gets `integrity_check(T)`; otherwise only those listed in ``keptStorageClasses``.
    var fullIntegrityCheck: Bool
    /// How many connections check at once.
    var threads: Int
    /// The archive path, for error locations.
    var archivePath: String

    /// What the checks found that does not fail the restore.
    private(set) var warnings: [String] = []

    /// Runs the checks.
    ///
    /// - Throws: `ArchiveError` `.danglingReference` naming the table (and the rowid of the first violation) when a
    ///   foreign key has no referenced row; `.io` when integrity_check reports anything unexpected.
    mutating func run() throws {
        // Largest first, each to the least loaded thread. Measured at 1M users: quick_check reads a row of one
        // b-tree in about 0.13 µs, a foreign-key lookup takes about 0.5 µs, integrity_check(T) about 1 µs per
        // row and b-tree.
        let workers = max(1, min(threads, tables.count + 1))
        var groups = Array(repeating: [Job](), count: workers)
        var load = Array(repeating: Int64(0), count: workers)
        groups[0].append(.quickCheck)
        load[0] += tables.reduce(0) { $0 + $1.btreeRows }
        let surgery = Set(keptStorageClasses.keys.compactMap { $0.split(separator: ".").first.map(String.init) })
        let checks: [(name: String, full: Bool, cost: Int64)] = tables.map { table in
            let full = fullIntegrityCheck || surgery.contains(table.name)
            return (table.name, full, 4 * table.foreignKeyRows + (full ? 8 * table.btreeRows : 0))
        }
        for check in checks.sorted(by: { $0.cost > $1.cost }) {
            // swift-format-ignore: NeverForceUnwrap
            let least = load.indices.min { load[$0] < load[$1] }!  // workers >= 1
            groups[least].append(.table(check.name, fullCheck: check.full))
            load[least] += check.cost
        }
        let results = ResultBox<Findings>(count: workers)
        let jobs = groups
        let path = self.path
        let limit = keptStorageClasses.values.reduce(100, +)
        let kept = Array(keptStorageClasses.keys)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            results.set(
                worker,
                Result {
                    try Self.check(
                        jobs[worker], path: path, limit: limit, kept: kept, cacheKiB: Self.checkCacheKiB(workers: workers))
                })
        }
        var integrity: [String] = []
        var violations: [Violation] = []
        for result in results.all {
            let findings = try result.get()
            integrity += findings.integrity
            violations += findings.violations
        }
        try evaluate(integrity: integrity, violations: violations)
    }

    private enum Job: Sendable {
        case quickCheck
        case table(String, fullCheck: Bool)
    }

    private typealias Violation = ForeignKeyCheck.Violation

    private struct Findings {
        var integrity: [String] = []
        var violations: [Violation] = []
    }

    /// The page cache of all checking connections together, in KiB, shared out equally (16 MiB each on 2 cores).
    /// The foreign-key checks read the child's key index in key order (see ``ForeignKeyCheck``), so the parent's
    /// pages are visited in order and a small cache holds what is reused; `quick_check` reads every page once
    /// whatever the cache. Each connection's cache fills up as it reads: 64 MiB each made the check phase the
    /// restore's peak of memory (2 × 64 MiB on top of what the load left). Measured at 200k Django users:
    /// 68–81 MB peak RSS for the whole restore with 16 MiB each, 182–230 MB with 64 MiB each (and the 128 MiB
    /// queue), in the same time (7–9 s either way, alternating on a shared machine).
    static let checkCacheBudgetKiB = 32 * 1024

    /// The page cache of each of `workers` checking connections, in KiB.
    static func checkCacheKiB(workers: Int) -> Int { checkCacheBudgetKiB / max(1, workers) }

    private static func check(_ jobs: [Job], path: String, limit: Int, kept: [String], cacheKiB: Int) throws -> Findings {
        let connection = try SQLiteConnection(path: path, mode: .readOnly)
        defer { try? connection.close() }
        try connection.execute("PRAGMA cache_size = -\(cacheKiB)")
        let foreignKeys = ForeignKeyCheck(connection: connection, keptStorageClasses: kept)
        var findings = Findings()
        for job in jobs {
            switch job {
            case .quickCheck:
                let rows = try connection.query("PRAGMA quick_check(\(limit))")
                findings.integrity += rows.compactMap { $0.first?.string }.filter { $0 != "ok" }
            case .table(let name, let fullCheck):
                if fullCheck {
                    let rows = try connection.query("PRAGMA integrity_check(\(SQLiteSyntax.quote(name)))")
                    findings.integrity += rows.compactMap { $0.first?.string }.filter { $0 != "ok" }
                }
                findings.violations += try foreignKeys.violations(of: name)
            }
        }
        return findings
    }

    private mutating func evaluate(integrity: [String], violations: [Violation]) throws {
        var dangling: [(table: String, count: Int, first: Violation)] = []
        for violation in violations {
            if !restoredTableNames.contains(violation.parent.lowercased()) {
                let note = "table \(violation.table): references \(violation.parent), which was not restored"
                if !warnings.contains(note) { warnings.append(note) }
                continue
            }
            if let i = dangling.firstIndex(where: { $0.table == violation.table && $0.first.parent == violation.parent }
            ) {
                dangling[i].count += 1
            } else {
                dangling.append((violation.table, 1, violation))
            }
        }
        if let first = dangling.first {
            let others = dangling.dropFirst().reduce(0) { $0 + $1.count }
            var message =
                "\(first.count) row\(first.count == 1 ? "" : "s") reference\(first.count == 1 ? "s" : "") a missing "
                + "row of \(first.first.parent)"
            if let rowid = first.first.rowid { message += " (first at rowid \(rowid))" }
            if others > 0 { message += "; \(others) more in other tables" }
            message += "; `authx verify --keys \(archivePath == "-" ? "FILE" : archivePath)` lists every one with its row"
            throw ArchiveError(.danglingReference, message, location: .init(path: archivePath, table: first.table))
        }
        // integrity_check reports values kept in a storage class their column's affinity would not give, as it
        // does on the source database; those are expected.
        let expected = Set(keptStorageClasses.keys)
        var seen = Set<String>()
        let unexpected = integrity.filter { line in
            guard seen.insert(line).inserted else { return false }
            guard let range = line.firstRange(of: " value in ") else { return true }
            return !expected.contains(String(line[range.upperBound...]))
        }
        guard unexpected.isEmpty else {
            throw ArchiveError(
                .io, "the restored database fails integrity_check: " + unexpected.prefix(3).joined(separator: "; "),
                location: .init(path: archivePath))
        }
    }
}

/// Results of the checking threads.
private final class ResultBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<T, any Error>]

    init(count: Int) {
        results = Array(repeating: .failure(ArchiveError(.io, "the check did not run")), count: count)
    }

    func set(_ index: Int, _ result: Result<T, any Error>) {
        lock.lock()
        results[index] = result
        lock.unlock()
    }

    var all: [Result<T, any Error>] {
        lock.lock()
        defer { lock.unlock() }
        return results
    }
}
