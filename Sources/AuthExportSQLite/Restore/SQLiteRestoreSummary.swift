/// What ``SQLiteRestore/restore(archive:to:options:)`` did.
public struct SQLiteRestoreSummary: Sendable {
    /// How many tables were created.
    public var tables: Int
    /// How many rows were inserted, in all tables.
    public var rows: Int64
    /// The database file written.
    public var target: String
    /// Things the caller should know about that did not stop the restore, one line each.
    ///
    /// Objects that could not be carried over from a PostgreSQL archive, tables skipped, values kept in a storage
    /// class their column's affinity would not give. Never contains row values.
    public var warnings: [String]

    /// Creates a summary.
    public init(tables: Int, rows: Int64, target: String, warnings: [String]) {
        self.tables = tables
        self.rows = rows
        self.target = target
        self.warnings = warnings
    }
}
