/// The database engine a restore writes into, or an archive came from.
public enum DatabaseEngine: String, Sendable, Hashable, CaseIterable {
    /// PostgreSQL.
    case postgresql
    /// SQLite.
    case sqlite

    /// The engine an archive header names (`header.source.backend`), nil for another name.
    public init?(backend: String) { self.init(rawValue: backend) }
}

/// How a restore represents one column in the target database, where applications (their ORMs) differ.
///
/// The archive holds logical values (a uuid, a UTC instant, a JSON value); each target engine can hold them in
/// several ways, and an application reads back only the one its ORM writes. A representation is one such choice,
/// for one engine and a few logical types. Chosen per column (``RepresentationOptions/columns``,
/// `--as TABLE.COLUMN=NAME`) or for every column of a type by a ``RepresentationProfile`` (`--profile NAME`).
///
/// The names are what `--as` takes. Spec of the choices: docs/orm-profiles.md.
///
/// ```swift
/// let choice = try RepresentationOptions(profile: "django", columns: ["users.created_at=timestamp"])
/// choice.representation(of: column, in: "users", from: .sqlite, into: .postgresql)   // .timestamp
/// ```
public enum TargetRepresentation: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// PostgreSQL `timestamp without time zone`, holding the UTC wall-clock time (SQLAlchemy `DateTime()`).
    case timestamp
    /// PostgreSQL `timestamp with time zone` (SQLAlchemy `DateTime(timezone=True)`, Django with `USE_TZ`).
    case timestamptz
    /// PostgreSQL `jsonb` (Django `JSONField`).
    case jsonb
    /// PostgreSQL `json` (SQLAlchemy `JSON`).
    case json
    /// PostgreSQL `text`: json as its compact text, uuid as its dashed lowercase text.
    case text
    /// PostgreSQL `boolean`; also for an integer column holding only 0 and 1 (an ORM that declares
    /// booleans `INTEGER` on SQLite and `boolean` on PostgreSQL).
    case boolean
    /// PostgreSQL `integer` holding 0 and 1 for a boolean column.
    case integer
    /// PostgreSQL `uuid`; also for a text column holding only uuids (any spelling PostgreSQL reads).
    case uuid
    /// SQLite `CHAR(32)`: 32 lowercase hex digits, no dashes (SQLAlchemy `Uuid`, Django `UUIDField`).
    case uuidHex = "uuid-hex"
    /// SQLite `CHAR(36)`: the canonical dashed lowercase text.
    case uuidDashed = "uuid-dashed"
    /// SQLite `DATETIME` text `YYYY-MM-DD HH:MM:SS[.ffffff]`, naive UTC; six fraction digits when the
    /// microseconds are not zero, none when they are (Python's `str(datetime)`: Django, the sqlite3 module).
    case datetime
    /// SQLite `DATETIME` text `YYYY-MM-DD HH:MM:SS.ffffff`, naive UTC, always six fraction digits (SQLAlchemy).
    case datetime6
    /// SQLite `TIMESTAMP` text `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` (ISO 8601 UTC; fraction digits as in the archive).
    case isoZ = "iso-z"
    /// SQLite JSON text as compact as the archive's (`{"a":1}`).
    case jsonCompact = "json-compact"
    /// SQLite JSON text as Python's `json.dumps` writes it (`{"a": 1}`, non-ASCII as `\uXXXX`): SQLAlchemy
    /// `JSON`, Django `JSONField`.
    case jsonPython = "json-python"

    /// The `--as` name.
    public var description: String { rawValue }

    /// The engine whose columns this representation describes.
    public var engine: DatabaseEngine {
        switch self {
        case .timestamp, .timestamptz, .jsonb, .json, .text, .boolean, .integer, .uuid: return .postgresql
        case .uuidHex, .uuidDashed, .datetime, .datetime6, .isoZ, .jsonCompact, .jsonPython: return .sqlite
        }
    }

    /// The archive logical types this representation can hold.
    public var logicalTypes: Set<LogicalType> {
        switch self {
        case .timestamp, .timestamptz, .datetime, .datetime6, .isoZ: return [.timestamp]
        case .jsonb, .json: return [.json, .text]
        case .text: return [.json, .uuid]
        case .boolean: return [.boolean, .integer]
        case .integer: return [.boolean]
        case .uuid: return [.uuid, .text]
        case .uuidHex, .uuidDashed: return [.uuid]
        case .jsonCompact, .jsonPython: return [.json]
        }
    }

    /// Whether the representation holds the naive wall-clock time of a timestamp (PostgreSQL `timestamp`, SQLite
    /// text without a zone) rather than a zoned instant; nil for other types.
    public var isNaiveTimestamp: Bool? {
        switch self {
        case .timestamp, .datetime, .datetime6: return true
        case .timestamptz, .isoZ: return false
        default: return nil
        }
    }
}

/// A named set of representations for the common ORMs: what their models create and read on each engine.
///
/// A profile applies only across engines (an archive of a SQLite database restored into PostgreSQL, or the other
/// way): a same-engine restore recreates each column as its source was. Per-column choices
/// (``RepresentationOptions/columns``) override it, in any direction. The table: docs/orm-profiles.md.
public struct RepresentationProfile: Sendable, Hashable, CustomStringConvertible {
    /// The profile's name, as `--profile` takes it.
    public var name: String
    /// PostgreSQL type for timestamps whose source was naive (SQLite text without a zone, PostgreSQL `timestamp`).
    public var naiveTimestampsInPostgres: TargetRepresentation
    /// PostgreSQL type for timestamps whose source was an instant (text with `Z` or an offset, Unix time,
    /// PostgreSQL `timestamptz`).
    public var awareTimestampsInPostgres: TargetRepresentation
    /// PostgreSQL type for json columns of a SQLite source.
    public var jsonInPostgres: TargetRepresentation
    /// SQLite spelling of uuids from a PostgreSQL source.
    public var uuidInSQLite: TargetRepresentation
    /// SQLite text form of timestamps from a PostgreSQL source.
    public var timestampsInSQLite: TargetRepresentation
    /// SQLite text form of json from a PostgreSQL source.
    public var jsonInSQLite: TargetRepresentation

    /// A one-line summary.
    public var description: String {
        "\(name): PostgreSQL \(naiveTimestampsInPostgres)/\(awareTimestampsInPostgres), \(jsonInPostgres); "
            + "SQLite \(uuidInSQLite), \(timestampsInSQLite), \(jsonInSQLite)"
    }

    /// Without `--profile`: naive stays naive and instants stay instants (`timestamp` / `timestamptz`), json is
    /// `jsonb`; into SQLite uuids as 32 hex digits, timestamps as Python's `str(datetime)`, compact json.
    public static let standard = RepresentationProfile(
        name: "default", naiveTimestampsInPostgres: .timestamp, awareTimestampsInPostgres: .timestamptz,
        jsonInPostgres: .jsonb, uuidInSQLite: .uuidHex, timestampsInSQLite: .datetime, jsonInSQLite: .jsonCompact)
    /// SQLAlchemy 2 (and Flask-SQLAlchemy): `DateTime()` is `timestamp` (naive) on PostgreSQL, `JSON` is `json`;
    /// on SQLite `Uuid` is `CHAR(32)` hex, `DateTime` text always has six fraction digits, `JSON` is
    /// `json.dumps` text. A `DateTime(timezone=True)` column of a SQLite database needs `--as T.C=timestamptz`
    /// (SQLite keeps no trace of the flag).
    public static let sqlalchemy = RepresentationProfile(
        name: "sqlalchemy", naiveTimestampsInPostgres: .timestamp, awareTimestampsInPostgres: .timestamptz,
        jsonInPostgres: .json, uuidInSQLite: .uuidHex, timestampsInSQLite: .datetime6, jsonInSQLite: .jsonPython)
    /// Flask-Security-Too on Flask-SQLAlchemy: SQLAlchemy's representations (its models use naive `DateTime()`).
    public static let flaskSecurity = RepresentationProfile(
        name: "flask-security", naiveTimestampsInPostgres: .timestamp, awareTimestampsInPostgres: .timestamptz,
        jsonInPostgres: .json, uuidInSQLite: .uuidHex, timestampsInSQLite: .datetime6, jsonInSQLite: .jsonPython)
    /// Django 5 with `USE_TZ = True`: every `DateTimeField` is `timestamp with time zone` on PostgreSQL (its SQLite
    /// text is naive UTC), `JSONField` is `jsonb`; on SQLite `UUIDField` is `char(32)` hex, datetimes are
    /// `str(datetime)` text, `JSONField` is `json.dumps` text.
    public static let django = RepresentationProfile(
        name: "django", naiveTimestampsInPostgres: .timestamptz, awareTimestampsInPostgres: .timestamptz,
        jsonInPostgres: .jsonb, uuidInSQLite: .uuidHex, timestampsInSQLite: .datetime, jsonInSQLite: .jsonPython)

    /// Every named profile, `default` first.
    public static let all: [RepresentationProfile] = [.standard, .sqlalchemy, .flaskSecurity, .django]

    /// The profile named `name` (`default`, `sqlalchemy`, `flask-security`, `django`), nil for another name.
    public static func named(_ name: String) -> RepresentationProfile? {
        all.first { $0.name == name.lowercased() }
    }
}

/// One `--as TABLE.COLUMN=NAME` choice.
public struct ColumnRepresentationChoice: Sendable, Hashable, CustomStringConvertible {
    /// The table name, as in the archive.
    public var table: String
    /// The column name, as in the archive.
    public var column: String
    /// The representation.
    public var representation: TargetRepresentation

    /// Creates a choice.
    public init(table: String, column: String, representation: TargetRepresentation) {
        self.table = table
        self.column = column
        self.representation = representation
    }

    /// Parses `TABLE.COLUMN=NAME` (the last `.` before the last `=` separates table and column).
    ///
    /// - Throws: `ArchiveError` `.invalidValue` when the text is not of that form or names an unknown
    ///   representation.
    public init(parsing text: String) throws(ArchiveError) {
        guard let equals = text.lastIndex(of: "="), let dot = text[..<equals].lastIndex(of: ".") else {
            throw ArchiveError(.invalidValue, "--as expects TABLE.COLUMN=REPRESENTATION, got \"\(text)\"")
        }
        let name = String(text[text.index(after: equals)...])
        guard let representation = TargetRepresentation(rawValue: name) else {
            let names = TargetRepresentation.allCases.map(\.rawValue).joined(separator: ", ")
            throw ArchiveError(.invalidValue, "--as: unknown representation \"\(name)\"; expected one of \(names)")
        }
        let table = String(text[..<dot])
        let column = String(text[text.index(after: dot)..<equals])
        guard !table.isEmpty, !column.isEmpty else {
            throw ArchiveError(.invalidValue, "--as expects TABLE.COLUMN=REPRESENTATION, got \"\(text)\"")
        }
        self.init(table: table, column: column, representation: representation)
    }

    /// `table.column=name`.
    public var description: String { "\(table).\(column)=\(representation.rawValue)" }
}

/// The representation choices of a restore: a profile and per-column choices (`--profile`, `--as`).
///
/// Shared by both restore targets: each asks ``representation(of:in:from:into:)`` for every column it creates or
/// loads; nil means the target's own mapping of the logical type (and, for a same-engine restore, the source's
/// exact type).
public struct RepresentationOptions: Sendable, Hashable {
    /// The profile for columns without a per-column choice.
    public var profile: RepresentationProfile
    /// Per-column choices, which win over the profile and apply in every direction.
    public var columns: [ColumnRepresentationChoice]

    /// Creates options.
    public init(profile: RepresentationProfile = .standard, columns: [ColumnRepresentationChoice] = []) {
        self.profile = profile
        self.columns = columns
    }

    /// Parses `--profile NAME` and `--as TABLE.COLUMN=NAME` texts.
    ///
    /// - Throws: `ArchiveError` `.invalidValue` naming the bad text and the accepted names.
    public init(profile: String?, columns: [String]) throws(ArchiveError) {
        var resolved = RepresentationProfile.standard
        if let profile {
            guard let named = RepresentationProfile.named(profile) else {
                let names = RepresentationProfile.all.map(\.name).joined(separator: ", ")
                throw ArchiveError(.invalidValue, "--profile: unknown profile \"\(profile)\"; expected one of \(names)")
            }
            resolved = named
        }
        var choices: [ColumnRepresentationChoice] = []
        for text in columns {
            let choice = try ColumnRepresentationChoice(parsing: text)
            if let earlier = choices.first(where: { $0.table == choice.table && $0.column == choice.column }),
                earlier.representation.engine == choice.representation.engine
            {
                throw ArchiveError(.invalidValue, "--as: \(choice.table).\(choice.column) is given twice (\(earlier), \(choice))")
            }
            choices.append(choice)
        }
        self.init(profile: resolved, columns: choices)
    }

    /// Whether nothing differs from the defaults.
    public var isDefault: Bool { profile == .standard && columns.isEmpty }

    /// The per-column choices for `engine` that name no column of `tables` (table name → its columns), to report a
    /// likely typo before anything is restored.
    public func unmatchedColumns(
        for engine: DatabaseEngine, in tables: [(name: String, columns: [Column])]
    ) -> [ColumnRepresentationChoice] {
        columns.filter { choice in
            choice.representation.engine == engine
                && !tables.contains { $0.name == choice.table && $0.columns.contains { $0.name == choice.column } }
        }
    }

    /// The representation of `column` of `table` in a restore from an archive of `source` into `target`, or nil
    /// for the target's own mapping.
    ///
    /// A per-column choice for the target's engine wins in any direction; it throws when it cannot hold the
    /// column's logical type. Otherwise the profile decides, across engines only.
    ///
    /// - Throws: `ArchiveError` `.invalidValue` naming the column, its type and the representation.
    public func representation(
        of column: Column, in table: String, from source: DatabaseEngine?, into target: DatabaseEngine
    ) throws(ArchiveError) -> TargetRepresentation? {
        if let choice = columns.first(where: {
            $0.table == table && $0.column == column.name && $0.representation.engine == target
        }) {
            guard choice.representation.logicalTypes.contains(column.type) else {
                let types = choice.representation.logicalTypes.map(\.rawValue).sorted().joined(separator: ", ")
                throw ArchiveError(
                    .invalidValue,
                    "--as \(choice): column \(table).\(column.name) is \(column.type.rawValue) in the archive; "
                        + "\(choice.representation) holds \(types)",
                    location: .init(table: table, column: column.name))
            }
            return choice.representation
        }
        guard source != target else { return nil }
        switch (target, column.type) {
        case (.postgresql, .timestamp):
            return column.isNaiveTimestamp ? profile.naiveTimestampsInPostgres : profile.awareTimestampsInPostgres
        case (.postgresql, .json): return profile.jsonInPostgres
        case (.sqlite, .uuid): return profile.uuidInSQLite
        case (.sqlite, .timestamp): return profile.timestampsInSQLite
        case (.sqlite, .json): return profile.jsonInSQLite
        default: return nil
        }
    }
}

extension Column {
    /// Whether a timestamp column's source held naive wall-clock times: SQLite text without a zone (`naive_text`,
    /// `naive_iso`) or PostgreSQL `timestamp [without time zone]`. False for instants (`iso_z`, `iso_offset`, Unix
    /// time, `timestamptz`) and for columns of other types.
    public var isNaiveTimestamp: Bool {
        guard type == .timestamp else { return false }
        if let encoding, encoding == .naiveText || encoding == .naiveISO { return true }
        guard encoding == nil || encoding == .native, let sourceType = sourceType?.lowercased() else { return false }
        return sourceType == "timestamp" || sourceType.hasPrefix("timestamp without")
            || (sourceType.hasPrefix("timestamp(") && !sourceType.contains("with time zone"))
    }
}
