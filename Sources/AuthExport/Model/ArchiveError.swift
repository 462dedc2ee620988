/// An error reading, writing or checking an archive, with where it happened.
///
/// `description` is one compiler-style line, `path:line: table t, row n, column c: message`, and never
/// contains row values. Match codes with `catch let e as ArchiveError where e.code == .checksumMismatch`.
///
/// ```swift
/// do { try ArchiveVerifier(path: "app.authx.gz").run() }
/// catch let error as ArchiveError { print(error) }   // app.authx.gz:1042: table users: checksum mismatch …
/// ```
public struct ArchiveError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What kind of problem it is. New codes may be added in any release.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The stable machine-readable name, as printed by `verify --json`.
        public let name: String
        private init(_ name: String) { self.name = name }
        /// The stable name.
        public var description: String { name }

        /// The file ends before the `end` record (truncated or incomplete).
        public static let truncated = Code("truncated")
        /// The gzip framing is wrong: bad member header, CRC, size, or bytes after the end.
        public static let badCompression = Code("bad_compression")
        /// A checksum in a `table_end` or `end` record does not match the data.
        public static let checksumMismatch = Code("checksum_mismatch")
        /// A count in a `table_end` or `end` record, or the index, does not match the data.
        public static let countMismatch = Code("count_mismatch")
        /// A line is not valid JSON, not valid UTF-8, or too deep.
        public static let badJSON = Code("bad_json")
        /// A line exceeds the reader's maximum line length.
        public static let lineTooLong = Code("line_too_long")
        /// A control record is missing a field, has a wrong field type, or is out of order.
        public static let badRecord = Code("bad_record")
        /// The archive's major version is not supported.
        public static let unsupportedVersion = Code("unsupported_version")
        /// A row has the wrong number of cells.
        public static let wrongArity = Code("wrong_arity")
        /// A cell does not conform to its column's logical type.
        public static let typeMismatch = Code("type_mismatch")
        /// A null cell in a column that is not nullable.
        public static let nullViolation = Code("null_violation")
        /// Two rows share a primary key or UNIQUE key.
        public static let duplicateKey = Code("duplicate_key")
        /// A foreign key value has no referenced row.
        public static let danglingReference = Code("dangling_reference")
        /// Reading or writing a file failed.
        public static let io = Code("io")
        /// (Loaders) a valid value the target database cannot store, such as a NaN in SQLite; not a property of
        /// the archive.
        public static let unsupportedValue = Code("unsupported_value")
        /// The archive is age-encrypted and no identity or passphrase given can decrypt it.
        public static let noIdentity = Code("no_identity")
        /// The age encryption layer is damaged: a malformed header, a header MAC or chunk tag that does not
        /// authenticate (the file was modified), or a payload cut short.
        public static let badEncryption = Code("bad_encryption")
        /// The caller passed a value that does not fit the schema (writing).
        public static let invalidValue = Code("invalid_value")
        /// A check of the file's bytes (``ArchiveByteCheck``), such as its detached signature, rejected the archive.
        public static let badSignature = Code("bad_signature")
    }

    /// Where the problem is. Every field is optional; layers fill in what they know.
    public struct Location: Hashable, Sendable {
        /// The archive path, or `-` for standard input.
        public var path: String?
        /// The 1-based line number in the decompressed JSON-lines text.
        public var line: Int64?
        /// The byte offset in the compressed file (of the gzip member holding the line, or of the bad byte).
        public var byteOffset: Int64?
        /// The table.
        public var table: String?
        /// The 1-based row number within the table.
        public var row: Int64?
        /// The column.
        public var column: String?
        /// Creates a location.
        public init(
            path: String? = nil, line: Int64? = nil, byteOffset: Int64? = nil, table: String? = nil,
            row: Int64? = nil, column: String? = nil
        ) {
            self.path = path
            self.line = line
            self.byteOffset = byteOffset
            self.table = table
            self.row = row
            self.column = column
        }
    }

    /// What kind of problem it is.
    public var code: Code
    /// One line: what went wrong and what was expected. Never row values.
    public var message: String
    /// Where it went wrong.
    public var location: Location
    /// The error underneath, such as an I/O errno.
    public var underlying: (any Error)?

    /// Creates an error.
    public init(_ code: Code, _ message: String, location: Location = Location(), underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.location = location
        self.underlying = underlying
    }

    /// `path:line: table t, row n, column c: message (at byte b)`.
    public var description: String {
        var prefix = ""
        if let path = location.path {
            prefix += path
            if let line = location.line { prefix += ":\(line)" }
            prefix += ": "
        } else if let line = location.line {
            prefix += "line \(line): "
        }
        var parts: [String] = []
        if let table = location.table { parts.append("table \(table)") }
        if let row = location.row { parts.append("row \(row)") }
        if let column = location.column { parts.append("column \(column)") }
        let context = parts.isEmpty ? "" : parts.joined(separator: ", ") + ": "
        var text = prefix + context + message
        if let offset = location.byteOffset { text += " (at byte \(offset))" }
        return DisplayText.escaped(text)
    }

    /// The description, the code and the chain of underlying errors.
    public var debugDescription: String {
        var text = "\(code): \(description)"
        if let underlying { text += "\n  caused by: \(String(reflecting: underlying))" }
        return text
    }

    /// Returns a copy with the unset location fields filled from `other`.
    package func filling(_ other: Location) -> ArchiveError {
        var copy = self
        copy.location.path = location.path ?? other.path
        copy.location.line = location.line ?? other.line
        copy.location.byteOffset = location.byteOffset ?? other.byteOffset
        copy.location.table = location.table ?? other.table
        copy.location.row = location.row ?? other.row
        copy.location.column = location.column ?? other.column
        return copy
    }
}
