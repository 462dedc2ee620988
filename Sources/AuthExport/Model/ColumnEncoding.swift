/// How the source database stored a column's values, so a loader can reproduce the original representation.
///
/// An open set of names: readers keep unknown encodings and loaders fall back to the logical type's natural
/// storage. Spec: spec/FORMAT.md#column-encodings
public struct ColumnEncoding: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The encoding name as spelled in the archive.
    public var rawValue: String
    /// Creates an encoding from its archive name.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// Creates an encoding from its archive name.
    public init(_ rawValue: String) { self.rawValue = rawValue }
    /// The encoding name.
    public var description: String { rawValue }

    /// The database's own type for the logical type (PostgreSQL `uuid`, `jsonb`, `timestamptz`, `boolean`…).
    public static let native = ColumnEncoding("native")
    /// uuid stored as 32 lowercase hex digits without dashes (SQLAlchemy `CHAR(32)`, Django `char(32)`).
    public static let hex32 = ColumnEncoding("hex32")
    /// uuid stored as 32 uppercase hex digits.
    public static let hex32Upper = ColumnEncoding("hex32_upper")
    /// uuid stored as 36-character lowercase text with dashes.
    public static let uuidText = ColumnEncoding("uuid_text")
    /// uuid stored as 36-character uppercase text with dashes.
    public static let uuidTextUpper = ColumnEncoding("uuid_text_upper")
    /// uuid stored as a 16-byte blob.
    public static let blob16 = ColumnEncoding("blob16")
    /// timestamp stored as naive text `YYYY-MM-DD HH:MM:SS[.ffffff]` (the value's fraction digits are kept).
    public static let naiveText = ColumnEncoding("naive_text")
    /// timestamp stored as naive ISO 8601 text `YYYY-MM-DDTHH:MM:SS[.ffffff]`.
    public static let naiveISO = ColumnEncoding("naive_iso")
    /// timestamp stored as ISO 8601 text ending in `Z`.
    public static let isoZ = ColumnEncoding("iso_z")
    /// timestamp stored as ISO 8601 text with a numeric offset (the column's `offset` field says which).
    public static let isoOffset = ColumnEncoding("iso_offset")
    /// timestamp stored as integer seconds since the Unix epoch.
    public static let unixSeconds = ColumnEncoding("unix_seconds")
    /// timestamp stored as integer milliseconds since the Unix epoch.
    public static let unixMillis = ColumnEncoding("unix_millis")
    /// boolean stored as the integers 0 and 1.
    public static let int01 = ColumnEncoding("int01")
    /// json, decimal, date or time stored as text.
    public static let text = ColumnEncoding("text")
    /// decimal stored through SQLite NUMERIC affinity (INTEGER or REAL storage class).
    public static let numericAffinity = ColumnEncoding("numeric_affinity")
}
