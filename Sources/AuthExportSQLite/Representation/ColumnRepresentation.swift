import AuthExport

extension ColumnEncoding {
    /// json stored as text the way Python's `json.dumps` writes it by default (SQLAlchemy `JSON`, Django
    /// `JSONField`): `", "` / `": "` separators, non-ASCII escaped as `\uXXXX`.
    ///
    /// Reproducible byte for byte
    /// from the json value. Proposed addition to spec/FORMAT.md#column-encodings.
    package static let jsonPython = ColumnEncoding("json_python")
    /// json stored as text the way Python's `json.dumps(..., ensure_ascii=False)` writes it: `", "` / `": "`
    /// separators, characters outside ASCII as themselves.
    ///
    /// Proposed addition to spec/FORMAT.md#column-encodings.
    package static let jsonPythonUTF8 = ColumnEncoding("json_python_utf8")
}

/// How one SQLite column stores the values of a logical type, and the exact conversions both ways.
///
/// `logicalValue(of:)` reads a stored SQLite value (storage class and bytes) as the canonical logical value the
/// archive carries; `storedValue(for:)` gives back the exact SQLite value (and storage class) to store. For every
/// stored value `v` that the representation accepts, `storedValue(for: logicalValue(of: v)) == v`, bit for
/// bit; the exporter narrows a column to a type only when that holds for all of its values.
///
/// ```swift
/// let rep = try ColumnRepresentation(type: .uuid, encoding: .hex32, declaredType: "CHAR(32)")
/// rep.logicalValue(of: .text(Array("7c9e6679742540de944be07fc1f90ae7".utf8)))
/// // .text("7c9e6679-7425-40de-944b-e07fc1f90ae7")
/// try rep.storedValue(for: .text("7c9e6679-7425-40de-944b-e07fc1f90ae7"))   // .text(32 hex digits)
/// ```
package struct ColumnRepresentation: Hashable, Sendable {
    /// The logical type.
    package let type: LogicalType
    /// The encoding in effect (the type's natural one when the column named none, or one this module does not
    /// know).
    package let encoding: ColumnEncoding
    /// Whether the column named an encoding this module does not know, so the natural one is used instead.
    package let usesFallbackEncoding: Bool
    /// The affinity of the column's declared type: decides how numbers in json and decimal columns are stored.
    package let affinity: SQLiteAffinity
    /// The zone naive timestamps are read in.
    let zone: TimeZoneRule
    /// For `iso_offset`: the offset every value carries, in seconds.
    let offsetSeconds: Int
    /// How many fraction digits stored timestamp text gets (a restore target's convention; the archive's own by
    /// default).
    package var fractionDigits: FractionDigits = .asArchived

    /// The fraction digits of timestamp text a target column holds.
    package enum FractionDigits: Hashable, Sendable {
        /// The archive value's own digits (exact for a SQLite archive).
        case asArchived
        /// Always six (`.000000` included): SQLAlchemy's SQLite `DateTime`.
        case six
        /// Six, none when the fraction is zero: Python's `str(datetime)` (Django, the sqlite3 module).
        case sixUnlessZero

        /// `civil` with its fraction spelled as this convention asks.
        func apply(_ civil: CivilDateTime) -> CivilDateTime {
            guard self != .asArchived else { return civil }
            var value = civil
            var fraction = civil.fraction
            for _ in civil.fractionDigits..<6 { fraction *= 10 }
            value.fraction = fraction
            value.fractionDigits = self == .sixUnlessZero && fraction == 0 ? 0 : 6
            return value
        }
    }

    /// Creates a representation.
    ///
    /// - Parameters:
    ///   - type: The logical type.
    ///   - encoding: How values are stored; nil for the type's natural SQLite storage.
    ///   - declaredType: The column's declared SQLite type, for its affinity.
    ///   - timeZone: For `naive_text` / `naive_iso` timestamps: `UTC` (the default), `±HH:MM` or an IANA zone.
    ///   - offset: For `iso_offset` timestamps: the offset the values carry, `±HH:MM`.
    /// - Throws: ``RepresentationError`` when the time zone or offset is not valid, or `iso_offset` has none.
    package init(
        type: LogicalType, encoding: ColumnEncoding? = nil, declaredType: String? = nil, timeZone: String? = nil,
        offset: String? = nil
    ) throws(RepresentationError) {
        self.type = type
        self.affinity = SQLiteAffinity(declaredType: declaredType)
        let natural = ColumnRepresentation.naturalEncoding(for: type)
        if let encoding, encoding != .native {
            let known = ColumnRepresentation.encodings(for: type).contains(encoding)
            self.encoding = known ? encoding : natural
            self.usesFallbackEncoding = !known
        } else {
            self.encoding = natural
            self.usesFallbackEncoding = false
        }
        if let timeZone {
            guard let rule = TimeZoneRule(name: timeZone) else {
                throw RepresentationError("unknown time zone \"\(timeZone)\"; expected UTC, ±HH:MM or an IANA name")
            }
            self.zone = rule
        } else {
            self.zone = .utc
        }
        if self.encoding == .isoOffset {
            guard let offset else { throw RepresentationError("an iso_offset column needs an offset") }
            var text = offset
            guard let seconds = text.withUTF8({ CivilDateTime.parseOffset(UnsafeRawBufferPointer($0), at: 0) }) else {
                throw RepresentationError("invalid offset \"\(offset)\"; expected ±HH:MM")
            }
            self.offsetSeconds = seconds
        } else {
            self.offsetSeconds = 0
        }
    }

    /// Creates the natural representation of `type` (no time zone or offset involved, so it cannot fail).
    package init(naturalFor type: LogicalType, declaredType: String? = nil) {
        self.type = type
        self.affinity = SQLiteAffinity(declaredType: declaredType)
        self.encoding = ColumnRepresentation.naturalEncoding(for: type)
        self.usesFallbackEncoding = false
        self.zone = .utc
        self.offsetSeconds = 0
    }

    /// Creates the representation of an archive column (its type, encoding, source type, time zone, offset).
    package init(column: Column) throws(RepresentationError) {
        try self.init(
            type: column.type, encoding: column.encoding, declaredType: column.sourceType, timeZone: column.timeZone,
            offset: column.offset)
    }

    /// The encodings this module reads and writes for `type`, natural one first.
    package static func encodings(for type: LogicalType) -> [ColumnEncoding] {
        switch type {
        case .boolean: return [.int01]
        case .uuid: return [.uuidText, .uuidTextUpper, .hex32, .hex32Upper, .blob16]
        case .timestamp: return [.isoZ, .naiveText, .naiveISO, .isoOffset, .unixSeconds, .unixMillis]
        case .json: return [.text, .jsonPython, .jsonPythonUTF8]
        case .decimal: return [.text, .numericAffinity]
        case .date, .time: return [.text]
        case .integer, .real, .text, .bytes, .any: return [.native]
        }
    }

    /// How SQLite stores `type` when the archive says nothing more.
    package static func naturalEncoding(for type: LogicalType) -> ColumnEncoding {
        encodings(for: type)[0]
    }

    /// The time zone naive timestamps are read in (`UTC` unless set).
    package var timeZoneName: String { zone.name }
}

/// A value does not fit a column representation (the message says what was expected; never the value).
package struct RepresentationError: Error, Sendable, CustomStringConvertible {
    /// What was expected.
    package var message: String
    /// Creates an error.
    package init(_ message: String) { self.message = message }
    /// The message.
    package var description: String { message }
}
