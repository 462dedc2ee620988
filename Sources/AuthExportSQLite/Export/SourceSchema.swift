import AuthExport

/// One column of a source table as SQLite declares it.
struct SourceColumn {
    var name: String
    /// The declared type as written (`CHAR(32)`, `DATETIME`), or empty.
    var declaredType: String
    var notNull: Bool
    /// The DEFAULT expression as SQL.
    var defaultSQL: String?
    /// Position in the primary key, 1-based; 0 when not part of it.
    var primaryKeyPosition: Int
    var collation: String?
    /// Whether the column aliases the rowid (`INTEGER PRIMARY KEY` of a rowid table).
    var isRowIDAlias = false
    /// CHECK constraints that mention this column (their SQL), for type hints such as `JSON_VALID(col)`.
    var checks: [String] = []
}

/// A user table of the source database: what the pragmas and its `CREATE TABLE` statement say.
struct SourceTable {
    var name: String
    var sql: String?
    var withoutRowID: Bool
    /// Columns whose values are exported, in table order (generated columns left out).
    var columns: [SourceColumn]
    /// Generated columns: computed by SQLite from the table's SQL, not exported as data.
    var generatedColumns: [String]
    var primaryKey: [String]
    var uniqueConstraints: [UniqueConstraint]
    var foreignKeys: [ForeignKey]
    var indexes: [Index]
    var checks: [CheckConstraint]
    /// Whether the table uses AUTOINCREMENT (has a `sqlite_sequence` row).
    var autoincrement: Bool
    /// The name to select the rowid by (`rowid`, `_rowid_` or `oid`, whichever no column shadows); nil for
    /// WITHOUT ROWID tables or when all three are column names.
    var rowIDName: String?
}

/// What the source database holds besides tables.
struct SourceSchema {
    var tables: [SourceTable]
    /// Views and triggers, in creation order.
    var objects: [SchemaObject]
    /// Tables that cannot be exported as data (virtual tables and their shadow tables), with the reason.
    var skipped: [(name: String, reason: String)]
    /// `sqlite_sequence` values by table name.
    var sequences: [String: Int64]
}
