internal import Foundation
import AuthExport

#if os(Linux)
    /// glibc's `malloc_trim` (in `<malloc.h>`, which the Glibc module does not export).
    @_silgen_name("malloc_trim") private func glibcMallocTrim(_ pad: Int) -> Int32
#endif

/// Restores an auth_export archive into a new SQLite database file.
///
/// From an archive of a SQLite database, tables are recreated with their original CREATE statements and every
/// value is written back in its original representation and storage class, so the restored file is the
/// database the application had. From an archive of a PostgreSQL database, SQLite DDL is generated (see
/// ``plan(archive:options:)`` to read it first).
///
/// The database is built in a temporary file beside the target, in one transaction with each table's indexes
/// created after its data, checked with `PRAGMA foreign_key_check` and `PRAGMA quick_check` (or the full
/// `PRAGMA integrity_check`, see ``SQLiteRestoreOptions/fullIntegrityCheck``), and renamed into place only when
/// all of that succeeded. On any error the target is untouched and no temporary file is left.
///
/// ```swift
/// var options = SQLiteRestoreOptions()
/// options.overwrite = true
/// let summary = try SQLiteRestore.restore(archive: "app.authx.gz", to: "app.db", options: options)
/// print("\(summary.tables) tables, \(summary.rows) rows")
/// ```
///
/// - Important: Schema SQL from an archive (CREATE TABLE, INDEX, VIEW, TRIGGER) is executed one statement at a
///   time under an authorizer that allows nothing but creating schema objects; identifiers from the archive are
///   always quoted and values always bound.
public enum SQLiteRestore {
    /// Restores the archive at `archivePath` (`"-"` = standard input) into a new SQLite database at `targetPath`.
    ///
    /// - Parameters:
    ///   - archivePath: The archive file, or `-` for standard input.
    ///   - targetPath: The database file to create.
    ///   - options: Overwrite, table filter, schema only, progress.
    /// - Returns: What was restored, with warnings about anything that could not be carried over exactly.
    /// - Throws: `ArchiveError`: `.io` when the target exists (without `overwrite`) or a file cannot be written;
    ///   the reader's codes (`.checksumMismatch`, `.typeMismatch`, `.truncated`…) for a bad archive;
    ///   `.duplicateKey`, `.nullViolation`, `.danglingReference` or `.invalidValue` when the data breaks the
    ///   schema's constraints, with the table, row and column; `.unsupportedValue` for a valid value SQLite
    ///   cannot store (NaN).
    public static func restore(
        archive archivePath: String, to targetPath: String, options: SQLiteRestoreOptions
    ) throws -> SQLiteRestoreSummary {
        if options.dataOnly { return try load(archive: archivePath, into: targetPath, options: options) }
        let reader = try ArchiveReader(path: archivePath, options: options.readerOptions)
        let file = try AtomicDatabaseFile(target: targetPath, overwrite: options.overwrite)
        defer { file.discard() }
        let session: SQLiteRestoreSession
        var warnings: [String] = []
        var catalogVMSteps: Int64 = 0
        do {
            let connection = try SQLiteConnection(path: file.temporaryPath, mode: .readWrite)
            connection.bound(maxLength: maxValueBytes, isCancelled: options.isCancelled)
            // The file is private until renamed and deleted on failure, so durability during the load buys nothing.
            try connection.execute(
                """
                PRAGMA journal_mode = OFF;
                PRAGMA synchronous = OFF;
                PRAGMA locking_mode = EXCLUSIVE;
                PRAGMA cache_size = -\(loadCacheKiB);
                PRAGMA threads = 1;
                PRAGMA foreign_keys = OFF;
                """)
            let input = RestoreInputReader(reader: reader, options: options, encodesRows: true)
            let source = PrefetchingRecordSource(input: input, path: archivePath)
            session = SQLiteRestoreSession(connection: connection, mode: .restore, options: options, source: source)
            try session.run()
            catalogVMSteps = connection.queryVMSteps
            try connection.close()
            // The file is complete: its pages go to disk while the checks read them (the final fsync then waits
            // for little: 47 → 3 ms on a 14 MB database).
            file.startWriteBack()
            // The load's batches are freed by now; give their pages back before the checks fill their caches,
            // so the two phases' memory does not add up (glibc keeps freed heap memory for reuse otherwise).
            #if os(Linux)
                _ = glibcMallocTrim(0)
            #endif
            var verifier = RestoreVerifier(
                path: file.temporaryPath, tables: session.tablesToVerify,
                restoredTableNames: session.restoredTableNames,
                keptStorageClasses: session.storageClassesKept, fullIntegrityCheck: options.fullIntegrityCheck,
                threads: checkThreads, archivePath: archivePath)
            try verifier.run()
            warnings = file.removedStaleFiles.map { "removed \($0), left by an interrupted restore to the same target" }
                + session.warnings + verifier.warnings
        } catch let error as SQLiteError {
            throw ArchiveError(
                .io, "SQLite: \(error.message)", location: .init(path: file.temporaryPath), underlying: error)
        }
        if session.tableCount == 0 && options.overwrite && file.targetExists {
            warnings.append("the archive has no table to restore: \(targetPath) was replaced by an empty database")
        }
        try file.publish()
        var summary = SQLiteRestoreSummary(
            tables: session.tableCount, rows: session.totalRows, target: targetPath, warnings: warnings,
            tableRows: session.tableRows)
        summary.catalogVMSteps = catalogVMSteps
        return summary
    }

    /// `--data-only`: loads the archive's rows into the existing database at `targetPath`, in one transaction.
    ///
    /// Values are stored as each target column's declared type implies: `CHAR(32)`/`UUID` uuids as 32 hex digits,
    /// `CHAR(36)` as dashed text, `BLOB`/`BINARY` as 16 bytes; timestamps in `DATETIME`/`TIMESTAMP`/text columns
    /// as naive UTC text `YYYY-MM-DD HH:MM:SS[.ffffff]`, in `INTEGER` columns as Unix seconds; booleans 0/1; json
    /// as compact text. A table that does not fit (an archive table or column the target lacks, a target NOT
    /// NULL column without a default the archive does not fill, a column whose type cannot hold the archive's
    /// values) is reported with every other one in one error, and nothing is loaded; so is a key already held
    /// by a row of the target, or a foreign key without its row.
    static func load(
        archive archivePath: String, into targetPath: String, options: SQLiteRestoreOptions
    ) throws -> SQLiteRestoreSummary {
        guard FileManager.default.fileExists(atPath: targetPath) else {
            throw ArchiveError(
                .io,
                "--data-only loads into an existing database, and there is none: create its schema first (the "
                    + "application's migrations or create_all), or restore without --data-only",
                location: .init(path: targetPath))
        }
        let reader = try ArchiveReader(path: archivePath, options: options.readerOptions)
        do {
            let connection = try SQLiteConnection(path: targetPath, mode: .readWrite)
            try connection.execute("PRAGMA busy_timeout = 30000; PRAGMA foreign_keys = OFF;")
            let targetTypes = try TargetTable.declaredTypes(connection)
            let input = RestoreInputReader(reader: reader, options: options, encodesRows: true, targetTypes: targetTypes)
            let source = PrefetchingRecordSource(input: input, path: archivePath)
            let session = SQLiteRestoreSession(connection: connection, mode: .dataOnly, options: options, source: source)
            do {
                try session.run()
            } catch {
                try? connection.execute("ROLLBACK")
                try? connection.close()
                throw error
            }
            try connection.close()
            return SQLiteRestoreSummary(
                tables: session.tableCount, rows: session.totalRows, target: targetPath, warnings: session.warnings)
        } catch let error as SQLiteError {
            throw ArchiveError(.io, "SQLite: \(error.message)", location: .init(path: targetPath), underlying: error)
        }
    }

    /// The SQL plan of a restore, without touching any file: the statements in the order they would run, with a
    /// comment for each table's rows (how each column is stored) and the warnings, like `pg_restore -f -`.
    ///
    /// The schema statements are checked by running them in an in-memory database; the whole archive is read and
    /// verified.
    ///
    /// - Throws: `ArchiveError` as ``restore(archive:to:options:)`` does, except for target and row errors.
    public static func plan(archive archivePath: String, options: SQLiteRestoreOptions) throws -> String {
        var readerOptions = ArchiveReader.Options()
        readerOptions.byteCheck = options.readerOptions.byteCheck
        readerOptions.decryption = options.readerOptions.decryption
        let reader = try ArchiveReader(path: archivePath, options: readerOptions)
        do {
            let connection = try SQLiteConnection(path: ":memory:", mode: .create)
            defer { try? connection.close() }
            connection.bound(maxLength: maxValueBytes, isCancelled: options.isCancelled)
            let input = RestoreInputReader(reader: reader, options: options, encodesRows: false)
            let session = SQLiteRestoreSession(connection: connection, mode: .plan, options: options, source: input)
            try session.run()
            var lines = session.plan
            for warning in session.warnings { lines.append(DisplayText.sqlComment("warning: \(warning)")) }
            return lines.joined(separator: "\n") + "\n"
        } catch let error as SQLiteError {
            throw ArchiveError(.io, "SQLite: \(error.message)", underlying: error)
        }
    }

    /// How the archive is read: gzip members are inflated on a worker thread ahead of the reading thread, which
    /// parses and converts every row itself (so the workers do not check rows). On two cores the reading thread
    /// is the bottleneck for the first table; moving inflation off it lets the writing thread keep up.
    public static var readerOptions: ArchiveReader.Options { .decodingEveryRow }

    /// The longest string or blob SQLite may build during a restore (`SQLITE_LIMIT_LENGTH`): any value of a valid
    /// archive (a line holds at most `max_line_bytes`) plus room for its row, and nothing an archive's CHECK or
    /// DEFAULT could make it allocate beyond that.
    static var maxValueBytes: Int { ArchiveReader.Options().maxLineBytes + (1 << 20) }

    /// Connections that check the restored database at once: one per core, at most 4.
    static var checkThreads: Int { min(4, max(1, ProcessInfo.processInfo.activeProcessorCount)) }

    /// The page cache used during a load, in KiB. Rows arrive in primary-key order and indexes are built sorted,
    /// so the pages being filled stay hot in a small cache. The cache also sizes each sorted run of a CREATE INDEX
    /// (SQLite sorts a run as a linked list in memory, then merges the runs from temp files): runs of 2 MiB stay
    /// in the CPU caches, runs of 32 MiB miss on every list step. Measured at 1M users with the sqlite3 shell
    /// doing the restore's inserts and index builds: 12.2–13.0 s with 2 MiB, 16.7–16.8 s with 32 MiB, 17.7 s with
    /// 64 MiB (each index build 1.5–2× faster); authx restores, alternating: 17.7–22.0 s against 20.5–21.9 s.
    /// (Earlier, 32 MiB with file temp storage beat 256 MiB in memory: 25.8 s vs 32.0 s.)
    ///
    /// The load also sets `PRAGMA threads = 1`: one helper thread sorts for CREATE INDEX. While a table's indexes
    /// are built the reading thread has usually filled its queue and waits, so the helper gets an idle core:
    /// 28.1–29.0 s instead of 30.0–34.5 s (three alternating runs each), for about 30 MB more memory.
    static let loadCacheKiB = 2 * 1024
}
