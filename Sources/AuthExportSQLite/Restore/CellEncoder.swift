import AuthExport

/// How one column's archive values are turned back into SQLite values: the reverse of the export representation.
///
/// A SQLite archive says for each column how the source stored it (``ColumnEncoding``); the writer reproduces that
/// representation and storage class through ``ColumnRepresentation/storedValue(for:)``: a hex32 uuid goes back as
/// its 32 hex digits, a naive timestamp as the text it was, a boolean as 0 or 1, an `any` cell as exactly its
/// tagged storage class. Values of a PostgreSQL archive (encoding `native`) get SQLite's natural storage:
/// canonical uuid text, ISO 8601 UTC text, 0/1, JSON text. The common representations are written straight into
/// the batch, producing exactly what the representation's conversion produces, without intermediate copies.
final class CellEncoder {
    /// What to do with a cell.
    enum Form {
        /// `any`: bind exactly the tagged storage class.
        case storageClass
        case integer
        case real
        case text
        case bytes
        case boolean01
        /// uuid as 32 hex digits (lower or upper case), as 36 upper-case characters, or as 16 bytes.
        case uuidHex32(uppercase: Bool)
        case uuidUppercase
        case uuidBlob16
        /// A UTC timestamp as naive text: the canonical text with `separator` between date and time, without `Z`.
        case naiveTimestamp(separator: UInt8)
        /// JSON text, compact or spelled as Python's `json.dumps` does; a number where the column's affinity
        /// stores one (what SQLite did when the application wrote it).
        case json(python: Bool, affinity: SQLiteAffinity)
        /// Everything else, through the representation's exact conversion.
        case representation
    }

    /// The form.
    let form: Form
    /// The column's representation: the exact conversion, and the checks and errors for unusual values.
    let representation: ColumnRepresentation
    /// The column's name, for errors.
    let column: String

    /// The encoder for `column`, stored in a target column declared `declaredType` (whose affinity decides how a
    /// JSON number is stored).
    ///
    /// - Parameter warnings: receives a line when an unknown encoding falls back to the type's natural storage.
    /// - Throws: `ArchiveError` `.badRecord` when the column's time zone or offset is not valid.
    /// - Parameter fractionDigits: the fraction digits of timestamp text (the target's convention).
    init(
        column: AuthExport.Column, declaredType: String, table: String,
        fractionDigits: ColumnRepresentation.FractionDigits = .asArchived, warnings: inout [String]
    ) throws(ArchiveError) {
        self.column = column.name
        do {
            var representation = try ColumnRepresentation(
                type: column.type, encoding: column.encoding, declaredType: declaredType, timeZone: column.timeZone,
                offset: column.offset)
            representation.fractionDigits = fractionDigits
            self.representation = representation
        } catch {
            // A zone spelled as an IANA name is valid (spec §4.3.1) even when this system's tz database lacks it:
            // the archive is fine, this target cannot apply it.
            if let zone = column.timeZone, TimeZoneNames.hasIANASyntax(zone), TimeZoneNames.ianaZone(zone) == nil {
                throw ArchiveError(
                    .unsupportedValue,
                    "time zone \(zone) is not in this system's time zone database; update tzdata, or restore into "
                        + "PostgreSQL (which stores the UTC instants)", location: .init(table: table, column: column.name))
            }
            throw ArchiveError(.badRecord, error.message, location: .init(table: table, column: column.name))
        }
        if representation.usesFallbackEncoding, let encoding = column.encoding {
            warnings.append(
                "table \(table), column \(column.name): encoding \(encoding) is not known for type "
                    + "\(column.type.rawValue); values are stored as \(representation.encoding)")
        }
        // The common representations are written straight into the batch; they produce exactly what
        // `representation.storedValue(for:)` does (the archive reader has already checked the canonical forms).
        switch (column.type, representation.encoding) {
        case (.timestamp, _) where fractionDigits != .asArchived: form = .representation
        case (.any, _): form = .storageClass
        case (.integer, _): form = .integer
        case (.real, _): form = .real
        case (.text, _), (.date, _), (.time, _), (.uuid, .uuidText), (.timestamp, .isoZ), (.decimal, .text):
            form = .text
        case (.bytes, _): form = .bytes
        case (.boolean, _): form = .boolean01
        case (.uuid, .hex32): form = .uuidHex32(uppercase: false)
        case (.uuid, .hex32Upper): form = .uuidHex32(uppercase: true)
        case (.uuid, .uuidTextUpper): form = .uuidUppercase
        case (.uuid, .blob16): form = .uuidBlob16
        case (.timestamp, .naiveText) where representation.zone.isUTC:
            form = .naiveTimestamp(separator: UInt8(ascii: " "))
        case (.timestamp, .naiveISO) where representation.zone.isUTC:
            form = .naiveTimestamp(separator: UInt8(ascii: "T"))
        case (.json, .text): form = .json(python: false, affinity: representation.affinity)
        case (.json, .jsonPython): form = .json(python: true, affinity: representation.affinity)
        default: form = .representation
        }
        planDescription = Self.describe(column, representation)
    }

    /// The encoder of an archive column stored into a target column declared `declaredType`.
    ///
    /// - Parameters:
    ///   - exact: the target column is the source's own (a SQLite archive's CREATE statement replayed): values are
    ///     stored exactly as the archive's encoding says. Otherwise uuids, timestamps and json get the form the
    ///     declared type implies, or `choice` where it does not decide (``SQLiteValueForm``).
    ///   - choice: the form asked for this column (a profile or a per-column option), nil for the default.
    ///   - explicit: `choice` was named for this column (`--as`): it wins over the declared type, and over `exact`.
    static func forTarget(
        column: AuthExport.Column, declaredType: String, table: String, exact: Bool, choice: SQLiteValueForm?,
        explicit: Bool = false, warnings: inout [String]
    ) throws(ArchiveError) -> CellEncoder {
        guard !exact || (explicit && choice != nil),
            let form = SQLiteValueForm.resolve(
                column.type, declaredType: declaredType, choice: choice, explicit: explicit)
        else {
            return try CellEncoder(column: column, declaredType: declaredType, table: table, warnings: &warnings)
        }
        let (target, digits) = form.apply(to: column)
        return try CellEncoder(
            column: target, declaredType: declaredType, table: table, fractionDigits: digits, warnings: &warnings)
    }

    /// What the encoder stores, for the plan, such as `TEXT (uuid, hex32)`.
    let planDescription: String

    private static func describe(_ column: AuthExport.Column, _ representation: ColumnRepresentation) -> String {
        let storage: String
        switch (column.type, representation.encoding) {
        case (.any, _): return "the storage class of each value"
        case (.integer, _), (.boolean, _), (.timestamp, .unixSeconds), (.timestamp, .unixMillis): storage = "INTEGER"
        case (.real, _): storage = "REAL"
        case (.bytes, _), (.uuid, .blob16): storage = "BLOB"
        case (.decimal, .numericAffinity): storage = "INTEGER or REAL"
        default: storage = "TEXT"
        }
        return "\(storage) (\(column.type.rawValue), \(representation.encoding))"
    }

    /// Converts a cell to this column's stored representation and appends it to a batch's `cells` and `bytes`.
    ///
    /// - Throws: `ArchiveError` `.typeMismatch` when the value does not fit the column's type or cannot be stored in
    ///   the original representation, `.unsupportedValue` for a NaN (SQLite would store NULL), with the column;
    ///   the caller adds the rest of the location.
    func encode(_ view: CellView, cells: inout [BoundCell], bytes: inout [UInt8]) throws(ArchiveError) {
        if Self.encode(view, as: form, cells: &cells, bytes: &bytes) { return }
        try encodeByConversion(view, cells: &cells, bytes: &bytes)
    }

    /// What the fast paths leave: a NaN (refused), or the representation's exact conversion.
    func encodeByConversion(_ view: CellView, cells: inout [BoundCell], bytes: inout [UInt8]) throws(ArchiveError) {
        if case .real(let d) = view, d.isNaN { throw notStorable("NaN (SQLite stores NaN as NULL)") }
        // Every other representation, and values the fast paths do not take: the representation's exact
        // conversion, which also says what is wrong with a value that does not fit.
        let stored: SQLiteValue
        do {
            stored = try representation.storedValue(for: view.value)
        } catch {
            throw ArchiveError(
                .typeMismatch, "cannot store the value as \(representation.encoding): \(error.message)",
                location: .init(column: column))
        }
        switch stored {
        case .null: cells.append(.null)
        case .integer(let i): cells.append(.integer(i))
        case .real(let d):
            guard !d.isNaN else { throw notStorable("NaN (SQLite stores NaN as NULL)") }
            cells.append(.real(d))
        case .text(let b):
            cells.append(.text(bytes.count, b.count))
            bytes.append(contentsOf: b)
        case .blob(let b):
            cells.append(.blob(bytes.count, b.count))
            bytes.append(contentsOf: b)
        }
    }

    /// The fast paths: stores a cell of a column encoded as `form` when no conversion error is possible, straight
    /// into the batch. Returns false, having appended nothing, for what ``encode(_:cells:bytes:)`` must handle
    /// (a NaN, the exact conversion of the other representations, a value that does not fit).
    ///
    /// Static, so that the per-cell path touches only the column's form (no reference counting).
    @inline(__always)
    static func encode(_ view: CellView, as form: Form, cells: inout [BoundCell], bytes: inout [UInt8]) -> Bool {
        switch (form, view) {
        case (_, .null): cells.append(.null)
        case (.storageClass, .integer(let i)), (.integer, .integer(let i)): cells.append(.integer(i))
        case (.storageClass, .real(let d)), (.real, .real(let d)):
            guard !d.isNaN else { return false }
            cells.append(.real(d))
        case (.real, .integer(let i)): cells.append(.real(Double(i)))
        case (.storageClass, .text(let b)), (.text, .text(let b)), (.storageClass, .invalidText(let b)):
            cells.append(.text(bytes.count, b.count))
            bytes.append(contentsOf: b)
        case (.storageClass, .bytes(let b)), (.bytes, .bytes(let b)):
            cells.append(.blob(bytes.count, b.count))
            bytes.append(contentsOf: b)
        case (.boolean01, .boolean(let b)): cells.append(.integer(b ? 1 : 0))
        case (.uuidHex32(let uppercase), .text(let uuid)) where uuid.count == 36:
            let start = bytes.count
            // The 8-4-4-4-12 groups without the hyphens.
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: uuid[0..<8]))
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: uuid[9..<13]))
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: uuid[14..<18]))
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: uuid[19..<23]))
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: uuid[24..<36]))
            if uppercase {
                for i in start..<(start + 32) { bytes[i] = Self.upper(bytes[i]) }
            }
            cells.append(.text(start, 32))
        case (.uuidUppercase, .text(let uuid)) where uuid.count == 36:
            let start = bytes.count
            for c in uuid { bytes.append(Self.upper(c)) }
            cells.append(.text(start, 36))
        case (.uuidBlob16, .text(let uuid)) where uuid.count == 36:
            let start = bytes.count
            var high: UInt8 = 0
            var isHigh = true
            for i in 0..<36 where i != 8 && i != 13 && i != 18 && i != 23 {
                let c = uuid[i]
                let nibble =
                    (c <= UInt8(ascii: "9") ? c &- UInt8(ascii: "0") : (c | 0x20) &- UInt8(ascii: "a") &+ 10) & 0x0F
                if isHigh {
                    high = nibble
                } else {
                    bytes.append(high << 4 | nibble)
                }
                isHigh.toggle()
            }
            cells.append(.blob(start, 16))
        case (.naiveTimestamp(let separator), .text(let text))
        where text.count >= 20 && text.last == UInt8(ascii: "Z"):
            let start = bytes.count
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[..<(text.count - 1)]))
            bytes[start + 10] = separator
            cells.append(.text(start, text.count - 1))
        case (.json(let python, let affinity), .json(let compact)):
            if let first = compact.first, first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39),
                let number = affinity.storedNumber(compact)
            {
                switch number {
                case .integer(let i): cells.append(.integer(i))
                case .real(let d): cells.append(.real(d))
                default:
                    cells.append(.text(bytes.count, compact.count))
                    bytes.append(contentsOf: compact)
                }
                return true
            }
            let start = bytes.count
            if python {
                TextForms.appendPythonJSON(compact: compact, to: &bytes)
            } else {
                bytes.append(contentsOf: compact)
            }
            cells.append(.text(start, bytes.count - start))
        default:
            return false
        }
        return true
    }

    @inline(__always)
    private static func upper(_ c: UInt8) -> UInt8 {
        c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z") ? c &- 0x20 : c
    }

    private func notStorable(_ what: String) -> ArchiveError {
        ArchiveError(.unsupportedValue, "SQLite cannot store \(what)", location: .init(column: column))
    }
}
