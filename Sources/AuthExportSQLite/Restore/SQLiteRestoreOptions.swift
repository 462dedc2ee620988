import AuthExport

/// Options for ``SQLiteRestore``.
///
/// ```swift
/// var options = SQLiteRestoreOptions()
/// options.overwrite = true
/// options.tables = TableFilter(exclude: ["audit_*"])
/// let summary = try SQLiteRestore.restore(archive: "app.authx.gz", to: "restored.db", options: options)
/// ```
public struct SQLiteRestoreOptions: Sendable {
    /// Whether an existing target file may be replaced (`--force`).
    ///
    /// The old file is replaced atomically, only once the new database is complete and checked.
    public var overwrite = false
    /// Which tables to restore (`--table`, `--exclude-table`).
    ///
    /// Rows of other tables are still read and verified.
    public var tables = TableFilter()
    /// Whether to create the schema only (`--schema-only`): tables, indexes, views and triggers, no rows.
    public var schemaOnly = false
    /// Whether to load rows only, into the tables of an existing database (`--data-only`): the schema the
    /// application created (its migrations, `create_all`).
    ///
    /// Nothing is created or dropped. Each value is stored as the target column's declared type implies
    /// (``SQLiteRestore/restore(archive:to:options:)`` describes the conventions). Before any row counts, every
    /// archive table and column must have its target table and column able to hold it, and every NOT NULL target
    /// column without a default must be filled; the load is one transaction, committed only when every row went
    /// in and every foreign key of the loaded tables holds. `AUTOINCREMENT` counters end past the loaded keys.
    public var dataOnly = false
    /// Whether the final check is a full `PRAGMA integrity_check` (`--full-check`) rather than the default
    /// `PRAGMA quick_check`.
    ///
    /// Both verify every b-tree and page of the file, NOT NULL and CHECK constraints and column types, and
    /// `PRAGMA foreign_key_check` always runs. The full check also verifies that every index holds exactly its
    /// table's rows, which on a database just built by SQLite from those rows repeats the index builds (about as
    /// long as the whole load on a large database). Tables whose storage classes the restore had to put back by
    /// editing the schema always get the full check.
    public var fullIntegrityCheck = false
    /// How columns are represented where applications differ (`--profile`, `--as`): uuid spelling, timestamp and
    /// json text of an archive from PostgreSQL. A restore of a SQLite archive keeps each value's original storage
    /// unless a column is named. See docs/orm-profiles.md.
    public var representation = RepresentationOptions()
    /// Receives progress events on the restoring thread.
    public var progress: ProgressHandler?
    /// How the archive is read. By default a regular file's members are inflated on a second thread (with two or
    /// more CPUs) while the calling thread converts rows; a `ArchiveReader.Options.byteCheck` (a detached
    /// signature checked as the archive streams) must hold before the new database is published.
    public var readerOptions = SQLiteRestore.readerOptions
    /// Polled between rows and, through SQLite's progress handler, inside long statements: once it returns true
    /// the restore stops, removes its temporary file and throws `.cancelled` (the CLI sets it on SIGINT, SIGTERM
    /// and SIGHUP).
    public var isCancelled: (@Sendable () -> Bool)?
    /// Whether archive SQL that the restore would leave out (a CHECK or index calling a function off the
    /// allow-list) fails the restore instead (`--strict-sql`).
    public var strictSQL = false
    /// Creates the default options: no overwrite, every table, schema and data, no progress.
    public init() {}
}
