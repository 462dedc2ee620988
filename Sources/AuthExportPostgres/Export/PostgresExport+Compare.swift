public import AuthExport

extension PostgresExport {
    /// Compares an archive with a PostgreSQL schema (`authx verify FILE --against postgresql://…`): the schema is
    /// read as ``export(from:to:options:)`` reads it — one `REPEATABLE READ, READ ONLY` snapshot, the same catalog
    /// and `COPY` readers — into the records an archive of it would hold, written straight into the comparison (no
    /// archive in between), and `RecordComparator` compares the two in the archive's logical form. Names over 63
    /// bytes are looked up under the name the restore gives them; a restore's deliberate type translations and
    /// representations are no differences; identity and serial sequences must be past the highest key.
    ///
    /// ```swift
    /// let report = try PostgresExport.compare(archive: "app.authx.gz", against: "postgresql://app@db/app")
    /// print(report.isSame)
    /// ```
    ///
    /// - Parameters:
    ///   - archive: the archive file (`-` for standard input).
    ///   - connection: a libpq connection string (URL or `key=value`); the session is read-only.
    ///   - options: the export's options: `schema`, `tables` (which limits both sides), `progress`, `isCancelled`.
    ///   - reader: how the archive is read (threads, a signature check).
    ///   - comparison: what to report; its `tables` filter and name mapping are replaced.
    /// - Throws: `PostgresError` when the database cannot be read; `ArchiveError` when the archive is invalid.
    public static func compare(
        archive: String, against connection: String, options: Options = Options(),
        comparison: RecordComparator.Options = .init(), reader: ArchiveReader.Options = .init()
    ) throws -> RecordComparator.Report {
        var export = options
        export.progress = nil
        var comparison = comparison
        comparison.newIsRestoredDatabase = true
        comparison.tables = options.tables
        comparison.mapName = { name, kind in (try? IdentifierMap.pgName(name, kind: kind)) ?? name }
        if comparison.isCancelled == nil { comparison.isCancelled = options.isCancelled }
        // The database's tables in the archive's order (from its index), so that they are compared one at a time.
        let listing = try? ArchiveListing(path: archive, options: reader)
        if export.tableOrder.isEmpty, let listing {
            export.tableOrder = listing.tables.map { (try? IdentifierMap.pgName($0.schema.name, kind: "table")) ?? $0.schema.name }
        }
        let old = try ArchiveReader(path: archive, options: reader, listing: listing)
        let exportOptions = export
        // The exporter writes its records straight into the comparison (no archive in between).
        return try RecordComparator(options: comparison).compare(old: old) { makeSink in
            _ = try PostgresExport.export(from: connection, options: exportOptions, into: makeSink)
        }
    }
}
