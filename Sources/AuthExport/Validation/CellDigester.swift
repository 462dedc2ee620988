/// The byte form in which cells are digested: one per column of the current row, tagged by kind, so that values
/// of different kinds never collide. Shared by ``KeyChecker`` (key values) and ``RecordComparator`` (rows).
///
/// A real with an integral value is digested as that integer (1.0 = 1, -0.0 = 0); text is compared byte for
/// byte, ASCII case folded under `NOCASE` and trailing spaces ignored under `RTRIM` (SQLite's collations). A
/// column may also be given a ``LogicalForm``, under which spellings of the same logical value digest alike (the
/// comparator's logical comparison); keys use none.
struct CellDigester {
    /// How a column's text is brought to one spelling per logical value before it is digested.
    enum LogicalForm {
        /// As stored.
        case exact
        /// A uuid: dashes dropped, hex lowercased; 16 bytes as their hex.
        case uuid
        /// A timestamp or time: `T` for a space between date and time, a trailing `Z` or `+00:00` dropped,
        /// trailing zeros of the fraction dropped.
        case instant
        /// A decimal: trailing zeros of the fraction dropped; an integral value digested as that integer.
        case decimal
        /// JSON: parsed and written back compactly with object members in key order.
        case json
        /// Any value as its text (an integer's digits, a real's shortest form, bytes as they are): a dynamically
        /// typed column, or one a restore stored as text or bytes.
        case textual
        /// An integer or boolean: a boolean digested as the integer 0 or 1 (a boolean a restore stored as an
        /// integer, or an integer as a boolean).
        case number
        /// A real: decimal text (a real a restore stored as `numeric`) digested as the real it reads as.
        case real
        /// A date: a timestamp at midnight (a date a restore stored as a timestamp) digested as its date.
        case dateFromTimestamp
    }

    /// The tagged bytes of each column of the current row.
    private(set) var cells: [[UInt8]] = []
    /// Whether each column of the current row is null.
    private(set) var isNull: [Bool] = []
    /// Per column: 1 = NOCASE, 2 = RTRIM, 0 = byte comparison.
    private var collations: [UInt8] = []
    private var forms: [LogicalForm] = []

    /// Prepares for rows of `columns` (collations from the schema; logical forms when given).
    mutating func reset(_ columns: [Column], forms: [LogicalForm]? = nil) {
        collations = columns.map {
            switch $0.collation?.uppercased() {
            case "NOCASE": 1
            case "RTRIM": 2
            default: 0
            }
        }
        self.forms = forms ?? Array(repeating: .exact, count: columns.count)
        cells = Array(repeating: [], count: columns.count)
        isNull = Array(repeating: true, count: columns.count)
    }

    /// Marks every column null again (before the next row).
    mutating func clear(_ columns: [Int]? = nil) {
        if let columns { for column in columns { isNull[column] = true } } else {
            for column in isNull.indices { isNull[column] = true }
        }
    }

    /// Takes the cell of `column`.
    mutating func take(_ view: CellView, column: Int) {
        cells[column].removeAll(keepingCapacity: true)
        isNull[column] = false
        if forms[column] == .textual {
            appendTextual(view, to: column)
            return
        }
        switch view {
        case .null:
            isNull[column] = true
        case .boolean(let b):
            if forms[column] == .number {
                appendInteger(b ? 1 : 0, to: column)
            } else {
                cells[column] = [1, b ? 1 : 0]
            }
        case .integer(let i):
            if forms[column] == .instant {
                appendUnixTime(Double(i), to: column)  // a timestamp a restore stored as Unix seconds
            } else {
                appendInteger(i, to: column)
            }
        case .real(let d):
            if forms[column] == .instant {
                appendUnixTime(d, to: column)
            } else {
                appendReal(d, to: column)
            }
        case .text(let utf8), .invalidText(let utf8):
            switch forms[column] {
            case .exact, .textual, .number: appendText(utf8, collation: collations[column], to: column)
            case .uuid: appendUUID(utf8, to: column)
            case .instant: appendInstant(utf8, to: column)
            case .decimal: appendDecimal(utf8, to: column)
            case .json: appendJSON(utf8, tag: 4, to: column)
            case .real:
                if let value = Double(String(decoding: utf8, as: UTF8.self)), value.isFinite {
                    appendReal(value, to: column)
                } else {
                    appendText(utf8, collation: collations[column], to: column)
                }
            case .dateFromTimestamp:
                let end = Self.instantEnd(utf8)
                let midnight =
                    end == 19 && (utf8[10] == UInt8(ascii: "T") || utf8[10] == UInt8(ascii: " "))
                    && utf8[11..<19].elementsEqual("00:00:00".utf8)
                appendText(midnight ? UnsafeRawBufferPointer(rebasing: utf8[0..<10]) : utf8, collation: 0, to: column)
            }
        case .bytes(let bytes):
            if forms[column] == .uuid && bytes.count == 16 {
                appendUUID(bytes, to: column)
            } else {
                cells[column].append(5)
                cells[column].append(contentsOf: bytes)
            }
        case .json(let utf8):
            if forms[column] == .json {
                appendJSON(utf8, tag: 6, to: column)
            } else {
                cells[column].append(6)
                cells[column].append(contentsOf: utf8)
            }
        }
    }

    private mutating func appendTextual(_ view: CellView, to column: Int) {
        cells[column].append(4)
        switch view {
        case .null: isNull[column] = true
        case .boolean(let b): cells[column].append(contentsOf: (b ? "true" : "false").utf8)
        case .integer(let i): cells[column].append(contentsOf: String(i).utf8)
        case .real(let d):
            let text = d.isNaN ? "NaN" : d.isInfinite ? (d < 0 ? "-Infinity" : "Infinity") : d.description
            cells[column].append(contentsOf: text.utf8)
        case .text(let b), .invalidText(let b), .bytes(let b), .json(let b): cells[column].append(contentsOf: b)
        }
    }

    /// A real: an integral value as that integer (1.0 = 1, -0.0 = 0); under the decimal form, any other as its
    /// decimal text (a real a restore stored as `numeric`, or a `numeric` as a real, reads as the same number).
    private mutating func appendReal(_ d: Double, to column: Int) {
        if d == d.rounded(), let i = Int64(exactly: d) {
            appendInteger(i, to: column)
        } else if forms[column] == .decimal, d.isFinite {
            let text = Array(Self.plainDecimal(d).utf8)
            text.withUnsafeBytes { appendDecimal($0, to: column) }
        } else {
            cells[column].append(3)
            withUnsafeBytes(of: d.bitPattern.littleEndian) { cells[column].append(contentsOf: $0) }
        }
    }

    /// The shortest decimal spelling of `d` that reads back as `d`, without an exponent: `1e-07` → `0.0000001`.
    static func plainDecimal(_ d: Double) -> String {
        let shortest = d.description
        guard let e = shortest.firstIndex(where: { $0 == "e" || $0 == "E" }), let exponent = Int(shortest[shortest.index(after: e)...])
        else { return shortest }
        var mantissa = String(shortest[..<e])
        let negative = mantissa.hasPrefix("-")
        if negative { mantissa.removeFirst() }
        let point = mantissa.firstIndex(of: ".").map { mantissa.distance(from: mantissa.startIndex, to: $0) } ?? mantissa.count
        let digits = mantissa.filter { $0 != "." }
        let position = point + exponent
        var out: String
        if position <= 0 {
            out = "0." + String(repeating: "0", count: -position) + digits
        } else if position >= digits.count {
            out = digits + String(repeating: "0", count: position - digits.count)
        } else {
            out = String(digits.prefix(position)) + "." + String(digits.dropFirst(position))
        }
        return (negative ? "-" : "") + out
    }

    /// A timestamp a restore stored as Unix seconds (an integer, or a real with a fraction): its UTC spelling,
    /// in the instant form (microseconds at most).
    private mutating func appendUnixTime(_ seconds: Double, to column: Int) {
        guard seconds.isFinite, abs(seconds) < 253_402_300_800 else {
            appendReal(seconds, to: column)
            return
        }
        var whole = Int64(seconds.rounded(.down))
        var micros = Int64(((seconds - Double(whole)) * 1_000_000).rounded())
        if micros == 1_000_000 {
            whole += 1
            micros = 0
        }
        let days = whole >= 0 ? whole / 86_400 : (whole - 86_399) / 86_400
        let secondOfDay = whole - days * 86_400
        let (year, month, day) = CanonicalForms.civilFromDays(Int(days))
        func two<N: BinaryInteger>(_ v: N) -> String { v < 10 ? "0\(v)" : "\(v)" }
        var text = "\(String(repeating: "0", count: max(0, 4 - String(year).count)))\(year)-\(two(month))-\(two(day))T"
            + "\(two(secondOfDay / 3600)):\(two(secondOfDay % 3600 / 60)):\(two(secondOfDay % 60))"
        if micros > 0 {
            let fraction = String(micros)
            text += "." + String(repeating: "0", count: 6 - fraction.count) + fraction
        }
        let utf8 = Array(text.utf8)
        utf8.withUnsafeBytes { appendInstant($0, to: column) }
    }

    private mutating func appendInteger(_ value: Int64, to column: Int) {
        cells[column].append(2)
        withUnsafeBytes(of: value.littleEndian) { cells[column].append(contentsOf: $0) }
    }

    private mutating func appendText(_ utf8: UnsafeRawBufferPointer, collation: UInt8, to column: Int) {
        cells[column].append(4)
        switch collation {
        case 1:
            for byte in utf8 {
                cells[column].append(byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte)
            }
        case 2:
            var end = utf8.count
            while end > 0 && utf8[end - 1] == UInt8(ascii: " ") { end -= 1 }
            cells[column].append(contentsOf: utf8[0..<end])
        default:
            cells[column].append(contentsOf: utf8)
        }
    }

    private mutating func appendUUID(_ bytes: UnsafeRawBufferPointer, to column: Int) {
        cells[column].append(4)
        if bytes.count == 16 {
            let hex = Array("0123456789abcdef".utf8)
            for byte in bytes {
                cells[column].append(hex[Int(byte >> 4)])
                cells[column].append(hex[Int(byte & 15)])
            }
            return
        }
        for byte in bytes { if let folded = Self.uuidByte(byte) { cells[column].append(folded) } }
    }

    private mutating func appendInstant(_ utf8: UnsafeRawBufferPointer, to column: Int) {
        cells[column].append(4)
        for (index, byte) in utf8[0..<Self.instantEnd(utf8)].enumerated() {
            cells[column].append(index == 10 && byte == UInt8(ascii: " ") ? UInt8(ascii: "T") : byte)
        }
    }

    /// Where an instant's canonical spelling ends: a trailing `Z` or `+00:00` dropped, then the trailing zeros
    /// of a fraction and a bare `.` (the other step, `T` for a space at 10, is the caller's).
    private static func instantEnd(_ utf8: UnsafeRawBufferPointer) -> Int {
        var end = utf8.count
        if end > 0 && utf8[end - 1] == UInt8(ascii: "Z") {
            end -= 1
        } else if end >= 6, utf8[end - 6] == UInt8(ascii: "+"), utf8[(end - 5)..<end].elementsEqual("00:00".utf8) {
            end -= 6
        }
        if utf8[0..<end].contains(UInt8(ascii: ".")) {
            while end > 0 && utf8[end - 1] == UInt8(ascii: "0") { end -= 1 }
            if end > 0 && utf8[end - 1] == UInt8(ascii: ".") { end -= 1 }
        }
        return end
    }

    /// A uuid's text byte in its compared form: lowercase, `nil` for a dash.
    @inline(__always)
    private static func uuidByte(_ byte: UInt8) -> UInt8? {
        byte == UInt8(ascii: "-") ? nil : byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    private mutating func appendDecimal(_ utf8: UnsafeRawBufferPointer, to column: Int) {
        var text = Array(utf8)
        if text.contains(UInt8(ascii: ".")) {
            while text.last == UInt8(ascii: "0") { text.removeLast() }
            if text.last == UInt8(ascii: ".") { text.removeLast() }
        }
        if text == Array("-0".utf8) { text = [UInt8(ascii: "0")] }
        if let integer = Int64(String(decoding: text, as: UTF8.self)) {
            appendInteger(integer, to: column)  // 12.00 = 12 = the integer 12
        } else {
            cells[column].append(4)
            cells[column].append(contentsOf: text)
        }
    }

    private mutating func appendJSON(_ utf8: UnsafeRawBufferPointer, tag: UInt8, to column: Int) {
        var scanner = JSONScanner(utf8, maxDepth: ReaderLimits.defaultMaxDepth)
        guard let value = try? scanner.parseValue() else {
            cells[column].append(tag)
            cells[column].append(contentsOf: utf8)
            return
        }
        var out = ByteBuffer(capacity: utf8.count)
        value.write(to: &out, sortingKeys: true)
        cells[column].append(6)
        cells[column].append(contentsOf: out.bytes)
    }

    /// The digest of the cells at `columns`, or nil when one of them is null.
    func digest(_ columns: [Int]) -> KeyChecker.Digest? {
        var first = Hasher()
        var second = Hasher()
        first.combine(0x6B65_7931)
        second.combine(0x6B65_7932)
        for column in columns {
            if isNull[column] { return nil }
            cells[column].withUnsafeBytes { bytes in
                first.combine(bytes.count)
                first.combine(bytes: bytes)
                second.combine(bytes.count)
                second.combine(bytes: bytes)
            }
        }
        return KeyChecker.Digest(
            high: UInt64(bitPattern: Int64(first.finalize())), low: UInt64(bitPattern: Int64(second.finalize())))
    }

    /// The 64-bit digest ``columnDigest(_:)`` gives the cell of `column` after ``take(_:column:)``, computed from
    /// the view in place where the form allows (a number, exact text, a uuid, an instant: no copy of the cell);
    /// others are taken first (replacing the cell ``take(_:column:)`` last kept for the column).
    mutating func digest(_ view: CellView, column: Int) -> UInt64 {
        var hasher = Hasher()
        func finish() -> UInt64 { UInt64(bitPattern: Int64(hasher.finalize())) }
        func bytes(_ tag: UInt8, _ parts: UnsafeRawBufferPointer...) -> UInt64 {
            hasher.combine(parts.reduce(1) { $0 + $1.count })
            withUnsafeBytes(of: tag) { hasher.combine(bytes: $0) }
            for part in parts { hasher.combine(bytes: part) }
            return finish()
        }
        func integer(_ value: Int64) -> UInt64 {
            withUnsafeBytes(of: value.littleEndian) { bytes(2, $0) }
        }
        let form = forms[column]
        switch view {
        case .null where form != .textual: return 0x6E75_6C6C
        case .boolean(let b) where form == .number: return integer(b ? 1 : 0)
        case .boolean(let b) where form != .textual:
            return withUnsafeBytes(of: UInt8(b ? 1 : 0)) { bytes(1, $0) }
        case .integer(let i) where form != .textual && form != .instant: return integer(i)
        case .real(let d) where form != .textual && form != .instant:
            if d == d.rounded(), let i = Int64(exactly: d) { return integer(i) }
            if form == .decimal { break }
            return withUnsafeBytes(of: d.bitPattern.littleEndian) { bytes(3, $0) }
        case .text(let utf8) where form == .exact && collations[column] == 0,
            .invalidText(let utf8) where form == .exact && collations[column] == 0:
            return bytes(4, utf8)
        case .bytes(let raw) where form == .exact || (form == .uuid && raw.count != 16):
            return bytes(5, raw)
        case .text(let utf8) where form == .instant, .invalidText(let utf8) where form == .instant:
            // As appendInstant, in place.
            let end = Self.instantEnd(utf8)
            guard end > 10, utf8[10] == UInt8(ascii: " ") else { return bytes(4, UnsafeRawBufferPointer(rebasing: utf8[0..<end])) }
            return withUnsafeBytes(of: UInt8(ascii: "T")) { t in
                bytes(4, UnsafeRawBufferPointer(rebasing: utf8[0..<10]), t, UnsafeRawBufferPointer(rebasing: utf8[11..<end]))
            }
        case .text(let utf8) where form == .uuid && utf8.count <= 64 && utf8.count != 16,
            .invalidText(let utf8) where form == .uuid && utf8.count <= 64 && utf8.count != 16:
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { buffer in
                var count = 0
                for byte in utf8 {
                    guard let folded = Self.uuidByte(byte) else { continue }
                    buffer[count] = folded
                    count += 1
                }
                return bytes(4, UnsafeRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[0..<count]))
            }
        default:
            break
        }
        take(view, column: column)
        return columnDigest(column)
    }

    /// A 64-bit digest of one column's cell, null included (for comparing rows column by column).
    func columnDigest(_ column: Int) -> UInt64 {
        if isNull[column] { return 0x6E75_6C6C }
        var hasher = Hasher()
        cells[column].withUnsafeBytes { bytes in
            hasher.combine(bytes.count)
            hasher.combine(bytes: bytes)
        }
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }
}
