public import AuthExport

/// Restores an auth_export archive into PostgreSQL: native types, bulk COPY, keys, indexes, foreign keys and
/// identity sequences, in one transaction.
///
/// The load follows pg_restore's order: each table is created and filled with `COPY … FROM STDIN` (binary
/// format), then primary keys, UNIQUE and CHECK constraints and indexes are built, then foreign keys, then
/// auto-increment keys become identity columns set past the highest value, then views, then `ANALYZE`.
/// Everything runs in one transaction that commits only after the archive's end record (and so every checksum)
/// has been verified: a failure of any kind leaves the database exactly as it was.
///
/// ```swift
/// var options = PostgresRestore.Options()
/// options.schema = "auth"
/// let summary = try PostgresRestore.restore(archive: "app.authx.gz", to: "postgresql://app@db.internal/app", options: options)
/// print(summary.rows, summary.notes)
/// ```
///
/// - Important: identifiers from the archive are always quoted and never interpreted as SQL; values reach the
///   server only as COPY data. Connection strings are never printed with their password.
public enum PostgresRestore {
    /// The COPY data format.
    public enum CopyFormat: String, Sendable, CaseIterable {
        /// PostgreSQL's binary COPY format (default): the server parses nothing.
        case binary
        /// The text COPY format.
        case text
    }

    /// What to restore and how.
    public struct Options: Sendable {
        /// The schema to restore into, created if missing; nil means the connection's `current_schema()`.
        public var schema: String?
        /// Replace tables (and views) of the archive that already exist. Without it the restore refuses them.
        /// The old tables are dropped only after the new ones are loaded, in the same transaction.
        public var clean = false
        /// Which tables to restore.
        public var tables = TableFilter()
        /// Create the schema only: tables, keys, indexes, foreign keys, identity columns, views.
        public var schemaOnly = false
        /// Load the rows only, into existing tables (matched by name; columns by name).
        public var dataOnly = false
        /// Connections loading tables in parallel. Above 1, each table is created, loaded and indexed in its own
        /// transaction inside a private staging schema, and one final transaction moves every table into the
        /// target schema: the target still changes all at once or not at all, but the staging schema is
        /// visible meanwhile and stays behind if the process is killed (SIGKILL). Ignored by `dataOnly`,
        /// `schemaOnly` and plans.
        public var jobs = 1
        /// The COPY format (tables whose existing column types have no binary encoding use text).
        public var copyFormat = CopyFormat.binary
        /// How columns are represented where applications differ (`--profile`, `--as`): `timestamp` or
        /// `timestamptz`, `json` or `jsonb`… for an archive of a SQLite database, and per column in any direction.
        /// A restore of a PostgreSQL archive recreates each column's source type unless a column is named. See
        /// docs/orm-profiles.md.
        public var representation = RepresentationOptions()
        /// Run `ANALYZE` on the restored tables at the end.
        public var analyze = true
        /// Fail the restore (`ArchiveError` `.badRecord`, before its commit: nothing is changed) where archive
        /// SQL — a CHECK, DEFAULT, index key or `WHERE`, or view — is outside the allow-list grammar (a function
        /// with side effects, a sub-query, an unknown cast…), instead of leaving the object out with a note
        /// (`--strict-sql`, as for a SQLite restore). Objects PostgreSQL itself rejects, and triggers (never
        /// restored), are still reported as notes.
        public var strictSQL = false
        /// How long a statement may wait for a lock held by another session (an application still reading a
        /// table that `--clean` drops, say) before the restore gives up, rolls back and names the sessions
        /// holding locks on the restore's tables (`lock_timeout`, like `pg_dump --lock-wait-timeout`). nil or
        /// zero waits without limit, as `pg_restore` does. Whatever the role's or database's settings, a restore
        /// runs with no `statement_timeout` and no `idle_in_transaction_session_timeout`.
        public var lockWaitTimeout: Duration? = .seconds(30)
        /// Limits for reading the archive. By default a regular file's members are inflated on a second thread
        /// (with two or more CPUs) while the calling thread parses rows into COPY data.
        public var readerOptions = ArchiveReader.Options.decodingEveryRow
        /// Receives progress events.
        public var progress: ProgressHandler?
        /// Polled between rows and statements, and every 100 ms from a thread of the restore's own (so it must be
        /// thread-safe); returning true stops the restore — the server's running statement (an index build, a
        /// wait for a lock) is cancelled at once — which then rolls back as on any error (`PostgresError` code
        /// `.cancelled`). The CLI sets it from SIGINT/SIGTERM.
        public var isCancelled: (@Sendable () -> Bool)?
        /// Creates the default options.
        public init() {}
    }

    /// One restored table.
    public struct TableResult: Sendable, Hashable {
        /// The table's name in the archive.
        public var name: String
        /// The table's name in PostgreSQL (differs only for names over 63 bytes).
        public var pgName: String
        /// Rows loaded.
        public var rows: Int64
    }

    /// What a restore did.
    public struct Summary: Sendable {
        /// The database restored into.
        public var database: String
        /// The schema restored into.
        public var schema: String
        /// The restored tables, in archive order.
        public var tables: [TableResult]
        /// Rows loaded in all tables.
        public var rows: Int64
        /// Archive bytes read.
        public var bytesRead: Int64
        /// Everything not carried over exactly (renames, widened types, untranslated objects).
        public var notes: [RestoreNote]
    }

    /// A restore plan: the SQL a restore would run, without touching any database.
    public struct Plan: Sendable {
        /// The SQL script, with COPY steps as comments (row counts from the archive).
        public var sql: String
        /// What would not be carried over exactly.
        public var notes: [RestoreNote]
        /// The tables the plan restores, with their archive row counts.
        public var tables: [TableResult]
    }

    /// Restores `archive` (a path, or `-` for standard input) into the PostgreSQL database `connection`.
    ///
    /// - Parameters:
    ///   - archive: the archive file, or `-` to read standard input.
    ///   - connection: a libpq connection string: `postgresql://user@host:5432/db`, `host=… dbname=…`, or a
    ///     SQLAlchemy URL such as `postgresql+psycopg2://…`. `PGPASSWORD`, `~/.pgpass`, `PGHOST`… apply.
    ///   - options: what to restore.
    /// - Returns: the tables and rows restored, and notes on what was not carried over exactly.
    /// - Throws: `ArchiveError` when the archive is invalid (nothing is committed); `PostgresError` when the
    ///   connection, a statement or a row fails, with the archive table, row and column where known. Either
    ///   way the transaction is rolled back.
    public static func restore(archive: String, to connection: String, options: Options = Options()) throws -> Summary {
        try validate(options)
        guard case .postgres(let conninfo) = try ConnectionTarget.parse(connection) else {
            throw PostgresError(.invalidOptions, "not a PostgreSQL connection string (postgresql://… or host=… dbname=…)")
        }
        // A regular file's table list (read from its index and each table's first member) lets the restore refuse
        // existing tables before loading anything and report progress against each table's row count. It is only
        // a preview: the reader verifies everything as it loads (and reuses it rather than reading it again).
        let listing = archive == "-" ? nil : try? ArchiveListing(path: archive, options: options.readerOptions)
        let reader = try ArchiveReader(path: archive, options: options.readerOptions, listing: listing)
        let session = try RestoreSession(options: options, conninfo: conninfo)
        session.preview = listing.map { $0.tables.map { ($0.schema.name, $0.entry.rows) } }
        session.previewSchemas = listing.map { $0.tables.map(\.schema) }
        do {
            return try session.run(reader)
        } catch var error as PostgresError where error.hint == nil && ["23503", "23505"].contains(error.sqlState) {
            let hadRows = error.location.table.map(session.tablesWithRows.contains) == true
            if options.dataOnly && error.sqlState == "23505" && hadRows {
                // Loading into a table that already held rows: the clash is with them, not inside the archive.
                error.message = "a row of the archive has the key of a row already in the target table: " + error.message
                error.hint =
                    "the target table already holds rows with these keys (--data-only adds rows to what is there); "
                    + "empty the tables first (TRUNCATE, or a fresh schema from the application's migrations), or "
                    + "leave the table out with --exclude-table"
            } else if options.dataOnly && error.sqlState == "23503" {
                error.hint =
                    "a row references a row that is in neither the archive nor the target table; restore the "
                    + "referenced table too, or load it first"
            } else {
                // The server names the first violation only (at key or foreign key creation, without the row); in
                // a table that was empty, a duplicate key is inside the archive.
                error.hint =
                    "`authx verify --keys \(archive == "-" ? "FILE" : archive)` lists every duplicate key and dangling "
                    + "reference with its row"
            }
            throw error
        }
    }

    /// Reads `archive` and returns the SQL a restore with `options` would run, without connecting to any database.
    ///
    /// The whole archive is read and verified. Objects translated from the source dialect are marked: a real
    /// restore reports and skips those PostgreSQL rejects.
    ///
    /// - Throws: `ArchiveError` when the archive is invalid; `PostgresError` for unusable names or options.
    public static func plan(archive: String, options: Options = Options()) throws -> Plan {
        try validate(options)
        let reader = try ArchiveReader(path: archive, options: options.readerOptions)
        let session = try RestoreSession(options: options, conninfo: nil)
        let summary = try session.run(reader)
        return Plan(sql: session.script.joined(separator: "\n"), notes: summary.notes, tables: summary.tables)
    }

    static func validate(_ options: Options) throws(PostgresError) {
        if options.schemaOnly && options.dataOnly {
            throw PostgresError(.invalidOptions, "--schema-only and --data-only cannot be combined")
        }
        if options.dataOnly && options.clean {
            throw PostgresError(.invalidOptions, "--clean cannot be combined with --data-only (it would drop the tables to load)")
        }
        try SessionSettings.validate(lockWaitTimeout: options.lockWaitTimeout)
        if options.jobs < 1 || options.jobs > 64 {
            throw PostgresError(.invalidOptions, "--jobs must be between 1 and 64")
        }
        if let schema = options.schema {
            _ = try IdentifierMap.pgName(schema, kind: "schema")
            if schema.utf8.count > IdentifierMap.maxBytes {
                throw PostgresError(.invalidIdentifier, "schema name \"\(schema)\" is longer than PostgreSQL's 63 bytes")
            }
        }
    }
}
