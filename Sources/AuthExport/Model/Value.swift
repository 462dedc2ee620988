/// One cell of a row, as read from or written to an archive.
///
/// How a case is spelled depends on the column's ``LogicalType``:
/// - ``text(_:)`` carries the canonical string of `text`, `decimal`, `uuid`, `timestamp`, `date` and `time` cells;
/// - ``json(_:)`` carries the compact JSON text of a `json` cell (`"null"` is the JSON null, distinct from ``null``);
/// - in an `any` column, ``integer(_:)``, ``real(_:)``, ``text(_:)``, ``bytes(_:)`` and ``invalidText(_:)``
///   record the source's storage class.
///
/// ```swift
/// let row: [Value] = [.text("0b9e8a52-3c4f-4a8e-9a7e-2f6d7c1e4b10"), .text("ada@example.com"), .boolean(true), .null]
/// ```
public enum Value: Sendable, Hashable {
    /// SQL NULL.
    case null
    /// A boolean.
    case boolean(Bool)
    /// A signed 64-bit integer.
    case integer(Int64)
    /// A double, including non-finite values.
    case real(Double)
    /// A string: text, or the canonical form of a decimal, uuid, timestamp, date or time.
    case text(String)
    /// Raw bytes.
    case bytes([UInt8])
    /// The compact JSON text of a json value; `"null"` is JSON null.
    case json(String)
    /// A text value whose bytes are not valid UTF-8 (only in `any` columns).
    case invalidText([UInt8])
}

extension Value {
    /// Whether the value is SQL NULL.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}
