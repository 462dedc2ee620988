/// The `header` record: the first line of every archive.
///
/// Spec: spec/FORMAT.md#header-record
public struct ArchiveHeader: Sendable, Hashable {
    /// The format version of the archive, `"1.0"` when written by this library.
    public var version: String
    /// When the export started, RFC 3339 UTC.
    public var createdAt: String
    /// The program that wrote the archive, such as `authx 0.1.0`.
    public var producer: String
    /// The source database.
    public var source: Source

    /// Where the data came from. Never contains credentials.
    public struct Source: Sendable, Hashable {
        /// `sqlite` or `postgresql`.
        public var backend: String
        /// The database name (a SQLite file's base name, a PostgreSQL database name).
        public var database: String
        /// The server or library version of the source, where known.
        public var serverVersion: String?
        /// Creates a source description.
        public init(backend: String, database: String, serverVersion: String? = nil) {
            self.backend = backend
            self.database = database
            self.serverVersion = serverVersion
        }
    }

    /// Creates a header for the current format version.
    public init(createdAt: String, producer: String, source: Source, version: String = FormatVersion.string) {
        self.version = version
        self.createdAt = createdAt
        self.producer = producer
        self.source = source
    }
}

/// A schema object that is not a table, such as a view or a trigger, carried as SQL of the source dialect.
///
/// Spec: spec/FORMAT.md#object-record
public struct SchemaObject: Sendable, Hashable {
    /// `view` or `trigger` (other names may appear in later minor versions).
    public var type: String
    /// The object's name.
    public var name: String
    /// The table the object belongs to (a trigger's table), where any.
    public var table: String?
    /// The source's `CREATE` statement.
    public var sql: String
    /// Creates a schema object description.
    public init(type: String, name: String, table: String? = nil, sql: String) {
        self.type = type
        self.name = name
        self.table = table
        self.sql = sql
    }
}

/// The `table_end` record that closes each table.
public struct TableEnd: Sendable, Hashable {
    /// The table's name.
    public var table: String
    /// How many rows the table has.
    public var rows: Int64
    /// The SHA-256, in lowercase hex, of the table's row lines (each with its `\n`).
    public var sha256: String
    /// Creates a table end record.
    public init(table: String, rows: Int64, sha256: String) {
        self.table = table
        self.rows = rows
        self.sha256 = sha256
    }
}

/// The `end` record: the last line of every complete archive.
public struct ArchiveEnd: Sendable, Hashable {
    /// How many tables the archive has.
    public var tables: Int
    /// How many rows, in all tables.
    public var rows: Int64
    /// The SHA-256, in lowercase hex, of every byte of the file before the end record's gzip member.
    public var sha256: String
    /// Where each table starts, in table order.
    public var index: [IndexEntry]

    /// One table's place in the file.
    public struct IndexEntry: Sendable, Hashable {
        /// The table's name.
        public var table: String
        /// The byte offset in the file of the gzip member that holds the table record.
        public var offset: Int64
        /// The table's size in the file: all its gzip members.
        public var compressedBytes: Int64
        /// The table's decompressed size: its table record, rows and table_end lines.
        public var uncompressedBytes: Int64
        /// The table's row count.
        public var rows: Int64
        /// Creates an index entry.
        public init(table: String, offset: Int64, compressedBytes: Int64, uncompressedBytes: Int64, rows: Int64) {
            self.table = table
            self.offset = offset
            self.compressedBytes = compressedBytes
            self.uncompressedBytes = uncompressedBytes
            self.rows = rows
        }
    }

    /// Creates an end record.
    public init(tables: Int, rows: Int64, sha256: String, index: [IndexEntry]) {
        self.tables = tables
        self.rows = rows
        self.sha256 = sha256
        self.index = index
    }
}

/// One line of an archive, as the reader yields it.
public enum ArchiveRecord: Sendable {
    /// The header line.
    case header(ArchiveHeader)
    /// A table record: the rows that follow belong to it.
    case table(TableSchema)
    /// A data row of the current table, one value per column.
    case row([Value])
    /// The end of the current table.
    case tableEnd(TableEnd)
    /// A view, trigger or other schema object.
    case object(SchemaObject)
    /// An extension record whose kind starts with `x-`; readers skip it.
    case extensionRecord(kind: String)
    /// The end record. Nothing follows it.
    case end(ArchiveEnd)
}
