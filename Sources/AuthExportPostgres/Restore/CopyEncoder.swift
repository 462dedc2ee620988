import AuthExport
#if canImport(Glibc)
import Glibc
#endif

/// Encodes archive rows as `COPY … FROM STDIN` data, in PostgreSQL's binary or text format.
///
/// Binary is the default: the server then does no parsing of integers, uuids, timestamps or numerics.
/// Each cell is checked against its PostgreSQL column first (integer range, `varchar(n)` length, `numeric(p,s)`
/// digits, NUL in text), so a misfit is reported, or the column widened, before the server sees the row.
struct CopyEncoder {
    /// The COPY data format.
    enum Format: String, Sendable { case binary, text }

    /// Why a row could not be encoded.
    enum Misfit: Error {
        /// The value does not fit column `column`'s type; `type` is the narrowest type that holds it.
        case widen(column: Int, to: PGType, reason: String)
        /// The value cannot be stored in PostgreSQL at all.
        case unsupported(column: Int, message: String)
    }

    let format: Format
    /// The target type of each archive column, in archive order.
    private(set) var types: [PGType]
    private let logical: [LogicalType]
    /// Encoded data not yet sent.
    let buffer = CopyBuffer(capacity: CopyEncoder.flushSize + 64 << 10)

    init(format: Format, logical: [LogicalType], types: [PGType]) {
        self.format = format
        self.logical = logical
        self.types = types
    }

    /// Data is handed to libpq in pieces of about this size.
    static let flushSize = 256 << 10

    /// Whether rows of these columns can be sent in binary format.
    static func supportsBinary(logical: [LogicalType], types: [PGType]) -> Bool {
        zip(logical, types).allSatisfy { binaryCompatible($0, $1) }
    }

    static func binaryCompatible(_ logical: LogicalType, _ type: PGType) -> Bool {
        switch (logical, type) {
        case (.boolean, .boolean): return true
        case (.integer, .smallint), (.integer, .integer), (.integer, .bigint): return true
        case (.integer, .doublePrecision), (.real, .doublePrecision), (.real, .real): return true
        case (.decimal, .numeric): return true
        case (.text, .text), (.text, .varchar), (.text, .character): return true
        case (.any, .text), (.any, .varchar), (.any, .bytea): return true
        case (.bytes, .bytea): return true
        case (.uuid, .uuid): return true
        case (.json, .jsonb), (.json, .json): return true
        case (.timestamp, .timestamptz), (.timestamp, .timestamp): return true
        case (.date, .date), (.time, .time): return true
        default: return false
        }
    }

    /// Changes the type of a column (after the table was altered).
    mutating func setType(_ type: PGType, at column: Int) { types[column] = type }

    /// Appends the binary header (binary format only).
    mutating func begin() {
        guard format == .binary else { return }
        buffer.append(contentsOf: [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00] as [UInt8])
        appendInt32(0)
        appendInt32(0)
    }

    /// Appends the binary trailer (binary format only).
    mutating func end() {
        guard format == .binary else { return }
        appendInt16(-1)
    }

    /// Appends one row; on a misfit nothing of the row is kept.
    mutating func encode(_ row: [Value]) throws(Misfit) {
        let start = buffer.count
        beginRow(columns: row.count)
        for i in 0..<row.count {
            do {
                try row[i].withCellView { view throws(Misfit) in try encodeCell(view, i) }
            } catch {
                buffer.truncate(to: start)
                throw error
            }
        }
        endRow()
    }

    /// Starts a row of `columns` cells (binary: the field count).
    @inline(__always)
    mutating func beginRow(columns: Int) {
        if format == .binary { appendInt16(Int16(truncatingIfNeeded: columns)) }
    }

    /// Ends a row (text: the line feed).
    @inline(__always)
    mutating func endRow() {
        if format == .text { buffer.append(0x0A) }
    }

    /// Appends cell `i` of the current row, between ``beginRow(columns:)`` and ``endRow()``: straight from the
    /// archive line when the view comes from the reader. On a misfit the cell may be partly written; the caller
    /// drops the row.
    @inline(__always)
    mutating func encodeCell(_ view: CellView, _ i: Int) throws(Misfit) {
        if format == .binary {
            try encodeBinary(view, i)
        } else {
            if i > 0 { buffer.append(0x09) }
            try encodeText(view, i)
        }
    }

    // MARK: Checks shared by both formats

    private func checkInteger(_ value: Int64, _ i: Int) throws(Misfit) {
        guard let range = types[i].integerRange, !range.contains(value) else { return }
        let wider: PGType = Int64(Int32.min)...Int64(Int32.max) ~= value ? .integer : .bigint
        throw Misfit.widen(column: i, to: wider, reason: "a value does not fit \(types[i].sql)")
    }

    /// jsonb refuses the escape `\u0000` in a string (json, text kept as is, would take it): say so here, as for
    /// a NUL in text, rather than leave the server's "unsupported Unicode escape sequence".
    private func checkJSONB(_ json: UnsafeRawBufferPointer, _ i: Int) throws(Misfit) {
        guard types[i] == .jsonb, let base = json.baseAddress else { return }
        var index = 0
        while index < json.count, let found = memchr(base + index, 0x5C, json.count - index) {
            let at = base.distance(to: UnsafeRawPointer(found))
            // A backslash in JSON text always starts an escape: `\uXXXX` is 6 bytes, the others 2.
            if at + 5 < json.count, json[at + 1] == UInt8(ascii: "u"), json[at + 2] == 0x30, json[at + 3] == 0x30,
                json[at + 4] == 0x30, json[at + 5] == 0x30
            {
                throw Misfit.unsupported(
                    column: i, message: "JSON contains \\u0000 (a NUL character), which PostgreSQL jsonb cannot store")
            }
            index = at + 2
        }
    }

    private func checkText(_ utf8: UnsafeRawBufferPointer, _ i: Int) throws(Misfit) {
        if utf8.count > 0, utf8.baseAddress.flatMap({ memchr($0, 0, utf8.count) }) != nil {
            if logical[i] == .any { throw anyNeedsBytes(i, "a text value contains NUL (U+0000), which PostgreSQL text cannot store") }
            throw Misfit.unsupported(column: i, message: "text contains a NUL character (U+0000), which PostgreSQL text cannot store")
        }
        let limit: Int
        switch types[i] {
        case .varchar(let n?), .character(let n?): limit = n
        default: return
        }
        guard utf8.count > limit else { return }
        var characters = 0
        for byte in utf8 where byte & 0xC0 != 0x80 { characters += 1 }
        if characters > limit {
            throw Misfit.widen(column: i, to: .text, reason: "a value is longer than \(types[i].sql) allows")
        }
    }

    private func checkDecimal(_ utf8: UnsafeRawBufferPointer, _ i: Int) throws(Misfit) {
        guard case .numeric(let p?, let s) = types[i] else { return }
        let scale = s ?? 0
        guard let digits = DecimalDigits(utf8) else { return }
        if digits.isInfinite {
            throw Misfit.widen(column: i, to: .numeric(precision: nil, scale: nil), reason: "an infinite value does not fit \(types[i].sql)")
        }
        if digits.isNaN { return }
        if digits.significantFractionDigits > scale {
            throw Misfit.widen(
                column: i, to: .numeric(precision: nil, scale: nil),
                reason: "a value has more fraction digits than \(types[i].sql) keeps (it would be rounded)")
        }
        if digits.integerDigits > p - scale {
            throw Misfit.widen(column: i, to: .numeric(precision: nil, scale: nil), reason: "a value does not fit \(types[i].sql)")
        }
    }

    // MARK: Binary format

    /// Calls `body` with the bytes a cell of an `any` column restored as `bytea` holds (the bytes of its text,
    /// number or BLOB), or nil for NULL.
    private static func withAnyBytes<R>(_ view: CellView, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
        switch view {
        case .null: return body(nil)
        case .integer(let v): return withUTF8(String(v)) { body($0) }
        case .real(let d): return withUTF8(realText(d)) { body($0) }
        case .boolean(let b): return withUTF8(b ? "1" : "0") { body($0) }
        case .text(let raw), .bytes(let raw), .invalidText(let raw), .json(let raw): return body(raw)
        }
    }

    /// The misfit of a BLOB or non-UTF-8 text in an `any` column restored as text.
    private func anyNeedsBytes(_ i: Int, _ reason: String = "a BLOB or text value that is not valid UTF-8 cannot be stored as text") -> Misfit {
        Misfit.widen(column: i, to: .bytea, reason: reason)
    }

    private mutating func encodeBinary(_ view: CellView, _ i: Int) throws(Misfit) {
        if logical[i] == .any && types[i] == .bytea {
            return Self.withAnyBytes(view) { bytes in
                guard let bytes else { return appendInt32(-1) }
                appendInt32(Int32(bytes.count))
                buffer.append(bytes)
            }
        }
        switch view {
        case .null:
            appendInt32(-1)
        case .boolean(let b):
            appendInt32(1)
            buffer.append(b ? 1 : 0)
        case .integer(let v):
            switch types[i] {
            case .smallint:
                try checkInteger(v, i)
                appendInt32(2)
                appendInt16(Int16(truncatingIfNeeded: v))
            case .integer:
                try checkInteger(v, i)
                appendInt32(4)
                appendInt32(Int32(truncatingIfNeeded: v))
            case .bigint:
                appendInt32(8)
                appendInt64(v)
            case .doublePrecision:
                appendInt32(8)
                appendInt64(Int64(bitPattern: Double(v).bitPattern))
            default:
                appendLengthPrefixedText(String(v).utf8)
            }
        case .real(let d):
            switch types[i] {
            case .real:
                appendInt32(4)
                appendInt32(Int32(bitPattern: Float(d).bitPattern))
            case .doublePrecision:
                appendInt32(8)
                appendInt64(Int64(bitPattern: d.bitPattern))
            default:
                appendLengthPrefixedText(Self.realText(d).utf8)
            }
        case .text(let utf8):
            try encodeBinaryText(utf8, i)
        case .bytes(let bytes):
            if logical[i] == .any {
                // A BLOB in a mixed column restored as text: only if it is UTF-8 text.
                guard String(validating: bytes, as: UTF8.self) != nil else { throw anyNeedsBytes(i) }
                try checkText(bytes, i)
            }
            appendInt32(Int32(bytes.count))
            buffer.append(bytes)
        case .json(let utf8):
            try checkJSONB(utf8, i)
            if types[i] == .jsonb {
                appendInt32(Int32(utf8.count + 1))
                buffer.append(1)
            } else {
                appendInt32(Int32(utf8.count))
            }
            buffer.append(utf8)
        case .invalidText:
            throw anyNeedsBytes(i)
        }
    }

    private mutating func encodeBinaryText(_ utf8: UnsafeRawBufferPointer, _ i: Int) throws(Misfit) {
        switch logical[i] {
        case .uuid:
            guard utf8.count == 36, let source = utf8.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
                throw Misfit.unsupported(column: i, message: "malformed uuid")
            }
            appendInt32(16)
            var valid = true
            buffer.write(16) { out in
                var k = 0
                for j in 0..<16 {
                    if k == 8 || k == 13 || k == 18 || k == 23 { k += 1 }
                    let hi = hexTable[Int(source[k])]
                    let lo = hexTable[Int(source[k + 1])]
                    if hi | lo > 0x0F { valid = false }
                    out[j] = hi << 4 | (lo & 0x0F)
                    k += 2
                }
            }
            guard valid else { throw Misfit.unsupported(column: i, message: "malformed uuid") }
        case .timestamp:
            guard let micros = Self.timestampMicros(utf8) else {
                throw Misfit.unsupported(column: i, message: "timestamp outside PostgreSQL's range")
            }
            appendInt32(8)
            appendInt64(micros)
        case .date:
            guard let days = Self.dateDays(utf8) else { throw Misfit.unsupported(column: i, message: "malformed date") }
            appendInt32(4)
            appendInt32(Int32(truncatingIfNeeded: days - Self.pgEpochDays))
        case .time:
            guard let micros = CanonicalForms.time(utf8) else { throw Misfit.unsupported(column: i, message: "malformed time") }
            appendInt32(8)
            appendInt64(micros)
        case .decimal:
            try checkDecimal(utf8, i)
            guard let digits = DecimalDigits(utf8) else { throw Misfit.unsupported(column: i, message: "malformed decimal") }
            digits.appendNumeric(to: buffer)
        default:
            try checkText(utf8, i)
            appendInt32(Int32(utf8.count))
            buffer.append(utf8)
        }
    }

    // MARK: Text format

    private mutating func appendByteaHex(_ bytes: UnsafeRawBufferPointer) {
        // bytea hex format, with COPY's backslash doubled: \\x0102…
        buffer.append(0x5C)
        buffer.append(0x5C)
        buffer.append(0x78)
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        for byte in bytes {
            buffer.append(digits[Int(byte >> 4)])
            buffer.append(digits[Int(byte & 0xF)])
        }
    }

    private mutating func encodeText(_ view: CellView, _ i: Int) throws(Misfit) {
        if logical[i] == .any && types[i] == .bytea {
            return Self.withAnyBytes(view) { bytes in
                guard let bytes else {
                    buffer.append(0x5C)
                    buffer.append(0x4E)
                    return
                }
                appendByteaHex(bytes)
            }
        }
        switch view {
        case .null:
            buffer.append(0x5C)
            buffer.append(0x4E)  // \N
        case .boolean(let b):
            // An integer column (`--as T.C=integer`, or an existing one) holds 1 / 0.
            buffer.append(types[i].isInteger ? (b ? 0x31 : 0x30) : (b ? 0x74 : 0x66))  // t / f
        case .integer(let v):
            if types[i].isInteger { try checkInteger(v, i) }
            if types[i] == .boolean {
                // Integers into a boolean column (an ORM declaring booleans INTEGER on SQLite): 0 and 1 only.
                guard v == 0 || v == 1 else {
                    throw Misfit.unsupported(column: i, message: "integer \(v) in a boolean column (only 0 and 1 are booleans)")
                }
                buffer.append(v == 1 ? 0x74 : 0x66)
                return
            }
            appendASCII(String(v))
        case .real(let d):
            appendASCII(Self.realText(d))
        case .text(let utf8):
            switch logical[i] {
            case .decimal: try checkDecimal(utf8, i)
            case .uuid, .timestamp, .date, .time: break
            default: try checkText(utf8, i)
            }
            appendEscaped(utf8)
        case .bytes(let bytes):
            if logical[i] == .any {
                guard String(validating: bytes, as: UTF8.self) != nil else { throw anyNeedsBytes(i) }
                try checkText(bytes, i)
                appendEscaped(bytes)
                return
            }
            appendByteaHex(bytes)
        case .json(let utf8):
            try checkJSONB(utf8, i)
            appendEscaped(utf8)
        case .invalidText:
            throw anyNeedsBytes(i)
        }
    }

    /// Appends text with COPY's escapes for backslash, newline, carriage return and tab.
    private mutating func appendEscaped(_ utf8: UnsafeRawBufferPointer) {
        var runStart = 0
        for (index, byte) in utf8.enumerated() where byte == 0x5C || byte == 0x0A || byte == 0x0D || byte == 0x09 {
            if index > runStart { buffer.append(UnsafeRawBufferPointer(rebasing: utf8[runStart..<index])) }
            buffer.append(0x5C)
            switch byte {
            case 0x0A: buffer.append(0x6E)
            case 0x0D: buffer.append(0x72)
            case 0x09: buffer.append(0x74)
            default: buffer.append(0x5C)
            }
            runStart = index + 1
        }
        if runStart < utf8.count { buffer.append(UnsafeRawBufferPointer(rebasing: utf8[runStart...])) }
    }

    private func appendASCII(_ s: String) { buffer.append(contentsOf: s.utf8) }

    private mutating func appendLengthPrefixedText(_ utf8: String.UTF8View) {
        appendInt32(Int32(utf8.count))
        buffer.append(contentsOf: utf8)
    }

    /// The text PostgreSQL's float8 input reads back to the same double.
    static func realText(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        return d.description
    }

    // MARK: Big-endian integers

    @inline(__always) private func appendInt16(_ v: Int16) { buffer.appendBigEndian(v) }

    @inline(__always) private func appendInt32(_ v: Int32) { buffer.appendBigEndian(v) }

    @inline(__always) private func appendInt64(_ v: Int64) { buffer.appendBigEndian(v) }

    // MARK: Parsing canonical forms

    /// Days from 1970-01-01 to 2000-01-01, PostgreSQL's epoch.
    static let pgEpochDays: Int64 = 10957

    /// Days since 1970-01-01 of a calendar date (proleptic Gregorian; year 0000 is 1 BC).
    static func days(_ date: CanonicalForms.DateParts) -> Int64 {
        let m = Int64(date.month)
        let y = m <= 2 ? Int64(date.year) - 1 : Int64(date.year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(date.day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// Days since 1970-01-01 of a canonical `YYYY-MM-DD`.
    static func dateDays(_ s: UnsafeRawBufferPointer) -> Int64? {
        CanonicalForms.date(s).map(days)
    }

    /// Microseconds since 2000-01-01T00:00:00Z of a canonical `YYYY-MM-DDTHH:MM:SS[.f]Z`: read in the same pass
    /// as its check (``CanonicalForms/timestamp(_:)``).
    static func timestampMicros(_ s: UnsafeRawBufferPointer) -> Int64? {
        guard let (date, time) = CanonicalForms.timestamp(s) else { return nil }
        let (dayMicros, o1) = (days(date) - pgEpochDays).multipliedReportingOverflow(by: 86_400_000_000)
        let (total, o2) = dayMicros.addingReportingOverflow(time)
        return o1 || o2 ? nil : total
    }
}


/// Calls `body` with the UTF-8 bytes of `s` (without copying native strings).
@inline(__always)
func withUTF8<R>(_ s: String, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    var s = s
    return try s.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
}

/// The digits of a canonical decimal string (`-?digits[.digits]`, or NaN/±Infinity).
struct DecimalDigits {
    var negative = false
    var isNaN = false
    var isInfinite = false
    /// Digits before the point, leading zeros removed.
    var integer: [UInt8] = []
    /// Digits after the point, as written.
    var fraction: [UInt8] = []

    init?(_ s: UnsafeRawBufferPointer) {
        let text = Array(s)
        if text == Array("NaN".utf8) {
            isNaN = true
            return
        }
        if text == Array("Infinity".utf8) || text == Array("-Infinity".utf8) {
            isInfinite = true
            negative = text.first == UInt8(ascii: "-")
            return
        }
        var k = 0
        if k < text.count, text[k] == UInt8(ascii: "-") {
            negative = true
            k += 1
        }
        var seenPoint = false
        var any = false
        while k < text.count {
            let c = text[k]
            if c == UInt8(ascii: ".") {
                guard !seenPoint else { return nil }
                seenPoint = true
            } else if c &- 0x30 < 10 {
                any = true
                if seenPoint { fraction.append(c - 0x30) } else if !(integer.isEmpty && c == 0x30) { integer.append(c - 0x30) }
            } else {
                return nil
            }
            k += 1
        }
        guard any else { return nil }
    }

    var integerDigits: Int { integer.count }

    var significantFractionDigits: Int {
        var n = fraction.count
        while n > 0, fraction[n - 1] == 0 { n -= 1 }
        return n
    }

    /// Appends the value in PostgreSQL's binary numeric format (with its 4-byte length).
    func appendNumeric(to out: CopyBuffer) {
        func int16(_ v: Int) {
            let u = UInt16(truncatingIfNeeded: v)
            out.append(UInt8(truncatingIfNeeded: u >> 8))
            out.append(UInt8(truncatingIfNeeded: u))
        }
        func header(ndigits: Int, weight: Int, sign: Int, dscale: Int) {
            let length = 8 + 2 * ndigits
            out.appendBigEndian(Int32(length))
            int16(ndigits)
            int16(weight)
            int16(sign)
            int16(dscale)
        }
        if isNaN { return header(ndigits: 0, weight: 0, sign: 0xC000, dscale: 0) }
        if isInfinite { return header(ndigits: 0, weight: 0, sign: negative ? 0xF000 : 0xD000, dscale: 0) }
        // Base-10000 groups: the integer part aligned from the point leftwards, the fraction rightwards.
        let intPad = (4 - integer.count % 4) % 4
        var groups: [Int] = []
        var acc = 0
        var n = 0
        for d in repeatElement(UInt8(0), count: intPad) + integer {
            acc = acc * 10 + Int(d)
            n += 1
            if n == 4 {
                groups.append(acc)
                acc = 0
                n = 0
            }
        }
        let intGroups = groups.count
        let fracPad = (4 - fraction.count % 4) % 4
        for d in fraction + repeatElement(UInt8(0), count: fracPad) {
            acc = acc * 10 + Int(d)
            n += 1
            if n == 4 {
                groups.append(acc)
                acc = 0
                n = 0
            }
        }
        var weight = intGroups - 1
        var first = 0
        while first < groups.count, groups[first] == 0 {
            first += 1
            weight -= 1
        }
        var last = groups.count
        while last > first, groups[last - 1] == 0 { last -= 1 }
        let digits = groups[first..<last]
        if digits.isEmpty { weight = 0 }
        header(ndigits: digits.count, weight: weight, sign: negative && !digits.isEmpty ? 0x4000 : 0, dscale: fraction.count)
        for g in digits { int16(g) }
    }
}

/// Hex digit values by byte; 0xFF for bytes that are not hex digits.
let hexTable: [UInt8] = (0..<256).map { hexValue(UInt8($0)) ?? 0xFF }
