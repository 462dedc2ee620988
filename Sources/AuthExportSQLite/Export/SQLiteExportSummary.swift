import AuthExport

/// What ``SQLiteExporter`` wrote, and what it decided on the way.
public struct SQLiteExportSummary: Sendable {
    /// One exported table.
    public struct Table: Sendable {
        /// The table name.
        public var name: String
        /// Rows exported.
        public var rows: Int64
        /// The archive columns: each one's inferred (or forced) type and encoding.
        public var columns: [Column]
    }

    /// The archive as written: size, checksum, row and table counts.
    public var archive: ArchiveWriter.Summary
    /// The tables, in archive order (parents first).
    public var tables: [Table]
    /// Views and triggers recorded as SQL.
    public var objects: [SchemaObject]
    /// Tables that were not exported as data (virtual tables…), with the reason.
    public var skippedTables: [ExportWarning]
    /// Problems and decisions worth reading: numeric uuids, invalid UTF-8, mixed storage classes.
    public var warnings: [ExportWarning]
    /// Wall-clock seconds the export took.
    public var seconds: Double
}
