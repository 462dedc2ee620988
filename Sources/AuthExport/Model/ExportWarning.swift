/// A problem or decision of an export worth telling the user about, attached to a table and column (any
/// backend).
public struct ExportWarning: Sendable, Hashable, CustomStringConvertible {
    /// The table.
    public var table: String?
    /// The column.
    public var column: String?
    /// What happened and what authx did.
    ///
    /// Never contains row values.
    public var message: String

    /// Creates a warning.
    public init(table: String? = nil, column: String? = nil, message: String) {
        self.table = table
        self.column = column
        self.message = message
    }

    /// `table t, column c: message`.
    public var description: String {
        var parts: [String] = []
        if let table { parts.append("table \(table)") }
        if let column { parts.append("column \(column)") }
        return parts.isEmpty ? message : parts.joined(separator: ", ") + ": " + message
    }
}
