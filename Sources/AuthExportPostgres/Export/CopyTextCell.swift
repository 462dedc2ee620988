import AuthExport

/// Turns a row of `COPY … TO STDOUT` in PostgreSQL's text format (tab-separated fields, `\N` for NULL, backslash
/// escapes) into archive cells, straight into a ``RowEncoder``: no intermediate values.
///
/// The session must output `DateStyle = ISO`, `TimeZone = UTC`, `bytea_output = hex` and exact floats
/// (`extra_float_digits` ≥ 1); ``PostgresExport`` sets them.
enum CopyTextCell {
    /// How a column's text becomes a cell.
    enum Kind: Sendable {
        /// `t` / `f`.
        case boolean
        /// A decimal integer.
        case integer
        /// A float, `NaN`, `Infinity` or `-Infinity`.
        case real
        /// numeric's text, already the archive's decimal form.
        case decimal
        /// Any text (also uuid and types exported as their text form), checked by the column's logical type.
        case text
        /// json or jsonb text, compacted.
        case json
        /// bytea in hex output: `\x0a0b…`.
        case bytes
        /// `YYYY-MM-DD`.
        case date
        /// `HH:MM:SS[.ffffff]`.
        case time
        /// `YYYY-MM-DD HH:MM:SS[.ffffff]+00`.
        case timestampWithZone
        /// `YYYY-MM-DD HH:MM:SS[.ffffff]`, read as UTC.
        case timestampNaive
    }

    /// Appends the cells of one row, `line` being one COPY data message (the row and its line feed).
    ///
    /// - Throws: `ArchiveError` `.invalidValue` naming the column when a value cannot be represented (an infinite
    ///   or BC timestamp, a year past 9999); never with the value itself.
    static func append(
        _ line: UnsafeRawBufferPointer, kinds: [Kind], columns: [String], scratch: inout [UInt8], to row: inout RowEncoder
    ) throws {
        var end = line.count
        if end > 0 && line[end - 1] == 0x0A { end -= 1 }
        var fields = 0
        var start = 0
        var i = 0
        while true {
            if i == end || line[i] == 0x09 {
                guard fields < kinds.count else { break }
                let field = UnsafeRawBufferPointer(rebasing: line[start..<i])
                try appendField(field, kind: kinds[fields], column: columns[fields], scratch: &scratch, to: &row)
                fields += 1
                if i == end { break }
                start = i + 1
            }
            i += 1
        }
        guard fields == kinds.count, i == end else {
            throw ArchiveError(.invalidValue, "PostgreSQL sent a COPY row whose fields do not match the \(kinds.count) columns")
        }
    }

    private static func appendField(
        _ raw: UnsafeRawBufferPointer, kind: Kind, column: String, scratch: inout [UInt8], to row: inout RowEncoder
    ) throws {
        if raw.count == 2 && raw[0] == 0x5C && raw[1] == 0x4E { return try row.appendNull() }
        guard raw.contains(0x5C) else { return try appendValue(raw, kind: kind, column: column, to: &row) }
        scratch.removeAll(keepingCapacity: true)
        unescape(raw, into: &scratch)
        try scratch.withUnsafeBytes { (field: UnsafeRawBufferPointer) throws in
            try appendValue(field, kind: kind, column: column, to: &row)
        }
    }

    /// COPY text format escapes: `\b \f \n \r \t \v \\`, octal `\NNN`, hex `\xHH`; any other `\c` is `c`.
    static func unescape(_ raw: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        var i = 0
        while i < raw.count {
            let byte = raw[i]
            i += 1
            guard byte == 0x5C, i < raw.count else {
                out.append(byte)
                continue
            }
            let next = raw[i]
            i += 1
            switch next {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "v"): out.append(0x0B)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var value = Int(next - 0x30)
                var digits = 1
                while digits < 3, i < raw.count, (0x30...0x37).contains(raw[i]) {
                    value = value * 8 + Int(raw[i] - 0x30)
                    i += 1
                    digits += 1
                }
                out.append(UInt8(truncatingIfNeeded: value))
            case UInt8(ascii: "x") where i < raw.count && hexValue(raw[i]) != nil:
                var value = Int(hexValue(raw[i])!)  // swift-format-ignore: NeverForceUnwrap (checked)
                i += 1
                if i < raw.count, let low = hexValue(raw[i]) {
                    value = value * 16 + Int(low)
                    i += 1
                }
                out.append(UInt8(value))
            default:
                out.append(next)
            }
        }
    }

    private static func misfit(_ message: String, _ column: String) -> ArchiveError {
        ArchiveError(.invalidValue, message, location: .init(column: column))
    }

    private static func appendValue(
        _ field: UnsafeRawBufferPointer, kind: Kind, column: String, to row: inout RowEncoder
    ) throws {
        switch kind {
        case .text, .decimal, .time:
            try row.appendText(utf8: field)
        case .json:
            try row.appendJSON(utf8: field)
        case .boolean:
            guard field.count == 1, field[0] == UInt8(ascii: "t") || field[0] == UInt8(ascii: "f") else {
                throw misfit("PostgreSQL sent a boolean that is neither t nor f", column)
            }
            try row.appendBoolean(field[0] == UInt8(ascii: "t"))
        case .integer:
            guard let value = Int64(String(decoding: field, as: UTF8.self)) else {
                throw misfit("PostgreSQL sent an integer that is not a 64-bit decimal", column)
            }
            try row.appendInteger(value)
        case .real:
            guard let value = Double(String(decoding: field, as: UTF8.self)) else {
                throw misfit("PostgreSQL sent a float this reader cannot parse", column)
            }
            try row.appendReal(value)
        case .bytes:
            guard field.count >= 2, field[0] == 0x5C, field[1] == UInt8(ascii: "x"), field.count % 2 == 0 else {
                throw misfit("PostgreSQL sent bytea that is not in hex output (bytea_output = hex)", column)
            }
            var bytes = [UInt8]()
            bytes.reserveCapacity(field.count / 2 - 1)
            var i = 2
            while i + 1 < field.count {
                guard let high = hexValue(field[i]), let low = hexValue(field[i + 1]) else {
                    throw misfit("PostgreSQL sent bytea with a character that is not hex", column)
                }
                bytes.append(high << 4 | low)
                i += 2
            }
            try bytes.withUnsafeBytes { (b: UnsafeRawBufferPointer) throws in try row.appendBytes(b) }
        case .date:
            guard field.count == 10 else {
                throw misfit(
                    "a date outside 0001-01-01 … 9999-12-31 (BC, infinite or past year 9999) has no auth_export form", column)
            }
            try row.appendText(utf8: field)
        case .timestampWithZone, .timestampNaive:
            // ISO output: `YYYY-MM-DD HH:MM:SS[.ffffff]` then `+00` in UTC for timestamptz.
            var length = field.count
            if kind == .timestampWithZone {
                guard length >= 3, field[length - 3] == UInt8(ascii: "+"), field[length - 2] == 0x30, field[length - 1] == 0x30
                else {
                    throw misfit(
                        "a timestamp outside 0001 … 9999 (BC, infinite or past year 9999) has no auth_export form", column)
                }
                length -= 3
            }
            // `YYYY-MM-DD HH:MM:SS` and at most `.ffffff`: a BC suffix, a fifth year digit or `infinity` is not.
            func isDigit(_ at: Int) -> Bool { field[at] >= 0x30 && field[at] <= 0x39 }
            guard length >= 19, length <= 26, field[4] == UInt8(ascii: "-"), field[10] == 0x20,
                length == 19 || (length > 20 && field[19] == UInt8(ascii: ".") && (20..<length).allSatisfy(isDigit))
            else {
                throw misfit(
                    "a timestamp outside 0001 … 9999 (BC, infinite or past year 9999) has no auth_export form", column)
            }
            // On the stack: one per timestamp cell of every row.
            try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: length + 1) { text in
                _ = text.initialize(from: field[0..<length])
                text[10] = UInt8(ascii: "T")
                text[length] = UInt8(ascii: "Z")
                try row.appendText(utf8: UnsafeRawBufferPointer(text))
            }
        }
    }
}
