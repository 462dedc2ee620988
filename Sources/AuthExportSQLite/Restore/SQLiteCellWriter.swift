import AuthExport
internal import CSQLite

/// How one column's archive values are written back into SQLite: the reverse of the export representation.
///
/// A SQLite archive says for each column how the source stored it (``ColumnEncoding``); the writer reproduces that
/// representation and storage class through ``ColumnRepresentation/storedValue(for:)``: a hex32 uuid goes back as
/// its 32 hex digits, a naive timestamp as the text it was, a boolean as 0 or 1, an `any` cell as exactly its
/// tagged storage class. Values of a PostgreSQL archive (encoding `native`) get SQLite's natural storage:
/// canonical uuid text, ISO 8601 UTC text, 0/1, JSON text. The common plain types are bound directly, without an
/// intermediate copy.
struct SQLiteCellWriter {
    /// What to do with a cell.
    enum Form {
        /// `any`: bind exactly the tagged storage class.
        case storageClass
        case integer
        case real
        case text
        case bytes
        case boolean01
        /// Everything else, through the representation's exact conversion.
        case representation(ColumnRepresentation)
    }

    /// The form.
    let form: Form
    /// The column's name, for errors.
    let column: String
    /// The affinity of the column in the target table.
    let affinity: SQLiteAffinity

    /// The writer for `column`, stored in a target column declared `declaredType`.
    ///
    /// - Parameter warnings: receives a line when an unknown encoding falls back to the type's natural storage.
    /// - Throws: `ArchiveError` `.badRecord` when the column's time zone or offset is not valid.
    init(column: AuthExport.Column, declaredType: String, table: String, warnings: inout [String]) throws(ArchiveError)
    {
        self.column = column.name
        self.affinity = SQLiteAffinity(declaredType: declaredType)
        let representation: ColumnRepresentation
        do {
            representation = try ColumnRepresentation(
                type: column.type, encoding: column.encoding, declaredType: declaredType, timeZone: column.timeZone,
                offset: column.offset)
        } catch {
            throw ArchiveError(.badRecord, error.message, location: .init(table: table, column: column.name))
        }
        if representation.usesFallbackEncoding, let encoding = column.encoding {
            warnings.append(
                "table \(table), column \(column.name): encoding \(encoding) is not known for type "
                    + "\(column.type.rawValue); values are stored as \(representation.encoding)")
        }
        switch column.type {
        case .any: form = .storageClass
        case .integer: form = .integer
        case .real: form = .real
        case .text: form = .text
        case .bytes: form = .bytes
        case .boolean: form = .boolean01
        default: form = .representation(representation)
        }
        planDescription = Self.describe(column, representation)
    }

    /// What the writer stores, for the plan: `TEXT (hex32)`, `INTEGER (int01)`…
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

    /// What binding a value did beyond the plain case.
    enum Outcome {
        /// The stored value will be the archive's value with its storage class.
        case exact
        /// SQLite's column affinity will convert the value to another storage class (an `any` cell only); the
        /// restore corrects it afterwards.
        case affinityWillConvert
    }

    /// Binds `value` to parameter `index` of `statement` in this column's representation.
    ///
    /// - Throws: `ArchiveError` `.typeMismatch` when the value does not fit the column's type or cannot be stored in
    ///   the original representation; the caller adds table and row. SQLite bind failures come back in `rc`.
    @inline(__always)
    func bind(
        _ value: Value, to statement: SQLiteStatement, at index: Int32, probe: NumericAffinityProbe, rc: inout Int32
    ) throws(ArchiveError) -> Outcome {
        switch (form, value) {
        case (_, .null): rc = statement.bindNull(at: index)
        case (.storageClass, _): return try bindStorageClass(value, to: statement, at: index, probe: probe, rc: &rc)
        case (.integer, .integer(let i)): rc = statement.bindInteger(i, at: index)
        case (.real, .real(let d)):
            guard !d.isNaN else { throw notStorable("NaN (SQLite stores NaN as NULL)") }
            rc = statement.bindReal(d, at: index)
        case (.real, .integer(let i)): rc = statement.bindReal(Double(i), at: index)
        case (.text, .text(let s)): rc = statement.bindText(s, at: index)
        case (.bytes, .bytes(let b)): rc = b.withUnsafeBytes { statement.bindBlob($0, at: index) }
        case (.boolean01, .boolean(let b)): rc = statement.bindInteger(b ? 1 : 0, at: index)
        case (.representation(let representation), _):
            let stored: SQLiteValue
            do {
                stored = try representation.storedValue(for: value)
            } catch {
                throw ArchiveError(
                    .typeMismatch, "cannot store the value as \(representation.encoding): \(error.message)",
                    location: .init(column: column))
            }
            switch stored {
            case .null: rc = statement.bindNull(at: index)
            case .integer(let i): rc = statement.bindInteger(i, at: index)
            case .real(let d):
                guard !d.isNaN else { throw notStorable("NaN (SQLite stores NaN as NULL)") }
                rc = statement.bindReal(d, at: index)
            case .text(let bytes): rc = bytes.withUnsafeBytes { statement.bindText($0, at: index) }
            case .blob(let bytes): rc = bytes.withUnsafeBytes { statement.bindBlob($0, at: index) }
            }
        default:
            throw ArchiveError(.typeMismatch, "the value does not match the column's type", location: .init(column: column))
        }
        return .exact
    }

    @inline(__always)
    private func bindStorageClass(
        _ value: Value, to statement: SQLiteStatement, at index: Int32, probe: NumericAffinityProbe, rc: inout Int32
    ) throws(ArchiveError) -> Outcome {
        switch value {
        case .integer(let i):
            rc = statement.bindInteger(i, at: index)
            // (In a REAL column SQLite reads every integer back as a REAL, so a source cannot hold one there.)
            return affinity == .text ? .affinityWillConvert : .exact
        case .real(let d):
            guard !d.isNaN else { throw notStorable("NaN (SQLite stores NaN as NULL)") }
            rc = statement.bindReal(d, at: index)
            switch affinity {
            case .text: return .affinityWillConvert
            // SQLite stores a REAL that is exactly an integer as INTEGER in these columns.
            case .integer, .numeric: return SQLiteAffinity.exactInteger(d) != nil ? .affinityWillConvert : .exact
            case .real, .blob: return .exact
            }
        case .text(var s):
            return s.withUTF8 { buffer in
                let raw = UnsafeRawBufferPointer(buffer)
                rc = statement.bindText(raw, at: index)
                return affinity.convertsNumericText && probe.wouldConvert(raw) ? .affinityWillConvert : .exact
            }
        case .invalidText(let bytes):
            return bytes.withUnsafeBytes { raw in
                rc = statement.bindText(raw, at: index)
                return affinity.convertsNumericText && probe.wouldConvert(raw) ? .affinityWillConvert : .exact
            }
        case .bytes(let b):
            rc = b.withUnsafeBytes { statement.bindBlob($0, at: index) }
            return .exact
        case .null:
            rc = statement.bindNull(at: index)
            return .exact
        case .boolean, .json:
            throw ArchiveError(
                .typeMismatch, "expected a tagged value (integer, real, text, bytes or text_bytes)",
                location: .init(column: column))
        }
    }

    private func notStorable(_ what: String) -> ArchiveError {
        ArchiveError(.typeMismatch, "SQLite cannot store \(what)", location: .init(column: column))
    }
}
