/// The logical type of a column: how its cells are spelled in an archive, independent of any database.
///
/// The set is fixed per major format version. Spec: spec/FORMAT.md#logical-types
public enum LogicalType: String, Sendable, Hashable, CaseIterable {
    /// JSON `true` / `false`.
    case boolean
    /// A signed 64-bit integer, as a JSON number.
    case integer
    /// An IEEE 754 double as a JSON number; `"NaN"`, `"Infinity"` and `"-Infinity"` as strings.
    case real
    /// An exact decimal number, as a JSON string such as `"12.50"`.
    case decimal
    /// UTF-8 text, as a JSON string.
    case text
    /// Bytes, as a standard base64 JSON string (with padding).
    case bytes
    /// A UUID in lowercase canonical form `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
    case uuid
    /// A JSON value itself (not a string). JSON `null` and one-key `{"$": …}` objects are wrapped as `{"$": value}`.
    case json
    /// An instant in UTC, RFC 3339: `YYYY-MM-DDTHH:MM:SS[.f{1,6}]Z`.
    case timestamp
    /// A calendar date `YYYY-MM-DD`.
    case date
    /// A time of day `HH:MM:SS[.f{1,6}]`.
    case time
    /// Any storage class, for dynamically typed columns: `[tag, value]` with tag `integer`, `real`, `text`,
    /// `bytes` or `text_bytes` (text whose bytes are not valid UTF-8, base64).
    case any
}
