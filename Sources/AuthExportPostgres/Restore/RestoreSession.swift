import AuthExport
internal import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs one restore (or, without a connection, writes its SQL plan): reads the archive once, creating and
/// loading each table as it comes, then builds keys, indexes, foreign keys, identities and views.
final class RestoreSession {
    private let options: PostgresRestore.Options
    private let connection: PGConnection?
    private let conninfo: String?
    /// The dry-run script.
    private(set) var script: [String] = []
    private var notes: [RestoreNote] = []
    private var schema = "public"
    private var backend = "sqlite"
    private var plans: [TablePlan] = []
    private var planIndex: [String: Int] = [:]
    private var relations = NameSpace("relations of the schema")
    private var results: [PostgresRestore.TableResult] = []
    private var objects: [SchemaObject] = []
    /// Tables replaced with --clean: the old relation's kind; the new table is loaded under a temporary name.
    private var replaced: [(pgName: String, kind: String)] = []
    /// Foreign keys dropped for a --data-only load, re-added (and validated) at the end.
    private var droppedForeignKeys: [(table: String, name: String, definition: String)] = []
    private var droppedForeignKeyKeys = Set<String>()
    /// Row counts from the archive's index (regular files only), for progress.
    private var expectedRows: [String: Int64] = [:]
    /// The archive's tables and row counts from its index, when the archive is a regular file.
    var preview: [(name: String, rows: Int64)]?
    /// The archive's table records, when known before reading it (a regular file's index): `--data-only` then
    /// checks every target table before loading anything.
    var previewSchemas: [TableSchema]?
    /// `--data-only`: the tables that already held rows before the load (a duplicate key there clashes with them).
    private(set) var tablesWithRows: Set<String> = []
    private var loader: TableLoader?
    private var currentPlan: TablePlan?
    private var currentRows: Int64 = 0
    private var source: RestoreRecordSource?
    /// `--jobs N`: the loading connections and their private staging schema.
    private var workers: LoadWorkers?
    private var staging: String?
    /// Whether COMMIT was sent: a connection lost after that may or may not have committed the restore.
    private var commitSent = false
    /// `--jobs N`: the worker loading the current table.
    private var currentWorker: Int?
    private var archivePath = ""
    /// Every table of the archive, restored or not.
    private var archiveTables: [String] = []
    /// Every archive table's columns, for `--as` choices that name none.
    private var archiveColumns: [(name: String, columns: [Column])] = []
    /// Cancels the connections' running statements once the restore is cancelled.
    private let canceller: StatementCanceller?
    /// Reports lock waits on the progress line (only when progress is drawn).
    private let lockWatcher: LockWaitWatcher?

    init(options: PostgresRestore.Options, conninfo: String?) throws {
        self.options = options
        self.conninfo = conninfo
        if let conninfo {
            let connection = try PGConnection(conninfo: conninfo, settings: Self.sessionSettings(options))
            self.connection = connection
            canceller = options.isCancelled.map { StatementCanceller(isCancelled: $0) }
            lockWatcher = options.progress.map { LockWaitWatcher(conninfo: conninfo, progress: $0) }
            do {
                try prepare(connection)
            } catch {
                canceller?.stop()
                lockWatcher?.stop()
                connection.close()
                throw error
            }
        } else {
            connection = nil
            canceller = nil
            lockWatcher = nil
        }
    }

    /// The session settings every connection of a restore starts with (``SessionSettings``).
    static func sessionSettings(_ options: PostgresRestore.Options) -> SessionSettings {
        SessionSettings.bulkJob(lockWaitTimeout: options.lockWaitTimeout)
    }

    /// Readies a new connection of this restore (opened with ``sessionSettings(_:)``): cancellation of its
    /// statements.
    private func prepare(_ connection: PGConnection) throws {
        canceller?.watch(connection)
        lockWatcher?.watch(connection)
    }

    private var isDryRun: Bool { connection == nil }
    /// Whether tables load over several connections (a staging schema, then one final transaction).
    private var isParallel: Bool { options.jobs > 1 && !isDryRun && !options.dataOnly && !options.schemaOnly }

    // MARK: Running

    func run(_ reader: ArchiveReader) throws -> PostgresRestore.Summary {
        let filter = options.tables
        let rowsNeeded = !options.schemaOnly && !isDryRun
        let source = RestoreRecordSource(reader: reader) { table in rowsNeeded && filter.includes(table.name) }
        self.source = source
        archivePath = reader.location.path ?? ""
        do {
            var summary = try runUnchecked(source)
            canceller?.stop()
            lockWatcher?.stop()
            try analyzeAfterCommit(&summary)
            connection?.close()
            return summary
        } catch {
            // No cancel request may reach the rollback and the clean-up below.
            canceller?.stop()
            lockWatcher?.stop()
            loader?.abort()
            workers?.shutdown()
            var failure = error
            if let connection {
                _ = try? connection.execute("ROLLBACK")
                var stagingLeft = false
                if let staging {
                    stagingLeft = (try? connection.execute("DROP SCHEMA IF EXISTS \(PGConnection.quoteIdentifier(staging)) CASCADE")) == nil
                }
                if connection.isLost, var lost = error as? PostgresError {
                    // The server rolls back a transaction whose connection is gone, unless COMMIT already reached it.
                    lost.message = "lost the connection to PostgreSQL (\(lost.message.collapsingLines()))"
                    var outcome = commitSent
                        ? "the restore may or may not have been committed (authx verify FILE --against the target tells)"
                        : "the server rolled the restore back, nothing was changed"
                    if let staging, stagingLeft {
                        outcome += ", but the --jobs staging schema \(staging) with copies of the rows loaded so far may "
                            + "be left: DROP SCHEMA \(PGConnection.quoteIdentifier(staging)) CASCADE"
                    }
                    lost.operation = (lost.operation ?? (commitSent ? "committing the restore" : "restoring")) + ": " + outcome
                    failure = lost
                }
                if let error = error as? PostgresError, error.sqlState == "55P03" {
                    failure = explainLockTimeout(error, on: connection)
                }
                if let error = error as? PostgresError, error.sqlState == "53200",
                    error.hint?.contains("max_locks_per_transaction") == true
                {
                    failure = explainFullLockTable(error, on: connection)
                }
                connection.close()
            }
            if let error = failure as? PostgresError, error.sqlState == "57014", options.isCancelled?() == true {
                failure = PostgresError(.cancelled, "restore cancelled; nothing was changed")
            }
            throw failure
        }
    }

    /// The server's lock table is full (SQLSTATE 53200, "out of shared memory", PostgreSQL's hint naming
    /// `max_locks_per_transaction`): a restore is one transaction, holding until its commit a lock on every table,
    /// TOAST table, index and sequence it creates, so an archive of thousands of tables needs more than a default
    /// server's lock table (64 × (100 + 0) = 6,400 locks: about 3,000 tables). After the rollback, says how many
    /// this archive needs and which setting to raise.
    private func explainFullLockTable(_ error: PostgresError, on connection: PGConnection) -> PostgresError {
        var explained = error
        let tables = (previewSchemas ?? plans.map(\.source)).filter { options.tables.includes($0.name) }
        // Per table: itself, its TOAST table and TOAST index (any text, bytes or JSON column), its keys and
        // indexes, a sequence per identity column.
        let needed = tables.reduce(0) { sum, table in
            sum + 3 + (table.primaryKey.isEmpty ? 0 : 1) + table.uniqueConstraints.count + table.indexes.count
                + table.columns.filter { $0.autoIncrement }.count
        }
        let settings = (try? connection.execute(
            "SELECT current_setting('max_locks_per_transaction')::int, current_setting('max_connections')::int, "
                + "current_setting('max_prepared_transactions')::int"))?.rows.first
        guard let settings, let perTransaction = settings[0].flatMap({ Int($0) }),
            let connections = settings[1].flatMap({ Int($0) }), let prepared = settings[2].flatMap({ Int($0) })
        else { return explained }
        let slots = connections + prepared
        let capacity = perTransaction * slots
        // A quarter more than the estimate: other sessions hold locks too.
        let wanted = max(perTransaction + 1, (needed + needed / 4 + slots - 1) / max(slots, 1))
        explained.message += ": the server's lock table is full"
        explained.hint =
            "a restore is one transaction that locks every table, index and sequence it creates until its commit: "
            + "\(tables.count) tables need about \(needed) locks, and the server holds about \(capacity) for all sessions "
            + "(max_locks_per_transaction \(perTransaction) × (max_connections \(connections) + max_prepared_transactions "
            + "\(prepared))); set max_locks_per_transaction = \(wanted) in postgresql.conf and restart PostgreSQL, or "
            + "restore the tables in parts (--table); nothing was changed"
        return explained
    }

    /// A lock wait that ran out (`lock_timeout`, SQLSTATE 55P03): after the rollback, names the other sessions
    /// holding locks on tables and views of the target schema — the application still using them, usually.
    private func explainLockTimeout(_ error: PostgresError, on connection: PGConnection) -> PostgresError {
        var explained = error
        let waited = SessionSettings.lockTimeoutMilliseconds(options.lockWaitTimeout)
        explained.message = "gave up waiting for a lock after \(Self.formatMilliseconds(waited)) (--lock-wait-timeout)"
        let holders = try? connection.execute(
            """
            SELECT a.pid::text, string_agg(DISTINCT c.relname, ', ' ORDER BY c.relname), coalesce(a.usename, ''),
                   coalesce(a.application_name, ''), coalesce(a.state, ''),
                   coalesce(floor(extract(epoch FROM clock_timestamp() - a.xact_start))::bigint::text, '')
            FROM pg_locks l
            JOIN pg_class c ON c.oid = l.relation
            JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.granted AND l.pid <> pg_backend_pid()
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND c.relkind IN ('r', 'p', 'v', 'm')
            GROUP BY a.pid, a.usename, a.application_name, a.state, a.xact_start
            ORDER BY a.xact_start NULLS LAST, a.pid
            """, [schema])
        var sessions: [String] = []
        if let holders {
            for row in 0..<holders.rowCount {
                func field(_ column: Int) -> String { holders.string(row, column) ?? "" }
                var who = ["pid \(field(0))"]
                if !field(2).isEmpty { who.append("user \(field(2))") }
                if !field(3).isEmpty { who.append("application \(field(3))") }
                if !field(4).isEmpty { who.append(field(4)) }
                if !field(5).isEmpty { who.append("transaction open \(field(5)) s") }
                sessions.append("\(who.joined(separator: ", ")) holds locks on \(field(1))")
            }
        }
        if !sessions.isEmpty {
            let shown = sessions.prefix(3).joined(separator: "; ")
            explained.message += ": \(shown)" + (sessions.count > 3 ? "; and \(sessions.count - 3) more sessions" : "")
        }
        explained.hint =
            "another session is using the tables (the application?): stop it or end that session "
            + "(SELECT pg_terminate_backend(pid)), then run the restore again; --lock-wait-timeout sets how long to wait "
            + "(0: no limit); nothing was changed"
        return explained
    }

    /// `1500` → `1.5 s`, `30000` → `30 s`, `250` → `250 ms`.
    static func formatMilliseconds(_ milliseconds: Int64) -> String {
        if milliseconds < 1000 { return "\(milliseconds) ms" }
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000) s" }
        return String(format: "%.1f s", Double(milliseconds) / 1000)
    }

    private func runUnchecked(_ source: RestoreRecordSource) throws -> PostgresRestore.Summary {
        if let preview {
            for (name, rows) in preview { expectedRows[name] = rows }
        }
        try begin()
        try refuseExistingTables()
        try checkDataOnlyTargets()
        var sawEnd = false
        var sinceCheck = 0
        // Rows of a table being loaded go from the archive line straight into the COPY data, through the sink of
        // the table's loader, set when the table starts, cleared when it ends.
        var sink: CopyRowSink?
        func nextRecord() throws -> ArchiveRecord? {
            guard sink != nil else { return try source.next() }
            // swift-format-ignore: NeverForceUnwrap
            return try source.next(rowsInto: &sink!)  // checked just above
        }
        while let record = try nextRecord() {
            sinceCheck += 1
            if sinceCheck >= 4096 {
                sinceCheck = 0
                try checkCancelled()
            }
            switch record {
            case .header(let header):
                backend = header.source.backend
                emit(DisplayText.sqlComment(
                    "archive: \(header.producer), source \(header.source.backend) database \(header.source.database), created \(header.createdAt)"))
            case .table(let table):
                try startTable(table)
                sink = loader?.rowSink()
            case .row:
                // A table with a loader has its sink (set together at `.table`): the row's cells are in it.
                if let loader, sink != nil {
                    // swift-format-ignore: NeverForceUnwrap
                    try loader.finishRow(&sink!, values: source.lastRowValues)  // checked just above
                    if loader.rows & 0xFFFF == 0 { progress(.rows, rows: loader.rows) }
                } else {
                    currentRows += 1
                }
            case .tableEnd(let end):
                sink = nil
                try finishTable(end)
            case .object(let object):
                objects.append(object)
            case .extensionRecord:
                continue
            case .end:
                sawEnd = true
            }
        }
        guard sawEnd else {
            throw ArchiveError(.truncated, "archive ended before its end record", location: .init(path: archivePath))
        }
        if let problem = options.tables.problem(in: archiveTables, of: "the archive") {
            throw PostgresError(.invalidOptions, problem)
        }
        let unmatchedColumns = options.representation.unmatchedColumns(for: .postgresql, in: archiveColumns)
        if !unmatchedColumns.isEmpty {
            throw PostgresError(
                .invalidOptions,
                "--as \(unmatchedColumns.map(\.description).joined(separator: ", ")): the archive has no such column")
        }
        try postData()
        try refuseSQLOutsideAllowList()
        commitSent = true
        try execute("COMMIT", operation: "committing the restore")
        staging = nil
        return PostgresRestore.Summary(
            database: connection?.databaseName ?? "", schema: schema, tables: results,
            rows: results.reduce(0) { $0 + $1.rows }, bytesRead: source.bytesRead, notes: notes)
    }

    /// `ANALYZE` after the commit, over several connections at once: statistics do not change the data, so the
    /// restore is already complete and atomic; a failure here is reported as a note.
    private func analyzeAfterCommit(_ summary: inout PostgresRestore.Summary) throws {
        guard options.analyze && !options.schemaOnly else { return }
        let tables = zip(plans, results).sorted { $0.1.rows > $1.1.rows }.map { $0.0.qualified(schema) }
        guard !tables.isEmpty else { return }
        emit("\n-- statistics (after the commit, over several connections)")
        guard let conninfo else {
            for table in tables { script.append("ANALYZE \(table);") }
            return
        }
        let workers = min(tables.count, max(options.jobs, 2))
        let next = Atomic<Int>(0)
        let failures = Mutex<[String]>([])
        let work = AnalyzeWork(
            tables: tables, conninfo: conninfo, settings: Self.sessionSettings(options))
        let report = options.progress
        let bytes = source?.bytesRead ?? 0
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            let connection: PGConnection
            do {
                connection = try PGConnection(conninfo: work.conninfo, settings: work.settings)
            } catch {
                failures.withLock { $0.append("\(error)") }
                return
            }
            defer { connection.close() }
            while true {
                let i = next.add(1, ordering: .relaxed).oldValue
                guard i < work.tables.count else { return }
                report?(.phase("ANALYZE", table: work.tables[i], done: i, of: work.tables.count, bytesDone: bytes))
                do {
                    try connection.execute("ANALYZE \(work.tables[i])")
                } catch {
                    failures.withLock { $0.append("\(work.tables[i]): \(error)") }
                }
            }
        }
        for failure in failures.withLock({ $0 }) {
            summary.notes.append(RestoreNote(.notRestored, table: nil, "ANALYZE failed after the restore was committed: \(failure)"))
        }
    }

    private func checkCancelled() throws {
        if options.isCancelled?() == true {
            throw PostgresError(.cancelled, "restore cancelled; nothing was changed")
        }
    }

    /// With the archive's table list known up front: every table that already exists, in one error, before
    /// anything is loaded.
    private func refuseExistingTables() throws {
        guard let preview, !options.clean, !options.dataOnly, !isDryRun else { return }
        var existing: [String] = []
        for (name, _) in preview where options.tables.includes(name) {
            guard let pgName = try? IdentifierMap.pgName(name, kind: "table") else { continue }
            if try relationKind(pgName) != nil { existing.append(pgName) }
        }
        guard !existing.isEmpty else { return }
        let list = existing.map { "\(schema).\($0)" }.joined(separator: ", ")
        throw PostgresError(
            .tableExists,
            existing.count == 1
                ? "table \(list) already exists; nothing was changed"
                : "\(existing.count) tables already exist: \(list); nothing was changed",
            hint: "restore into an empty schema (--schema NAME), or use --clean to replace them",
            location: .init(table: existing.count == 1 ? preview.first { (try? IdentifierMap.pgName($0.name, kind: "table")) == existing[0] }?.name : nil))
    }

    // MARK: SQL execution

    private func emit(_ sql: String) { if isDryRun { script.append(sql) } }

    /// Runs (or, in a dry run, writes) a statement that must succeed.
    @discardableResult
    private func execute(_ sql: String, operation: String, table: String? = nil) throws -> PGResult? {
        guard let connection else {
            script.append(sql.hasPrefix("--") ? sql : sql + ";")
            return nil
        }
        do {
            return try connection.execute(sql)
        } catch {
            throw error.filling(.init(table: table), operation: operation)
        }
    }

    private func query(_ sql: String, _ parameters: [String?], operation: String) throws -> PGResult {
        guard let connection else { preconditionFailure("query in a dry run") }
        do {
            return try connection.execute(sql, parameters)
        } catch {
            throw error.filling(.init(), operation: operation)
        }
    }

    /// Runs a planned statement; a translated one that PostgreSQL rejects as untranslatable is reported instead.
    private func run(_ statement: PlannedStatement) throws {
        try checkCancelled()
        guard let connection else {
            switch statement.mode {
            case .required: break
            case .fallback(_, let fallbackSQL, _):
                script.append(DisplayText.sqlComment("if this fails because the key columns hold NULLs: \(fallbackSQL);"))
            case .attempt:
                script.append("-- translated: reported and skipped if PostgreSQL rejects it")
            }
            script.append(statement.sql + ";")
            if case .fallback = statement.mode {} else if let success = statement.successNote { notes.append(success) }
            return
        }
        try Self.run(statement, on: connection, notes: &notes)
    }

    /// Runs a planned statement on `connection` (inside a transaction).
    static func run(_ statement: PlannedStatement, on connection: PGConnection, notes: inout [RestoreNote]) throws {
        let savepoint = "authx_attempt"
        func plain(_ sql: String) throws {
            do { try connection.execute(sql) } catch {
                throw error.filling(.init(table: statement.table), operation: statement.operation)
            }
        }
        switch statement.mode {
        case .required:
            try plain(statement.sql)
            if let note = statement.successNote { notes.append(note) }
        case .fallback(let states, let fallbackSQL, let note):
            try plain("SAVEPOINT \(savepoint)")
            do {
                try connection.execute(statement.sql)
                try plain("RELEASE SAVEPOINT \(savepoint)")
            } catch let error as PostgresError where error.sqlState.map(states.contains) ?? false {
                try plain("ROLLBACK TO SAVEPOINT \(savepoint)")
                try plain("RELEASE SAVEPOINT \(savepoint)")
                try plain(fallbackSQL)
                notes.append(RestoreNote(.typeChanged, table: statement.table, note))
            } catch let error as PostgresError {
                throw error.filling(.init(table: statement.table), operation: statement.operation)
            }
        case .attempt(let note):
            try plain("SAVEPOINT \(savepoint)")
            do {
                try connection.execute(statement.sql)
                try plain("RELEASE SAVEPOINT \(savepoint)")
                if let success = statement.successNote { notes.append(success) }
            } catch let error as PostgresError where isTranslationFailure(error) {
                try plain("ROLLBACK TO SAVEPOINT \(savepoint)")
                try plain("RELEASE SAVEPOINT \(savepoint)")
                notes.append(RestoreNote(.notRestored, table: statement.table, "\(note): PostgreSQL says: \(error.message)"))
            } catch let error as PostgresError {
                throw error.filling(.init(table: statement.table), operation: statement.operation)
            }
        }
    }

    /// Syntax errors, unknown functions, types or columns, invalid definitions: the SQL does not translate.
    /// Integrity violations (the data breaks the constraint) and server trouble are real failures.
    static func isTranslationFailure(_ error: PostgresError) -> Bool {
        guard let state = error.sqlState else { return false }
        return state.hasPrefix("42") || state.hasPrefix("22") || state.hasPrefix("0A") || state == "2BP01"
    }

    // MARK: Setup

    private func begin() throws {
        emit("-- authx restore plan (dry run): nothing below has been run")
        for setting in Self.sessionSettings(options).setStatements { emit(setting + ";") }
        if let schema = options.schema { self.schema = schema }
        if connection != nil { try removeStagingSchemasOfKilledRestores() }
        if isParallel { return try beginParallel() }
        try execute("BEGIN", operation: "starting the transaction")
        try execute("SET LOCAL client_min_messages = warning", operation: "configuring the session")
        try execute("SET LOCAL DateStyle = 'ISO, YMD'", operation: "configuring the session")
        if let connection {
            if options.schema == nil {
                guard let current = try query("SELECT current_schema()", [], operation: "finding the current schema").string(0, 0)
                else {
                    throw PostgresError(
                        .invalidOptions, "the connection has no current schema (empty search_path)",
                        hint: "give one with --schema NAME")
                }
                schema = current
            }
            if options.dataOnly {
                let exists = try query(
                    "SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema], operation: "checking the schema")
                guard exists.rowCount == 1 else {
                    throw PostgresError(.missingTable, "schema \(schema) does not exist (--data-only loads into existing tables)")
                }
            }
            _ = connection
        }
        if options.schema != nil && !options.dataOnly {
            try execute(
                "CREATE SCHEMA IF NOT EXISTS \(PGConnection.quoteIdentifier(schema))", operation: "creating schema \(schema)")
        }
        // View bodies and translated expressions name tables without a schema.
        try execute(
            "SET LOCAL search_path = \(PGConnection.quoteIdentifier(schema)), pg_catalog", operation: "configuring the session")
    }

    /// `--jobs N`: a private staging schema, committed at once (it holds the tables while they load), and the
    /// loading connections. The target schema is only touched by the final transaction.
    private func beginParallel() throws {
        if options.schema == nil {
            guard let current = try query("SELECT current_schema()", [], operation: "finding the current schema").string(0, 0)
            else {
                throw PostgresError(
                    .invalidOptions, "the connection has no current schema (empty search_path)", hint: "give one with --schema NAME")
            }
            schema = current
        }
        // The staging schema's advisory lock is held by this session from before the schema exists until it ends:
        // a later restore sees the lock free only once this process is gone (a closed connection ends the session).
        var name: String
        repeat {
            name = "authx_restore_\(getpid())_\(IdentifierMap.hex32(UInt32.random(in: 0...UInt32.max)))"
        } while try !tryStagingLock(name)
        try execute("CREATE SCHEMA \(PGConnection.quoteIdentifier(name))", operation: "creating the staging schema \(name)")
        staging = name
        guard let conninfo else { preconditionFailure("a parallel restore has a connection") }
        workers = try LoadWorkers(
            count: options.jobs, conninfo: conninfo, settings: Self.sessionSettings(options), schema: name,
            prepare: prepare)
    }

    /// The advisory lock of staging schema `name` (`authx_restore_<pid>_<hex>`): the pair (a constant for authx
    /// staging schemas, the hex as a 32-bit integer); nil for another name.
    static func stagingLockKey(_ name: String) -> (Int32, Int32)? {
        let parts = name.split(separator: "_")
        guard parts.count == 4, name.hasPrefix("authx_restore_"), parts[2].allSatisfy(\.isNumber), parts[3].count == 8,
            let value = UInt32(parts[3], radix: 16)
        else { return nil }
        return (0x6175_7478, Int32(bitPattern: value))  // "autx"
    }

    /// Takes the advisory lock of staging schema `name` for this session, if no other session holds it.
    private func tryStagingLock(_ name: String) throws -> Bool {
        guard let (classID, objectID) = Self.stagingLockKey(name) else { return false }
        return try query(
            "SELECT pg_try_advisory_lock($1::int, $2::int)", ["\(classID)", "\(objectID)"],
            operation: "locking the staging schema \(name)"
        ).string(0, 0) == "t"
    }

    /// Drops the `--jobs` staging schemas of restores that were killed (SIGKILL, a power cut): those whose
    /// advisory lock no session holds. One of a running restore is left alone; one this role may not drop is
    /// named in a note with the command that drops it. Runs before the restore's own transaction.
    private func removeStagingSchemasOfKilledRestores() throws {
        let found = try query(
            "SELECT n.nspname, (SELECT count(*) FROM pg_class c WHERE c.relnamespace = n.oid AND c.relkind = 'r')::text "
                + "FROM pg_namespace n WHERE n.nspname ~ '^authx_restore_[0-9]+_[0-9a-f]{8}$' ORDER BY 1",
            [], operation: "looking for staging schemas of killed restores")
        for row in found.rows {
            guard let name = row[0], let (classID, objectID) = Self.stagingLockKey(name) else { continue }
            guard try tryStagingLock(name) else { continue }  // a restore running now
            let drop = "DROP SCHEMA \(PGConnection.quoteIdentifier(name)) CASCADE"
            do {
                try execute(drop, operation: "dropping the staging schema \(name) of a killed restore")
                notes.append(RestoreNote(
                    .leftover, table: nil,
                    "dropped schema \(name) (\(row[1] ?? "?") tables), left by a restore with --jobs that was killed"))
            } catch {
                notes.append(RestoreNote(
                    .leftover, table: nil,
                    "schema \(name) was left by a restore with --jobs that was killed and could not be dropped "
                        + "(\((error as? PostgresError)?.message ?? "\(error)")): run `\(drop);` as its owner"))
            }
            _ = try query(
                "SELECT pg_advisory_unlock($1::int, $2::int)", ["\(classID)", "\(objectID)"],
                operation: "unlocking the staging schema \(name)")
        }
    }

    // MARK: Tables

    private func progress(_ kind: ProgressEvent.Kind, rows: Int64) {
        guard let handler = options.progress, let plan = currentPlan else { return }
        handler(
            ProgressEvent(
                kind: kind, table: plan.source.name, rowsDone: rows, rowsTotal: expectedRows[plan.source.name],
                bytesDone: source?.bytesRead ?? 0))
    }

    /// Reports step `done` of `total` of `phase` (after the load), on `table`.
    private func progress(phase: String, table: String, done: Int, of total: Int) {
        options.progress?(.phase(phase, table: table, done: done, of: total, bytesDone: source?.bytesRead ?? 0))
    }

    private func startTable(_ table: TableSchema) throws {
        currentRows = 0
        archiveTables.append(table.name)
        archiveColumns.append((table.name, table.columns))
        guard options.tables.includes(table.name) else {
            currentPlan = nil
            loader = nil
            return
        }
        var representations: [String: TargetRepresentation] = [:]
        for column in table.columns {
            do {
                representations[column.name] = try options.representation.representation(
                    of: column, in: table.name, from: DatabaseEngine(backend: backend), into: .postgresql)
            } catch {
                throw PostgresError(.invalidOptions, error.message, location: error.location)
            }
        }
        var plan = try TablePlan(table, backend: backend, representations: representations)
        notes.append(contentsOf: plan.notes)
        do {
            try relations.claim(plan.pgName, by: "table \"\(table.name)\"")
        } catch {
            throw error.filling(.init(table: table.name))
        }
        if isParallel {
            try dispatchTable(plan)
            return
        }
        if options.dataOnly {
            try prepareExistingTable(&plan)
        } else {
            try createTable(&plan)
        }
        planIndex[table.name] = plans.count
        plans.append(plan)
        currentPlan = plan
        progress(.tableStarted, rows: 0)
        if options.schemaOnly || isDryRun {
            loader = nil
            if !options.schemaOnly {
                let format = options.copyFormat == .binary
                    && CopyEncoder.supportsBinary(logical: plan.columns.map(\.source.type), types: plan.columns.map(\.type))
                    ? CopyEncoder.Format.binary : .text
                script.append(TableLoader.copySQL(plan, schema: schema, format: format, freeze: !options.dataOnly) + ";")
            }
            return
        }
        guard let connection else { preconditionFailure("not a dry run (checked above)") }
        try startLoading(plan, through: ConnectionCopyTarget(connection: connection, plan: plan), schema: schema)
    }

    /// Starts the table's COPY through `target` (this connection, or a loading worker's); its rows are encoded
    /// here, on the reading thread. A table created by the restore may have columns widened and is loaded with
    /// `FREEZE`; an existing one (`--data-only`) neither.
    private func startLoading(_ plan: TablePlan, through target: any CopyTarget, schema: String) throws {
        let format: CopyEncoder.Format = options.copyFormat == .binary ? .binary : .text
        let loader = TableLoader(
            target: target, plan: plan, schema: schema, format: format, mayWiden: !options.dataOnly, freeze: !options.dataOnly)
        try loader.begin()
        self.loader = loader
    }

    /// `--jobs N`: checks the target now (to fail before loading), then hands the table to an idle connection,
    /// which creates and loads it in the staging schema and builds its keys and indexes.
    private func dispatchTable(_ plan: TablePlan) throws {
        guard let staging, let workers else { return }
        if let kind = try relationKind(plan.pgName) {
            let what = Self.kindName(kind)
            guard options.clean else {
                throw PostgresError(
                    .tableExists, "\(what) \(schema).\(plan.pgName) already exists; nothing was changed",
                    hint: "restore into an empty schema (--schema NAME), or use --clean to replace it",
                    location: .init(table: plan.source.name))
            }
            guard ["r", "p", "v", "m"].contains(kind) else {
                throw PostgresError(
                    .tableExists, "\(what) \(schema).\(plan.pgName) already exists and --clean replaces only tables and views",
                    location: .init(table: plan.source.name))
            }
            replaced.append((plan.pgName, kind))
        }
        var planNotes: [RestoreNote] = []
        let after = try plan.keysAndIndexes(schema: staging, relations: &relations, notes: &planNotes)
        notes.append(contentsOf: planNotes)
        let job = LoadWorkers.TableJob(
            index: plans.count, plan: plan, createSQL: plan.createTable(schema: staging),
            before: plan.attemptedDefaults(schema: staging), after: after)
        planIndex[plan.source.name] = plans.count
        plans.append(plan)
        currentPlan = plan
        progress(.tableStarted, rows: 0)
        let worker = try workers.begin(job)
        currentWorker = worker
        try startLoading(plan, through: workers.target(for: worker), schema: staging)
    }

    private func relationKind(_ pgName: String) throws -> String? {
        guard !isDryRun else { return nil }
        let result = try query(
            "SELECT c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2",
            [schema, pgName], operation: "checking whether \(pgName) exists")
        return result.rowCount > 0 ? result.string(0, 0) : nil
    }

    private func createTable(_ plan: inout TablePlan) throws {
        let table = plan.source.name
        if isDryRun {
            if options.clean {
                script.append("DROP TABLE IF EXISTS \(plan.qualified(schema));  -- --clean: done after the load in a real restore")
            }
        } else if let kind = try relationKind(plan.pgName) {
            let what = Self.kindName(kind)
            guard options.clean else {
                throw PostgresError(
                    .tableExists, "\(what) \(schema).\(plan.pgName) already exists; nothing was changed",
                    hint: "restore into an empty schema (--schema NAME), or use --clean to replace it",
                    location: .init(table: table))
            }
            guard ["r", "p", "v", "m"].contains(kind) else {
                throw PostgresError(
                    .tableExists, "\(what) \(schema).\(plan.pgName) already exists and --clean replaces only tables and views",
                    location: .init(table: table))
            }
            // Load into a temporary name; the old relation is dropped after the load, in this transaction.
            var n = replaced.count
            var temporary: String
            repeat {
                temporary = "authx_restore_new_\(getpid())_\(n)"
                n += 1
            } while try relationKind(temporary) != nil
            plan.createName = temporary
            replaced.append((plan.pgName, kind))
        }
        try execute(plan.createTable(schema: schema), operation: "creating table \(table)", table: table)
        for statement in plan.attemptedDefaults(schema: schema) { try run(statement) }
    }

    static func kindName(_ relkind: String) -> String {
        switch relkind {
        case "r", "p": return "table"
        case "v": return "view"
        case "m": return "materialized view"
        case "i", "I": return "index"
        case "S": return "sequence"
        case "f": return "foreign table"
        default: return "relation"
        }
    }

    /// `--data-only`, with the archive's tables known up front (a regular file): every problem of every selected
    /// table, in one error, before anything is loaded.
    private func checkDataOnlyTargets() throws {
        guard options.dataOnly, !isDryRun, let previewSchemas else { return }
        var problems: [String] = []
        for table in previewSchemas where options.tables.includes(table.name) {
            let plan = try TablePlan(table, backend: backend)
            problems += try targetColumns(of: plan).problems
        }
        try throwIncompatible(problems, table: nil)
    }

    private func throwIncompatible(_ problems: [String], table: String?) throws {
        guard !problems.isEmpty else { return }
        let shown = problems.prefix(20).joined(separator: "; ")
        let more = problems.count > 20 ? "; and \(problems.count - 20) more" : ""
        throw PostgresError(
            .incompatibleTarget,
            "--data-only: the target cannot take the archive's rows (\(problems.count) problem\(problems.count == 1 ? "" : "s")): "
                + shown + more + "; nothing was loaded",
            hint: "create the schema with the application (its migrations) for the same models, or restore without --data-only",
            location: .init(table: table))
    }

    /// The existing columns of a table, by PostgreSQL name (type, and whether the archive may leave them out), and
    /// what keeps the archive's rows from going in: a missing table or column, a NOT NULL column without a default
    /// that the archive does not fill, a type that cannot hold the archive column's values.
    private func targetColumns(of plan: TablePlan) throws -> (columns: [String: PGType], problems: [String]) {
        let table = plan.source.name
        guard let kind = try relationKind(plan.pgName), kind == "r" || kind == "p" else {
            return ([:], ["table \(schema).\(plan.pgName) does not exist"])
        }
        let rows = try query(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attgenerated <> '', a.attnotnull, "
                + "a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '' FROM pg_attribute a "
                + "WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
            [plan.qualifiedParameter(schema)], operation: "reading the columns of \(table)")
        var columns: [String: PGType] = [:]
        var problems: [String] = []
        let archiveNames = Set(plan.columns.map(\.pgName))
        for row in rows.rows {
            guard let name = row[0], let type = row[1] else { continue }
            if row[2] == "t" {
                if archiveNames.contains(name) {
                    problems.append("table \(table): column \(name) is a generated column, which cannot be loaded")
                }
                continue
            }
            columns[name] = PGType(formatted: type)
            if row[3] == "t" && row[4] != "t" && !archiveNames.contains(name) {
                problems.append(
                    "table \(table): target column \(name) is NOT NULL without a default and the archive does not fill it")
            }
        }
        for c in plan.columns {
            guard let target = columns[c.pgName] else {
                problems.append("table \(table): archive column \(c.source.name) has no column in \(schema).\(plan.pgName)")
                continue
            }
            if !Self.canLoad(c.source.type, into: target) {
                problems.append(
                    "table \(table), column \(c.source.name): \(c.source.type.rawValue) values cannot go into \(target.sql)")
            }
        }
        return (columns, problems)
    }

    /// Whether the values of an archive column of type `logical` can be loaded into an existing `target` column
    /// (each value is still checked as it is loaded: lengths, ranges, 0/1 for booleans, the server's parsing).
    static func canLoad(_ logical: LogicalType, into target: PGType) -> Bool {
        let textual: Bool
        switch target {
        case .text, .varchar, .character: textual = true
        default: textual = false
        }
        switch logical {
        case .text, .any: return true  // the server parses text for any type
        case .boolean: return target == .boolean || target.isInteger || textual
        case .integer:
            return target.isInteger || target == .boolean || target == .real || target == .doublePrecision || textual
                || { if case .numeric = target { return true } else { return false } }()
        case .real, .decimal:
            return target == .real || target == .doublePrecision || textual
                || { if case .numeric = target { return true } else { return false } }()
        case .bytes: return target == .bytea
        case .uuid: return target == .uuid || textual
        case .json: return target == .json || target == .jsonb || textual
        case .timestamp: return target == .timestamp || target == .timestamptz || textual
        case .date: return target == .date || target == .timestamp || target == .timestamptz || textual
        case .time: return target == .time || textual
        }
    }

    /// `--data-only`: the table must exist and take the archive's columns (every problem in one error); its column
    /// types decide the COPY encoding. Foreign keys touching it are dropped for the load and re-added (validated)
    /// at the end, so the archive's table order cannot make a valid load fail.
    private func prepareExistingTable(_ plan: inout TablePlan) throws {
        let table = plan.source.name
        guard !isDryRun else { return }
        let (existing, problems) = try targetColumns(of: plan)
        try throwIncompatible(problems, table: table)
        let qualified = plan.qualified(schema)
        for i in plan.columns.indices {
            // swift-format-ignore: NeverForceUnwrap
            plan.columns[i].type = existing[plan.columns[i].pgName]!  // every column was found (checked above)
            plan.columns[i].identity = false
        }
        if try query("SELECT EXISTS (SELECT 1 FROM \(qualified))", [], operation: "checking whether \(table) has rows")
            .string(0, 0) == "t"
        {
            tablesWithRows.insert(table)
        }
        let fks = try query(
            "SELECT con.conrelid::regclass::text, con.conname, pg_get_constraintdef(con.oid) FROM pg_constraint con "
                + "WHERE con.contype = 'f' AND NOT con.condeferrable AND (con.conrelid = $1::regclass OR con.confrelid = $1::regclass)",
            [plan.qualifiedParameter(schema)], operation: "reading the foreign keys of \(table)")
        for row in fks.rows {
            guard let owner = row[0], let name = row[1], let definition = row[2] else { continue }
            let key = owner + "\u{0}" + name
            guard droppedForeignKeyKeys.insert(key).inserted else { continue }
            try execute(
                "ALTER TABLE \(owner) DROP CONSTRAINT \(PGConnection.quoteIdentifier(name))",
                operation: "setting aside foreign key \(name) for the load", table: table)
            droppedForeignKeys.append((owner, name, definition))
        }
    }

    private func finishTable(_ end: TableEnd) throws {
        guard let plan = currentPlan, plan.source.name == end.table else { return }
        var rows = currentRows
        if let loader {
            do {
                try loader.finish()
            } catch let error as PostgresError {
                throw error.filling(.init(table: plan.source.name))
            }
            if let worker = currentWorker, let workers {
                // The worker builds the table's keys and indexes and commits; finishParallel collects it.
                try workers.post(.end, to: worker)
                currentWorker = nil
            }
            notes.append(contentsOf: loader.notes)
            rows = loader.rows
            // Keep the widened types for what follows.
            if let index = planIndex[plan.source.name] { plans[index] = loader.plan }
        } else if isDryRun && !options.schemaOnly {
            script.append(DisplayText.sqlComment("\(end.rows) rows of \(plan.source.name)"))
            rows = end.rows
        } else {
            rows = 0
        }
        if options.schemaOnly { rows = 0 }
        results.append(.init(name: plan.source.name, pgName: plan.pgName, rows: rows))
        progress(.tableFinished, rows: rows)
        loader = nil
        currentPlan = nil
    }

    // MARK: After the load

    private func postData() throws {
        if options.dataOnly {
            try postDataOnly()
            return
        }
        if isParallel {
            try finishParallel()
        } else {
            try swapReplacedTables()
            try keysAndIndexes()
        }
        emit("\n-- foreign keys")
        for (step, plan) in plans.enumerated() {
            if !plan.source.foreignKeys.isEmpty {
                progress(phase: "foreign keys", table: plan.source.name, done: step, of: plans.count)
            }
            var planNotes: [RestoreNote] = []
            let statements = try plan.foreignKeys(schema: schema, referenced: referencedTable, notes: &planNotes)
            notes.append(contentsOf: planNotes)
            for statement in statements { try run(statement) }
        }
        emit("\n-- identity columns and sequences")
        for plan in plans {
            for statement in plan.identities(schema: schema, withData: !options.schemaOnly) { try run(statement) }
        }
        try restoreObjects()
        if let staging {
            // Still named until the commit: a failure before it rolls this drop back, and the clean-up drops it.
            try execute("DROP SCHEMA \(PGConnection.quoteIdentifier(staging))", operation: "dropping the empty staging schema")
        }
    }

    /// `strictSQL`: the first object left out because its SQL is outside the allow-list fails the restore, before
    /// its commit (so nothing is changed; a plan is not printed).
    private func refuseSQLOutsideAllowList() throws {
        guard options.strictSQL, let note = notes.first(where: \.isOutsideAllowList) else { return }
        let others = notes.filter(\.isOutsideAllowList).count - 1
        throw ArchiveError(
            .badRecord,
            "\(note.message); --strict-sql refuses archive SQL outside the allow-list"
                + (others > 0 ? " (and \(others) more such objects)" : ""),
            location: .init(path: archivePath.isEmpty ? nil : archivePath, table: note.table))
    }

    /// `--jobs N`: waits for the loading connections, then, in the final transaction, replaces old tables
    /// (`--clean`) and moves the loaded tables into the target schema.
    private func finishParallel() throws {
        guard let workers, let staging else { return }
        progress(phase: "keys, checks and indexes (loading connections)", table: "", done: 0, of: plans.count)
        let finished = try workers.finish(isCancelled: options.isCancelled)
        workers.shutdown()
        self.workers = nil
        for done in finished.sorted(by: { $0.index < $1.index }) {
            results[done.index].rows = done.rows
            notes.append(contentsOf: done.notes)
        }
        try execute("BEGIN", operation: "starting the final transaction")
        try execute("SET LOCAL client_min_messages = warning", operation: "configuring the session")
        if options.schema != nil {
            try execute("CREATE SCHEMA IF NOT EXISTS \(PGConnection.quoteIdentifier(schema))", operation: "creating schema \(schema)")
        }
        try execute("SET LOCAL search_path = \(PGConnection.quoteIdentifier(schema)), pg_catalog", operation: "configuring the session")
        try dropReplaced()
        for plan in plans {
            try execute(
                "ALTER TABLE \(PGConnection.quoteIdentifier(staging)).\(PGConnection.quoteIdentifier(plan.pgName)) SET SCHEMA \(PGConnection.quoteIdentifier(schema))",
                operation: "moving table \(plan.source.name) into schema \(schema)", table: plan.source.name)
        }
    }

    private func keysAndIndexes() throws {
        emit("\n-- keys, constraints and indexes")
        for (step, plan) in plans.enumerated() {
            progress(phase: "keys, checks and indexes", table: plan.source.name, done: step, of: plans.count)
            var planNotes: [RestoreNote] = []
            let statements = try plan.keysAndIndexes(schema: schema, relations: &relations, notes: &planNotes)
            notes.append(contentsOf: planNotes)
            for statement in statements { try run(statement) }
        }
    }

    /// The table a foreign key references: restored now, or already in the target schema.
    private func referencedTable(_ name: String) -> (pgName: String, plan: TablePlan?)? {
        if let index = planIndex[name] { return (plans[index].pgName, plans[index]) }
        guard let pgName = try? IdentifierMap.pgName(name, kind: "table") else { return nil }
        guard let kind = try? relationKind(pgName), kind == "r" || kind == "p" else { return nil }
        return (pgName, nil)
    }

    /// `--clean`: drop the old tables (and the archive's views) now that the new ones are loaded, and give the
    /// new tables their names.
    private func swapReplacedTables() throws {
        guard !replaced.isEmpty else { return }
        try dropReplaced()
        for i in plans.indices where plans[i].createName != plans[i].pgName {
            try execute(
                "ALTER TABLE \(plans[i].qualified(schema, created: true)) RENAME TO \(PGConnection.quoteIdentifier(plans[i].pgName))",
                operation: "--clean renaming the new table \(plans[i].source.name)")
            plans[i].createName = plans[i].pgName
        }
    }

    /// `--clean`: drops the old relations the archive replaces (and the archive's old views first).
    private func dropReplaced() throws {
        guard !replaced.isEmpty else { return }
        // Views of the archive are recreated below; drop the old ones first, they may depend on old tables.
        for object in objects where object.type == "view" {
            guard let pgName = try? IdentifierMap.pgName(object.name, kind: "view"), try relationKind(pgName) == "v" else {
                continue
            }
            try execute(
                "DROP VIEW \(PGConnection.quoteIdentifier(schema)).\(PGConnection.quoteIdentifier(pgName))",
                operation: "--clean dropping the old view \(object.name)")
        }
        for kind in ["r", "v", "m"] {
            let names = replaced.filter { ($0.kind == "p" ? "r" : $0.kind) == kind }.map {
                PGConnection.quoteIdentifier(schema) + "." + PGConnection.quoteIdentifier($0.pgName)
            }
            guard !names.isEmpty else { continue }
            let keyword = kind == "r" ? "TABLE" : kind == "v" ? "VIEW" : "MATERIALIZED VIEW"
            do {
                try execute("DROP \(keyword) \(names.joined(separator: ", "))", operation: "--clean dropping the old tables")
            } catch var error as PostgresError where error.sqlState == "2BP01" {
                // Dependency details name objects, never row values.
                error.message = "--clean cannot drop the old tables: other objects depend on them (\(error.detail ?? "see the server log"))"
                error.hint = "drop or alter those objects first, or restore into another schema with --schema"
                throw error
            }
        }
    }

    /// Views are parsed, checked against the allow-list grammar, written again and tried; triggers are reported.
    private func restoreObjects() throws {
        guard !objects.isEmpty else { return }
        emit("\n-- views")
        var relationsByName: [String: PostgresExpressionEmitter.Relation] = [:]
        for plan in plans {
            relationsByName[plan.source.name.lowercased()] = .init(pgName: plan.pgName, columns: plan.expressionColumns)
        }
        let dialect = SQLExpressionParser.Dialect(backend: backend)
        for object in objects {
            if object.type == "view" {
                let pgName = try IdentifierMap.pgName(object.name, kind: "view")
                if pgName != object.name {
                    notes.append(RestoreNote(.renamed, table: nil, "view \(object.name) longer than 63 bytes: created as \"\(pgName)\""))
                }
                let sql: String
                do {
                    let statement = try SQLExpressionParser.view(object.sql, dialect: dialect)
                    sql = try PostgresExpressionEmitter.viewSQL(
                        statement, pgName: pgName, schema: schema, dialect: dialect, relations: relationsByName)
                } catch let failure as SQLExpressionParser.Failure {
                    notes.append(RestoreNote.outsideAllowList(table: nil, "view \(object.name) left out: cannot parse its SQL (\(failure.message))"))
                    continue
                } catch let unsupported as PostgresExpressionEmitter.Unsupported {
                    notes.append(RestoreNote.outsideAllowList(table: nil, "view \(object.name) left out: \(unsupported.message)"))
                    continue
                }
                try relations.claim(pgName, by: "view \"\(object.name)\"")
                relationsByName[object.name.lowercased()] = .init(pgName: pgName, columns: nil)
                try run(
                    PlannedStatement(
                        sql: sql, mode: .attempt(note: "view \(object.name) not restored"), table: nil,
                        operation: "creating view \(object.name)",
                        successNote: RestoreNote(
                            .translated, table: nil,
                            "view \(object.name) created from \(backend) SQL; review it (functions and LIKE differ)")))
            } else {
                let on = object.table.map { " on table \($0)" } ?? ""
                notes.append(
                    RestoreNote(
                        .notRestored, table: object.table,
                        "\(object.type) \(object.name)\(on) not restored: \(backend) \(object.type)s cannot be translated to PostgreSQL automatically; recreate it (PL/pgSQL)"))
            }
        }
    }

    /// `--data-only`: foreign keys set aside are re-added and validated, sequences set past the loaded values.
    private func postDataOnly() throws {
        for fk in droppedForeignKeys {
            try execute(
                "ALTER TABLE \(fk.table) ADD CONSTRAINT \(PGConnection.quoteIdentifier(fk.name)) \(fk.definition)",
                operation: "re-adding foreign key \(fk.name) (checking the loaded rows)")
        }
        guard !isDryRun else { return }
        for plan in plans {
            let serial = try query(
                "SELECT a.attname FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 "
                    + "AND NOT a.attisdropped AND pg_get_serial_sequence($2::text, a.attname::text) IS NOT NULL",
                [plan.qualifiedParameter(schema), plan.qualifiedParameter(schema)], operation: "finding the sequences of \(plan.source.name)")
            for row in serial.rows {
                guard let column = row[0] else { continue }
                try run(plan.sequenceReset(schema: schema, column: column))
            }
        }
    }
}

@available(*, unavailable)
extension RestoreSession: Sendable {}

/// What the ANALYZE workers share.
private struct AnalyzeWork: Sendable {
    let tables: [String]
    let conninfo: String
    /// ``RestoreSession/sessionSettings(_:)``.
    let settings: SessionSettings
}
