/// The type affinity SQLite derives from a column's declared type, which decides how it converts values
/// on insert. Related SQLite documentation: https://www.sqlite.org/datatype3.html#determination_of_column_affinity
package enum SQLiteAffinity: String, Sendable, Hashable {
    /// `INT` in the declared type.
    case integer
    /// `CHAR`, `CLOB` or `TEXT`.
    case text
    /// `BLOB`, or no declared type: values are stored as given.
    case blob
    /// `REAL`, `FLOA` or `DOUB`.
    case real
    /// Anything else (`NUMERIC`, `DECIMAL`, `BOOLEAN`, `DATETIME`, `UUID`, `JSON`…).
    case numeric

    /// The affinity of `declaredType`, by SQLite's rules applied in order.
    package init(declaredType: String?) {
        let type = (declaredType ?? "").uppercased()
        if type.contains("INT") {
            self = .integer
        } else if type.contains("CHAR") || type.contains("CLOB") || type.contains("TEXT") {
            self = .text
        } else if type.contains("BLOB") || type.isEmpty {
            self = .blob
        } else if type.contains("REAL") || type.contains("FLOA") || type.contains("DOUB") {
            self = .real
        } else {
            self = .numeric
        }
    }

    /// Whether text that spells a number is stored as a number.
    var convertsNumericText: Bool { self == .integer || self == .numeric || self == .real }

    /// What SQLite stores for a canonical number literal (`-?digits[.digits][e±digits]`, as JSON spells
    /// numbers and decimals are spelled) inserted into a column of this affinity; nil for `text`/`blob`
    /// affinity, where the text is kept.
    func storedNumber(_ literal: UnsafeRawBufferPointer) -> SQLiteValue? {
        guard convertsNumericText else { return nil }
        let text = String(decoding: literal, as: UTF8.self)
        var isIntegerLiteral = !literal.isEmpty
        for b in literal where !(ASCIIByte.isDigit(b) || b == ASCIIByte.dash) { isIntegerLiteral = false }
        if isIntegerLiteral, let integer = Int64(text) {
            return self == .real ? .real(Double(integer)) : .integer(integer)
        }
        guard let double = Double(text) else { return nil }
        if self != .real, let integer = SQLiteAffinity.exactInteger(double) { return .integer(integer) }
        return .real(double)
    }

    /// The integer a double equals exactly, when it is integral and within Int64 (what NUMERIC affinity
    /// converts a REAL to).
    static func exactInteger(_ double: Double) -> Int64? {
        guard double.isFinite, double == double.rounded(.towardZero), double >= -0x1p63, double < 0x1p63 else {
            return nil
        }
        return Int64(double)
    }
}
