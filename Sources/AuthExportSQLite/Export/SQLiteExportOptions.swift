import AuthExport

/// Options of ``SQLiteExporter``.
public struct SQLiteExportOptions: Sendable {
    /// Which tables to export (`--table` / `--exclude-table` globs).
    ///
    /// Default: all.
    public var tables = TableFilter()
    /// Column types forced by the user (`--type users.id=uuid`); a value that does not fit is an error.
    public var typeOverrides: [TypeOverride] = []
    /// Whether generic columns (`TEXT`, `VARCHAR(n)`, `INTEGER`, no declared type) may be narrowed from their
    /// values alone (`--infer-from-values`): text that is all JSON → json, all uuids → uuid, all timestamp or date
    /// text → timestamp/date, integers holding plausible Unix times in a column named like a time → timestamp.
    ///
    /// Off by default: the declared type decides a column's type and values only confirm it (`DATETIME`, `JSON`,
    /// `UUID`, `CHAR(32)`, `BOOLEAN`, `NUMERIC`…). When on, every such narrowing is reported as a warning.
    public var inferFromValues = false
    /// The zone naive timestamps are in (`--assume-timezone`): `UTC` (the default), `±HH:MM` or an IANA name.
    public var assumeTimeZone: String?
    /// The deflate level, 1-12 (libdeflate).
    ///
    /// Default 5 (see `ArchiveWriter.Options.compressionLevel` in AuthExport).
    public var compressionLevel = 5
    /// When not empty, the archive is written age-encrypted to these recipients (see
    /// `ArchiveWriter.Options.recipients`).
    public var recipients: [AgeRecipient] = []
    /// Compression threads.
    ///
    /// Default: the number of CPUs.
    public var threads = ProcessInfoCPU.count
    /// How long to wait for a writer's lock before failing, in milliseconds.
    ///
    /// Default 30 s.
    public var busyTimeoutMilliseconds: Int32 = 30_000
    /// Receives progress events (on the exporting thread).
    public var progress: ProgressHandler?
    /// Polled between rows; when it returns true the export stops, discards the archive and throws.
    public var isCancelled: (@Sendable () -> Bool)?
    /// How many leading rows of each table decide its column types before its rows are written (every later
    /// value is still checked, and a misfit restarts the export with a full scan).
    ///
    /// 0 always scans each table in
    /// full first (two passes). Standard output always gets the full scan. Default 10,000.
    public var sampleRows = 10_000
    /// The most bytes of row data a sample keeps in memory until the types are chosen (its rows are then
    /// written, so each table is read once): a table of wide rows is sampled on fewer rows. Default 8 MiB.
    public var sampleBytes = 8 << 20
    /// The program named in the archive header.
    public var producer = "authx"
    /// Files made from the archive's bytes as they are written and published beside it, such as a detached
    /// signature (`ArchiveWriter.Options.sidecars`).
    public var sidecars: [any ArchiveSidecar] = []
    /// Writes every table's schema (columns, keys, indexes, checks, views, triggers) and no rows
    /// (`--schema-only`): a valid archive whose restore makes the empty schema.
    ///
    /// The column types are decided as a full export decides them (each table's values are read, not written),
    /// so the schema matches the archive a full export would write; sequence values are left out (a restore
    /// starts them afresh). Default false.
    public var schemaOnly = false

    /// Tables written first, in this order (by name); the others follow, parents first. An archive's table
    /// order (`SQLiteExporter.compare(archive:against:options:comparison:reader:)` gives it) makes the stream list
    /// its tables as the archive does, so that they can be compared one at a time. Default none.
    public var tableOrder: [String] = []

    /// Creates the default options.
    public init() {}
}

/// A `--type TABLE.COLUMN=TYPE` override.
public struct TypeOverride: Sendable, Hashable, CustomStringConvertible {
    /// The table name.
    public var table: String
    /// The column name.
    public var column: String
    /// The logical type to use.
    public var type: LogicalType

    /// Creates an override.
    public init(table: String, column: String, type: LogicalType) {
        self.table = table
        self.column = column
        self.type = type
    }

    /// Parses `TABLE.COLUMN=TYPE` (the last `.` before `=` separates table and column).
    ///
    /// - Throws: `ArchiveError` `.invalidValue` when the text is not of that form or names an unknown type.
    public init(parsing text: String) throws {
        guard let equals = text.lastIndex(of: "="), let dot = text[..<equals].lastIndex(of: ".") else {
            throw ArchiveError(.invalidValue, "--type expects TABLE.COLUMN=TYPE, got \"\(text)\"")
        }
        let typeName = String(text[text.index(after: equals)...])
        guard let type = LogicalType(rawValue: typeName) else {
            let names = LogicalType.allCases.map(\.rawValue).joined(separator: ", ")
            throw ArchiveError(.invalidValue, "--type: unknown type \"\(typeName)\"; expected one of \(names)")
        }
        let table = String(text[..<dot])
        let column = String(text[text.index(after: dot)..<equals])
        guard !table.isEmpty, !column.isEmpty else {
            throw ArchiveError(.invalidValue, "--type expects TABLE.COLUMN=TYPE, got \"\(text)\"")
        }
        self.init(table: table, column: column, type: type)
    }

    /// `table.column=type`.
    public var description: String { "\(table).\(column)=\(type.rawValue)" }
}
