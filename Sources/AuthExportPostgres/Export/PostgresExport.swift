public import AuthExport
internal import Foundation

/// Exports one schema of a PostgreSQL database to an auth_export archive: a consistent snapshot, streamed.
///
/// Everything is read in one `REPEATABLE READ, READ ONLY` transaction — the archive is one snapshot even while the
/// application writes — with each table locked `ACCESS SHARE` against concurrent `DROP`/`ALTER` (as pg_dump
/// does). Rows stream from `COPY … TO STDOUT` straight into the archive writer, in bounded memory. Columns keep
/// their PostgreSQL type as `source_type` with the logical type it maps to (uuid, jsonb/json, timestamptz,
/// boolean, numeric(p,s), varchar(n)…, encoding `native`); types without a logical equivalent (inet, interval,
/// arrays, enums…) are exported as their text form, with a note. Keys, UNIQUE, CHECK and foreign-key constraints
/// (with their actions), indexes, identity/serial columns with their sequence's last value, and views are kept.
///
/// ```swift
/// let summary = try PostgresExport.export(from: "postgresql://app@db/app", to: .file(path: "app.authx.gz", overwrite: false))
/// print(summary.archive.rows, summary.notes)
/// ```
///
/// - Important: the connection string's password never appears in the archive, errors or notes.
public enum PostgresExport {
    /// What to export and how.
    public struct Options: Sendable {
        /// The schema to export; nil means the connection's `current_schema()`.
        public var schema: String?
        /// Which tables (and views) to export.
        public var tables = TableFilter()
        /// Compression level and threads of the archive writer.
        public var writer = ArchiveWriter.Options()
        /// The header's `producer`.
        public var producer = "authx"
        /// How long to wait for a table locked by another session (`ACCESS EXCLUSIVE`: a running `ALTER TABLE`)
        /// before giving up; nil or zero waits without limit. Default 30 s.
        public var lockWaitTimeout: Duration? = .seconds(30)
        /// Receives progress events.
        public var progress: ProgressHandler?
        /// Polled between rows (and every 100 ms by a thread that then cancels the server's running statement);
        /// returning true stops the export (`PostgresError` `.cancelled`) and no archive is left.
        public var isCancelled: (@Sendable () -> Bool)?
        /// Writes every table's schema and the views, and no rows (`--schema-only`): a valid archive whose
        /// restore makes the empty schema. Sequence values are left out (a restore starts them afresh).
        /// Default false.
        public var schemaOnly = false
        /// Tables written first, in this order (by name as exported); the others follow, parents first. An
        /// archive's table order (``compare(archive:against:options:comparison:reader:)`` gives it) makes the
        /// stream list its tables as the archive does, so that they can be compared one at a time. Default none.
        public var tableOrder: [String] = []
        /// Creates the default options.
        public init() {}
    }

    /// Where the archive goes.
    public enum Destination: Sendable {
        /// A file, written beside its name and renamed when complete (mode 0600), with `PATH.sha256`.
        case file(path: String, overwrite: Bool)
        /// An open file descriptor, such as standard output.
        case fileDescriptor(Int32)
    }

    /// What an export wrote.
    public struct Summary: Sendable {
        /// The database exported.
        public var database: String
        /// The schema exported.
        public var schema: String
        /// The exported tables (archive order: referenced tables first) with their row counts.
        public var tables: [(name: String, rows: Int64)]
        /// The views exported.
        public var views: [String]
        /// The archive.
        public var archive: ArchiveWriter.Summary
        /// What was not carried over exactly (types exported as text, objects left out…).
        public var notes: [ExportWarning]
        /// Wall-clock seconds.
        public var seconds: Double
    }

    /// Exports the schema of `connection` (a libpq connection string or URL, or a SQLAlchemy URL) to `destination`.
    ///
    /// - Throws: `PostgresError` for connection and server problems, an unknown schema or bad options;
    ///   `ArchiveError` `.invalidValue` with table, row and column for a value the format cannot hold (an
    ///   infinite timestamp), `.io` when the archive cannot be written. Nothing is left at the destination path.
    public static func export(from connection: String, to destination: Destination, options: Options = Options()) throws
        -> Summary
    {
        try export(from: connection, options: options) { header in
            switch destination {
            case .file(let path, let overwrite):
                try ArchiveWriter(path: path, overwrite: overwrite, header: header, options: options.writer)
            case .fileDescriptor(let fd):
                try ArchiveWriter(fileDescriptor: fd, header: header, options: options.writer)
            }
        }
    }

    /// Exports as ``export(from:to:options:)`` does into the record sink `makeSink` makes for the header (an
    /// `ArchiveWriter`, or a comparison's feed); `options.writer` is for `makeSink` to apply.
    package static func export(
        from connection: String, options: Options, into makeSink: (ArchiveHeader) throws -> any ArchiveRecordSink
    ) throws -> Summary {
        let start = Date()
        try SessionSettings.validate(lockWaitTimeout: options.lockWaitTimeout)
        guard case .postgres(let conninfo) = try ConnectionTarget.parse(connection) else {
            throw PostgresError(.invalidOptions, "not a PostgreSQL connection string (postgresql://… or host=… dbname=…)")
        }
        let pg = try PGConnection(conninfo: conninfo, settings: sessionSettings(options))
        defer { pg.close() }
        let canceller = options.isCancelled.map { StatementCanceller(isCancelled: $0) }
        canceller?.watch(pg)
        defer { canceller?.stop() }
        // What the export waits for while another session's lock holds its LOCK TABLE (a running ALTER TABLE),
        // on the progress line, as the restore says it.
        let lockWatcher = options.progress.map { LockWaitWatcher(conninfo: conninfo, progress: $0) }
        lockWatcher?.watch(pg)
        defer { lockWatcher?.stop() }
        var writer: (any ArchiveRecordSink)?
        do {
            let summary = try run(pg, makeSink: makeSink, options: options, writer: &writer, start: start)
            return summary
        } catch {
            writer?.abort()
            _ = try? pg.execute("ROLLBACK")
            if options.isCancelled?() == true {
                throw PostgresError(.cancelled, "export cancelled; no archive was written")
            }
            throw error
        }
    }

    /// An export's session settings, in effect from the connection's start (``SessionSettings``): a bulk job's,
    /// and the text forms the COPY parser reads (ISO dates, UTC, round-trip floats, hex bytea).
    static func sessionSettings(_ options: Options) -> SessionSettings {
        SessionSettings.bulkJob(lockWaitTimeout: options.lockWaitTimeout).adding([
            ("DateStyle", "ISO, YMD"), ("TimeZone", "UTC"), ("IntervalStyle", "postgres"),
            ("extra_float_digits", "3"), ("bytea_output", "hex"),
        ])
    }

    private static func run(
        _ pg: PGConnection, makeSink: (ArchiveHeader) throws -> any ArchiveRecordSink, options: Options,
        writer: inout (any ArchiveRecordSink)?, start: Date
    ) throws -> Summary {
        func configure(_ sql: String, _ operation: String) throws {
            do { try pg.executeScript(sql) } catch { throw error.filling(.init(), operation: operation) }
        }
        try configure("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", "starting the snapshot")
        let schema: String
        if let given = options.schema {
            schema = given
        } else {
            guard let current = try pg.execute("SELECT current_schema()").string(0, 0) else {
                throw PostgresError(
                    .invalidOptions, "the connection has no current schema (empty search_path)", hint: "give one with --schema NAME")
            }
            schema = current
        }
        guard try pg.execute("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]).rowCount == 1 else {
            throw PostgresError(.invalidOptions, "schema \(schema) does not exist in database \(pg.databaseName)")
        }
        // Expressions and index definitions then name the schema's tables without the schema.
        try configure("SET LOCAL search_path = \(PGConnection.quoteIdentifier(schema))", "configuring the session")
        var catalog = try PostgresCatalog(schema: schema, filter: options.tables, connection: pg)
        catalog.tables = TableFilter.ordered(catalog.tables, first: options.tableOrder) { $0.schema.name }
        if !catalog.tables.isEmpty {
            let names = catalog.tables.map { qualified(schema, $0.schema.name) }.joined(separator: ", ")
            do {
                try pg.execute("LOCK TABLE \(names) IN ACCESS SHARE MODE")
            } catch {
                throw error.filling(.init(), operation: "locking the tables (another session holds an exclusive lock)")
            }
        }

        let header = ArchiveHeader(
            createdAt: ArchiveHeader.timestampNow(), producer: options.producer,
            source: .init(backend: "postgresql", database: pg.databaseName, serverVersion: pg.parameterStatus("server_version")))
        let archive = try makeSink(header)
        writer = archive
        var tables: [(name: String, rows: Int64)] = []
        var scratch: [UInt8] = []
        var bytes: Int64 = 0
        for table in catalog.tables {
            var schemaOfTable = table.schema
            if options.schemaOnly { schemaOfTable.sequenceValue = nil }
            try archive.beginTable(schemaOfTable)
            if options.schemaOnly {
                try archive.endTable()
                options.progress?(ProgressEvent(kind: .tableFinished, table: schemaOfTable.name, rowsDone: 0, rowsTotal: 0, bytesDone: bytes))
                tables.append((schemaOfTable.name, 0))
                continue
            }
            options.progress?(ProgressEvent(kind: .tableStarted, table: schemaOfTable.name, rowsDone: 0, rowsTotal: nil, bytesDone: bytes))
            let names = schemaOfTable.columns.map(\.name)
            let columns = names.map(PGConnection.quoteIdentifier).joined(separator: ", ")
            var rows: Int64 = 0
            let sent: Int64
            do {
                sent = try pg.copyOut("COPY (SELECT \(columns) FROM \(qualified(schema, schemaOfTable.name))) TO STDOUT") { line in
                    try archive.appendRow { encoder in
                        try CopyTextCell.append(line, kinds: table.kinds, columns: names, scratch: &scratch, to: &encoder)
                    }
                    rows += 1
                    bytes += Int64(line.count)
                    if rows & 0xFFF == 0 {
                        if options.isCancelled?() == true {
                            throw PostgresError(.cancelled, "export cancelled; no archive was written")
                        }
                        if rows & 0xFFFF == 0 {
                            options.progress?(
                                ProgressEvent(kind: .rows, table: schemaOfTable.name, rowsDone: rows, rowsTotal: nil, bytesDone: bytes))
                        }
                    }
                }
            } catch let error as PostgresError {
                throw error.filling(.init(table: schemaOfTable.name), operation: "reading table \(schemaOfTable.name)")
            }
            guard sent == rows else {
                throw PostgresError(
                    .server, "PostgreSQL reported \(sent) rows but sent \(rows)", location: .init(table: schemaOfTable.name),
                    operation: "reading table \(schemaOfTable.name)")
            }
            try archive.endTable()
            options.progress?(ProgressEvent(kind: .tableFinished, table: schemaOfTable.name, rowsDone: rows, rowsTotal: rows, bytesDone: bytes))
            tables.append((schemaOfTable.name, rows))
        }
        for view in catalog.views { try archive.append(view) }
        try configure("COMMIT", "ending the snapshot")
        let written = try archive.finish()
        return Summary(
            database: pg.databaseName, schema: schema, tables: tables, views: catalog.views.map(\.name), archive: written,
            notes: catalog.notes, seconds: Date().timeIntervalSince(start))
    }

    private static func qualified(_ schema: String, _ table: String) -> String {
        PGConnection.quoteIdentifier(schema) + "." + PGConnection.quoteIdentifier(table)
    }
}
