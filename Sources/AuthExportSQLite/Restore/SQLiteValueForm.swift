import AuthExport

/// How a SQLite column holds the values of a logical type where applications differ: uuid spelling, timestamp
/// text, json text.
///
/// A restore that replays a SQLite archive's own `CREATE TABLE` stores every value as the source did (the archive
/// column's encoding). Everywhere else — tables generated from a PostgreSQL archive, and `--data-only` into a
/// schema the application created — the form is chosen by the target column's declared type and the convention it
/// implies (`CHAR(32)`/`UUID` → 32 hex digits, `CHAR(36)` → dashed text, `BLOB` → 16 bytes; `DATETIME`/`TIMESTAMP`
/// → naive UTC text `YYYY-MM-DD HH:MM:SS[.ffffff]`, `INTEGER` → Unix seconds), or by an explicit choice (a
/// profile, a per-column option) where the declared type does not decide (`datetime` vs `datetime6`, compact vs
/// Python json). See docs/orm-matrix.md.
enum SQLiteValueForm: Hashable, Sendable {
    /// 32 lowercase hex digits (SQLAlchemy `Uuid`, Django `UUIDField`).
    case uuidHex
    /// The canonical dashed lowercase text.
    case uuidDashed
    /// 16 bytes.
    case uuidBlob
    /// Naive UTC text `YYYY-MM-DD HH:MM:SS[.ffffff]`, no fraction when it is zero (Python's `str(datetime)`).
    case datetime
    /// Naive UTC text `YYYY-MM-DD HH:MM:SS.ffffff`, always six digits (SQLAlchemy).
    case datetime6
    /// ISO 8601 UTC text `YYYY-MM-DDTHH:MM:SS[.ffffff]Z`.
    case isoZ
    /// Unix seconds, INTEGER.
    case unixSeconds
    /// Compact JSON text.
    case jsonCompact
    /// JSON text as Python's `json.dumps` writes it.
    case jsonPython

    /// The logical type this form holds.
    var logicalType: LogicalType {
        switch self {
        case .uuidHex, .uuidDashed, .uuidBlob: return .uuid
        case .datetime, .datetime6, .isoZ, .unixSeconds: return .timestamp
        case .jsonCompact, .jsonPython: return .json
        }
    }

    /// The form of a column of `type` declared `declaredType`: an explicit `choice` (a per-column option) first,
    /// then what the declared type decides (`BLOB`/`BINARY` uuids as bytes, `CHAR(36)` dashed, `INTEGER`
    /// timestamps as Unix seconds), then a profile's `choice`, then the default (32 hex digits, `datetime`, compact
    /// json); nil for types stored one way.
    static func resolve(
        _ type: LogicalType, declaredType: String, choice: SQLiteValueForm?, explicit: Bool = false
    ) -> SQLiteValueForm? {
        let declared = declaredType.uppercased()
        let affinity = SQLiteAffinity(declaredType: declaredType)
        let chosen = choice.flatMap { $0.logicalType == type ? $0 : nil }
        if explicit, let chosen { return chosen }
        switch type {
        case .uuid:
            if affinity == .blob || declared.contains("BINARY") { return .uuidBlob }
            if declared.contains("36") { return .uuidDashed }
            return chosen ?? .uuidHex
        case .timestamp:
            if affinity == .integer { return .unixSeconds }
            return chosen ?? .datetime
        case .json:
            return chosen ?? .jsonCompact
        default:
            return nil
        }
    }

    /// The form of a column authx creates for a PostgreSQL archive's column of `type`: `choice` when it holds
    /// `type`, else 32 hex digits, `datetime`, compact json; nil for types stored one way.
    static func generated(_ type: LogicalType, choice: SQLiteValueForm?) -> SQLiteValueForm? {
        if let choice, choice.logicalType == type { return choice }
        switch type {
        case .uuid: return .uuidHex
        case .timestamp: return .datetime
        case .json: return .jsonCompact
        default: return nil
        }
    }

    /// The declared type authx gives a generated column of this form.
    var declaredType: String {
        switch self {
        case .uuidHex: return "CHAR(32)"
        case .uuidDashed: return "CHAR(36)"
        case .uuidBlob: return "BLOB"
        case .datetime, .datetime6: return "DATETIME"
        case .isoZ: return "TIMESTAMP"
        case .unixSeconds: return "INTEGER"
        case .jsonCompact, .jsonPython: return "TEXT"
        }
    }

    /// `column` as this form stores it: its encoding replaced (and the zone of naive text UTC), with the fraction
    /// digits timestamp text gets.
    func apply(to column: AuthExport.Column) -> (column: AuthExport.Column, fractionDigits: ColumnRepresentation.FractionDigits) {
        var target = column
        target.timeZone = nil
        target.offset = nil
        var digits = ColumnRepresentation.FractionDigits.asArchived
        switch self {
        case .uuidHex: target.encoding = .hex32
        case .uuidDashed: target.encoding = .uuidText
        case .uuidBlob: target.encoding = .blob16
        case .datetime:
            target.encoding = .naiveText
            digits = .sixUnlessZero
        case .datetime6:
            target.encoding = .naiveText
            digits = .six
        case .isoZ: target.encoding = .isoZ
        case .unixSeconds: target.encoding = .unixSeconds
        case .jsonCompact: target.encoding = .text
        case .jsonPython: target.encoding = .jsonPython
        }
        return (target, digits)
    }
}

extension SQLiteRestoreOptions {
    /// The form asked for `column` of `table` by ``representation`` (a per-column `--as`, or the profile across
    /// engines), and whether a per-column option named it.
    ///
    /// - Throws: `ArchiveError` `.invalidValue` when a per-column choice cannot hold the column's type.
    func valueForm(
        of column: AuthExport.Column, in table: String, from source: DatabaseEngine?
    ) throws(ArchiveError) -> (form: SQLiteValueForm?, explicit: Bool) {
        guard let chosen = try representation.representation(of: column, in: table, from: source, into: .sqlite)
        else { return (nil, false) }
        let explicit = representation.columns.contains {
            $0.table == table && $0.column == column.name && $0.representation.engine == .sqlite
        }
        return (SQLiteValueForm(chosen), explicit)
    }
}

extension SQLiteValueForm {
    /// The SQLite form of a representation, nil for a PostgreSQL one.
    init?(_ representation: TargetRepresentation) {
        switch representation {
        case .uuidHex: self = .uuidHex
        case .uuidDashed: self = .uuidDashed
        case .datetime: self = .datetime
        case .datetime6: self = .datetime6
        case .isoZ: self = .isoZ
        case .jsonCompact: self = .jsonCompact
        case .jsonPython: self = .jsonPython
        default: return nil
        }
    }
}
