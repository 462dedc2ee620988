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
    /// Each table restored, with its rows, in archive order.
    public var tableRows: [Table]
    /// The catalog queries' virtual-machine steps on the loading connection (``SQLiteConnection/queryVMSteps``).
    package var catalogVMSteps: Int64 = 0

    /// A table restored.
    public struct Table: Sendable, Hashable {
        /// The table's name.
        public var name: String
        /// The rows inserted.
        public var rows: Int64
        /// Creates one.
        public init(name: String, rows: Int64) {
            self.name = name
            self.rows = rows
        }
    }

    /// Creates a summary.
    public init(tables: Int, rows: Int64, target: String, warnings: [String], tableRows: [Table] = []) {
        self.tables = tables
        self.rows = rows
        self.target = target
        self.warnings = warnings
        self.tableRows = tableRows
    }
}
