import AuthExport

extension SQLiteExporter {
    /// Compares an archive with a SQLite database (`authx verify FILE --against DB`): the database is read as
    /// ``export(source:to:options:)`` reads it — one read transaction, the same schema reader and row reader —
    /// into the records an archive of it would hold, written straight into the comparison (no archive in between),
    /// and `RecordComparator` compares the two in the archive's logical form (a restore's deliberate type
    /// translations and representations are no differences).
    ///
    /// ```swift
    /// let report = try SQLiteExporter.compare(archive: "app.authx.gz", against: "restored.db")
    /// print(report.isSame)
    /// ```
    ///
    /// - Parameters:
    ///   - archive: the archive file (`-` for standard input).
    ///   - source: the SQLite database (a path or `sqlite:///` URL), opened read-only.
    ///   - options: the export's options: `tables` limits both sides; `progress` and `isCancelled` apply.
    ///   - reader: how the archive is read (threads, a signature check).
    ///   - comparison: what to report; its `tables` filter is replaced by the export's.
    /// - Throws: `SQLiteError` or `ArchiveError` `.io` when the database cannot be read; `ArchiveError` when
    ///   the archive is invalid.
    public static func compare(
        archive: String, against source: String, options: SQLiteExportOptions = .init(),
        comparison: RecordComparator.Options = .init(), reader: ArchiveReader.Options = .init()
    ) throws -> RecordComparator.Report {
        var export = options
        export.progress = nil
        var comparison = comparison
        comparison.newIsRestoredDatabase = true
        comparison.tables = options.tables
        if comparison.isCancelled == nil { comparison.isCancelled = options.isCancelled }
        // The database's tables in the archive's order (from its index), so that they are compared one at a time.
        let listing = try? ArchiveListing(path: archive, options: reader)
        if export.tableOrder.isEmpty, let listing { export.tableOrder = listing.tables.map(\.schema.name) }
        let old = try ArchiveReader(path: archive, options: reader, listing: listing)
        let exportOptions = export
        // The exporter writes its records straight into the comparison (no archive in between), with every value
        // scanned first: a comparison cannot be taken back and started over.
        return try RecordComparator(options: comparison).compare(old: old) { makeSink in
            _ = try SQLiteExporter.export(source: source, options: exportOptions, sampling: false, into: makeSink)
        }
    }
}
