import AuthExport

#if canImport(Glibc)
    import Glibc
#endif

/// Exports a SQLite database to an auth_export archive: schema, inferred column types, and every row, read in
/// one transaction so the archive is a consistent snapshot even while an application keeps writing.
///
/// ```swift
/// var options = SQLiteExportOptions()
/// options.tables = TableFilter(exclude: ["expired_*"])
/// let summary = try SQLiteExporter.export(source: "sqlite:///app.db", to: .file(path: "app.authx.gz", overwrite: false),
///                                         options: options)
/// print(summary.archive.rows, summary.warnings)
/// ```
///
/// Tables come parents first (by foreign keys), rows in primary-key order (rowid order where there is none).
/// Each column gets the narrowest logical type that reproduces every stored value exactly; see
/// ``SQLiteExportSummary/warnings`` for what could not be narrowed and why.
///
/// - Important: The database is opened read-only. On a rollback-journal database the read transaction holds a
///   shared lock, so the application's writes wait until the export ends (as with `sqlite3 .dump`); on a WAL
///   database they do not.
public enum SQLiteExporter {
    /// Where the archive goes.
    public enum Destination: Sendable {
        /// A file, written beside its final name and published when complete (mode 0600, plus `PATH.sha256`).
        case file(path: String, overwrite: Bool)
        /// An open file descriptor such as standard output (no `.sha256`).
        case fileDescriptor(Int32)
    }

    /// Exports `source` (a SQLite file path or `sqlite:///` URL).
    ///
    /// - Returns: What was written and what was decided.
    /// - Throws: `ArchiveError` (`.invalidValue` for a bad option or a value that does not fit a `--type`
    ///   override, naming table, row and column; `.io` when the archive cannot be written or the export was
    ///   cancelled), or `SQLiteError` when the database cannot be read. Nothing is left behind on failure.
    public static func export(source: String, to destination: Destination, options: SQLiteExportOptions = .init())
        throws -> SQLiteExportSummary
    {
        var writerOptions = ArchiveWriter.Options()
        writerOptions.compressionLevel = options.compressionLevel
        writerOptions.threads = options.threads
        writerOptions.sidecars = options.sidecars
        writerOptions.recipients = options.recipients
        // Types are chosen from a sample and checked on every value as it is written; if a later value does not
        // fit, the archive (not yet published) is discarded and the export starts over with a full scan first.
        // Standard output cannot be taken back, so it always gets the full scan first.
        var sampled = false
        if case .file = destination { sampled = true }
        return try export(source: source, options: options, sampling: sampled) { header in
            switch destination {
            case .file(let path, let overwrite):
                try ArchiveWriter(path: path, overwrite: overwrite, header: header, options: writerOptions)
            case .fileDescriptor(let fd):
                try ArchiveWriter(fileDescriptor: fd, header: header, options: writerOptions)
            }
        }
    }

    /// Exports as ``export(source:to:options:)`` does into the record sinks `makeSink` makes for the header (an
    /// `ArchiveWriter`, or a comparison's feed). With `sampling`, a sink may be aborted and a new one made (a
    /// value after the sample changed a column's type); without, every value is scanned first.
    package static func export(
        source: String, options: SQLiteExportOptions, sampling: Bool,
        into makeSink: (ArchiveHeader) throws -> any ArchiveRecordSink
    ) throws -> SQLiteExportSummary {
        let started = monotonicSeconds()
        let resolved = try SQLiteSource(source)
        guard access(resolved.path, F_OK) == 0 else {
            throw ArchiveError(.io, "no such database file: \(resolved.path)")
        }
        if let zone = options.assumeTimeZone, TimeZoneRule(name: zone) == nil {
            throw ArchiveError(
                .invalidValue,
                "--assume-timezone: unknown zone \"\(zone)\"; expected UTC, ±HH:MM or an IANA name such as Europe/Paris"
            )
        }
        let db = try SQLiteConnection(path: resolved.path, mode: .readOnly)
        defer { try? db.close() }
        try db.execute("PRAGMA busy_timeout = \(max(0, options.busyTimeoutMilliseconds))")
        // Big tables ordered by a non-rowid key are sorted by SQLite (see TableExporter.SelectQuery): let the
        // sorter use a helper thread.
        try db.execute("PRAGMA threads = 2")
        // One read transaction for everything: schema and rows come from the same snapshot.
        try db.execute("BEGIN")
        var committed = false
        defer { if !committed { try? db.execute("ROLLBACK") } }
        let schema = try SchemaReader.read(db)

        let selected = try selectTables(schema, options)
        let ordered = TableFilter.ordered(TableOrder.parentsFirst(selected), first: options.tableOrder) { $0.name }
        try checkOverrides(options.typeOverrides, ordered)

        let header = ArchiveHeader(
            createdAt: ArchiveHeader.timestampNow(), producer: options.producer,
            source: .init(
                backend: "sqlite", database: resolved.databaseName, serverVersion: SQLiteConnection.libraryVersion))
        // A schema-only export scans every value (nothing is written to check them against later).
        var mode: TableExporter.Mode = .exact
        if sampling, options.sampleRows > 0, !options.schemaOnly {
            mode = .sampled(rows: options.sampleRows)
        }
        var notes: [ExportWarning] = []
        while true {
            let writer = try makeSink(header)
            var exporter = TableExporter(db: db, writer: writer, options: options, mode: mode)
            do {
                var tables: [SQLiteExportSummary.Table] = []
                for table in ordered {
                    let sequence = options.schemaOnly ? nil : schema.sequences[table.name]
                    tables.append(try exporter.export(table, sequence: sequence))
                }
                let selectedNames = Set(ordered.map(\.name))
                let objects = schema.objects.filter {
                    $0.type != "trigger" || $0.table.map(selectedNames.contains) ?? true
                }
                for object in objects { try writer.append(object) }
                try db.execute("COMMIT")
                committed = true
                let archive = try writer.finish()
                var skipped = schema.skipped.map { ExportWarning(table: $0.name, message: $0.reason) }
                for table in schema.tables where !selectedNames.contains(table.name) {
                    skipped.append(ExportWarning(table: table.name, message: "excluded by --table/--exclude-table"))
                }
                return SQLiteExportSummary(
                    archive: archive, tables: tables, objects: objects, skippedTables: skipped,
                    warnings: notes + exporter.warnings, seconds: monotonicSeconds() - started)
            } catch let misfit as SampleMisfit {
                writer.abort()
                notes.append(
                    ExportWarning(
                        table: misfit.table, column: misfit.column,
                        message: "a value after the first \(misfit.sampleRows) rows changed the column's type "
                            + "(\(misfit.reason)); exported again with a full scan first"))
                mode = .exact
            } catch {
                writer.abort()
                throw error
            }
        }
    }

    private static func selectTables(_ schema: SourceSchema, _ options: SQLiteExportOptions) throws(ArchiveError)
        -> [SourceTable]
    {
        let names = schema.tables.map(\.name)
        if let problem = options.tables.problem(in: names, of: "the database") {
            throw ArchiveError(.invalidValue, problem)
        }
        return schema.tables.filter { options.tables.includes($0.name) }
    }

    private static func checkOverrides(_ overrides: [TypeOverride], _ tables: [SourceTable]) throws(ArchiveError) {
        for override in overrides {
            guard let table = tables.first(where: { $0.name == override.table }) else {
                throw ArchiveError(
                    .invalidValue, "--type \(override): no exported table \"\(override.table)\"",
                    location: .init(table: override.table))
            }
            guard table.columns.contains(where: { $0.name == override.column }) else {
                throw ArchiveError(
                    .invalidValue, "--type \(override): table has no column \"\(override.column)\"",
                    location: .init(table: override.table, column: override.column))
            }
        }
    }
}

/// Seconds on the monotonic clock.
func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}
