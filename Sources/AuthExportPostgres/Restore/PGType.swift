import AuthExport

/// A PostgreSQL column type the restore creates or loads into, with what the COPY encoder needs to know.
enum PGType: Hashable, Sendable, CustomStringConvertible {
    case boolean
    case smallint
    case integer
    case bigint
    case real
    case doublePrecision
    /// `numeric`, or `numeric(p, s)` when both are known.
    case numeric(precision: Int?, scale: Int?)
    case text
    case varchar(Int?)
    /// `character(n)` (only when loading into an existing table).
    case character(Int?)
    case bytea
    case uuid
    case jsonb
    case json
    case timestamptz
    case timestamp
    case date
    case time
    /// Any other type of an existing table (loaded through text COPY, the server parses the value).
    case other(String)

    /// The type as SQL.
    var sql: String {
        switch self {
        case .boolean: return "boolean"
        case .smallint: return "smallint"
        case .integer: return "integer"
        case .bigint: return "bigint"
        case .real: return "real"
        case .doublePrecision: return "double precision"
        case .numeric(let p?, let s?): return "numeric(\(p),\(s))"
        case .numeric(let p?, nil): return "numeric(\(p))"
        case .numeric: return "numeric"
        case .text: return "text"
        case .varchar(let n?): return "varchar(\(n))"
        case .varchar(nil): return "varchar"
        case .character(let n?): return "character(\(n))"
        case .character(nil): return "character"
        case .bytea: return "bytea"
        case .uuid: return "uuid"
        case .jsonb: return "jsonb"
        case .json: return "json"
        case .timestamptz: return "timestamptz"
        case .timestamp: return "timestamp"
        case .date: return "date"
        case .time: return "time"
        case .other(let name): return name
        }
    }

    var description: String { sql }

    /// Whether this is one of the integer types.
    var isInteger: Bool { self == .smallint || self == .integer || self == .bigint }

    /// The range of an integer type.
    var integerRange: ClosedRange<Int64>? {
        switch self {
        case .smallint: return Int64(Int16.min)...Int64(Int16.max)
        case .integer: return Int64(Int32.min)...Int64(Int32.max)
        case .bigint: return Int64.min...Int64.max
        default: return nil
        }
    }

    /// The type from a `format_type()` string of an existing column (data-only restores).
    init(formatted: String) {
        let t = formatted.lowercased()
        func parameters() -> [Int] {
            guard let open = t.firstIndex(of: "("), let close = t.lastIndex(of: ")"), open < close else { return [] }
            return t[t.index(after: open)..<close].split(separator: ",").compactMap {
                Int(String($0).trimmingSpaces())
            }
        }
        switch t {
        case "boolean": self = .boolean
        case "smallint": self = .smallint
        case "integer": self = .integer
        case "bigint": self = .bigint
        case "real": self = .real
        case "double precision": self = .doublePrecision
        case "text": self = .text
        case "bytea": self = .bytea
        case "uuid": self = .uuid
        case "jsonb": self = .jsonb
        case "json": self = .json
        case "timestamp with time zone": self = .timestamptz
        case "timestamp without time zone": self = .timestamp
        case "date": self = .date
        case "time without time zone": self = .time
        default:
            let p = parameters()
            if t.hasPrefix("numeric") {
                self = .numeric(precision: p.first, scale: p.count > 1 ? p[1] : (p.isEmpty ? nil : 0))
            } else if t.hasPrefix("character varying") {
                self = .varchar(p.first)
            } else if t.hasPrefix("character(") || t == "character" {
                self = .character(p.first)
            } else {
                self = .other(formatted)
            }
        }
    }
}

extension PGType {
    /// The column type a representation chosen by `--profile` / `--as` names (nil for a SQLite one).
    init?(representation: TargetRepresentation) {
        switch representation {
        case .timestamp: self = .timestamp
        case .timestamptz: self = .timestamptz
        case .jsonb: self = .jsonb
        case .json: self = .json
        case .text: self = .text
        case .boolean: self = .boolean
        case .integer: self = .integer
        case .uuid: self = .uuid
        case .uuidHex, .uuidDashed, .datetime, .datetime6, .isoZ, .jsonCompact, .jsonPython: return nil
        }
    }

    /// The type a PostgreSQL archive column had (its `source_type`, as `format_type` wrote it), when it can be
    /// recreated exactly and holds the column's logical values; nil otherwise (enums, domains and other types that
    /// need a definition the archive does not carry).
    ///
    /// The text is never pasted into SQL: it is parsed against a fixed list of built-in type names with integer
    /// modifiers and `[]` suffixes, and the SQL is written again from the parsed parts.
    init?(sourceType: String?, logical: LogicalType) {
        guard let sourceType, let parsed = BuiltInType(parsing: sourceType) else { return nil }
        let exact = parsed.isArray ? PGType.other(parsed.sql) : PGType(formatted: parsed.sql)
        switch (logical, exact) {
        case (.boolean, .boolean), (.integer, .smallint), (.integer, .integer), (.integer, .bigint),
            (.real, .real), (.real, .doublePrecision), (.decimal, .numeric), (.text, .text), (.text, .varchar),
            (.text, .character), (.bytes, .bytea), (.uuid, .uuid), (.json, .jsonb), (.json, .json),
            (.timestamp, .timestamp), (.timestamp, .timestamptz), (.date, .date), (.time, .time):
            self = exact
        case (.timestamp, .other), (.time, .other):
            // timestamp(p), timestamptz(p), time(p): values are in the archive's text form.
            guard parsed.base.hasPrefix("time"), !parsed.isArray else { return nil }
            self = exact
        case (.text, .other):
            // Types exported as their text form: inet, interval, arrays, timetz… The server parses each value.
            self = exact
        default:
            return nil
        }
    }
}

/// A built-in PostgreSQL type name as `format_type` prints it, parsed: base name from a fixed list, integer
/// modifiers, array dimensions. Anything else (user-defined types, schema-qualified names, odd spellings) is not
/// one.
struct BuiltInType: Hashable {
    /// The base name, one of ``names``.
    var base: String
    /// The modifiers: `(n)`, `(p,s)`.
    var modifiers: [Int]
    /// Whether the type is an array.
    var isArray: Bool { dimensions > 0 }
    /// `[]` suffixes.
    var dimensions: Int

    /// Built-in types a restore may recreate by name. Time types are listed with their zone suffix; a precision
    /// goes after their first word.
    static let names: Set<String> = [
        "boolean", "smallint", "integer", "bigint", "real", "double precision", "numeric", "text",
        "character varying", "character", "bytea", "uuid", "json", "jsonb", "date",
        "timestamp without time zone", "timestamp with time zone", "time without time zone", "time with time zone",
        "interval", "inet", "cidr", "macaddr", "macaddr8", "money", "bit", "bit varying", "xml", "tsvector",
        "tsquery", "point", "line", "lseg", "box", "path", "polygon", "circle", "oid", "pg_lsn", "int4range",
        "int8range", "numrange", "tsrange", "tstzrange", "daterange",
    ]

    init?(parsing text: String) {
        var rest = Substring(text)
        var dimensions = 0
        while rest.hasSuffix("[]") {
            rest = rest.dropLast(2)
            dimensions += 1
        }
        var modifiers: [Int] = []
        var name = String(rest)
        if let open = rest.firstIndex(of: "("), let close = rest.firstIndex(of: ")"), open < close {
            let inside = rest[rest.index(after: open)..<close].split(separator: ",", omittingEmptySubsequences: false)
            for part in inside {
                guard let value = Int(String(part).trimmingSpaces()), value >= 0, value <= 10_485_760 else {
                    return nil
                }
                modifiers.append(value)
            }
            guard !modifiers.isEmpty, modifiers.count <= 2 else { return nil }
            name = String(rest[..<open]) + String(rest[rest.index(after: close)...])
        }
        guard Self.names.contains(name) else { return nil }
        self.base = name
        self.modifiers = modifiers
        self.dimensions = dimensions
    }

    /// The type as SQL, written from the parsed parts (a time type's `(p)` goes after its first word).
    var sql: String {
        var out = base
        if !modifiers.isEmpty {
            let list = "(" + modifiers.map(String.init).joined(separator: ",") + ")"
            if base.hasPrefix("timestamp ") || base.hasPrefix("time ") {
                let space = base.firstIndex(of: " ") ?? base.endIndex
                out = String(base[..<space]) + list + String(base[space...])
            } else {
                out += list
            }
        }
        return out + String(repeating: "[]", count: dimensions)
    }
}

/// Chooses the PostgreSQL type of an archive column.
enum TypeMapping {
    /// The type to create for `column`, and a note when the choice loses something worth telling.
    ///
    /// A representation chosen by `--profile`/`--as` decides first; then, for an archive of a PostgreSQL database,
    /// the column's source type when it can be recreated exactly; then the logical type's mapping.
    static func pgType(
        for column: Column, backend: String, representation: TargetRepresentation? = nil
    ) -> (PGType, note: String?) {
        if let representation, let type = PGType(representation: representation) { return (type, nil) }
        if backend == "postgresql", let exact = PGType(sourceType: column.sourceType, logical: column.type) {
            return (exact, nil)
        }
        let declared = column.sourceType?.uppercased() ?? ""
        switch column.type {
        case .boolean: return (.boolean, nil)
        case .integer: return (integerType(declared: declared, backend: backend), nil)
        case .real:
            if backend == "postgresql" && (declared == "REAL" || declared == "FLOAT4") { return (.real, nil) }
            return (.doublePrecision, nil)
        case .decimal:
            if let p = column.precision, p >= 1, p <= 1000 {
                let s = column.scale ?? 0
                if s >= 0 && s <= p { return (.numeric(precision: p, scale: s), nil) }
            }
            return (.numeric(precision: nil, scale: nil), nil)
        case .text:
            if let n = column.maxLength, n >= 1, n <= 10_485_760 { return (.varchar(n), nil) }
            return (.text, nil)
        case .bytes: return (.bytea, nil)
        case .uuid: return (.uuid, nil)
        case .json: return (.jsonb, nil)
        case .timestamp: return (column.isNaiveTimestamp ? .timestamp : .timestamptz, nil)
        case .date: return (.date, nil)
        case .time: return (.time, nil)
        case .any:
            if declared.contains("BLOB") {
                return (
                    .bytea,
                    "values of mixed storage classes (source type \(column.sourceType ?? "none")): restored as bytea, "
                        + "text and numbers as the bytes of their text"
                )
            }
            return (
                .text,
                "values of mixed storage classes (source type \(column.sourceType ?? "none")): restored as text, "
                    + "numbers as their decimal text (as bytea if a BLOB or non-UTF-8 text appears)"
            )
        }
    }

    /// `integer` where the source declared a 4-byte (or smaller) integer, `smallint` for 2-byte ones, else `bigint`.
    /// Columns are widened during the load if a value does not fit.
    static func integerType(declared: String, backend: String) -> PGType {
        let d = declared.split(whereSeparator: { $0 == "(" || $0 == " " }).first.map(String.init) ?? ""
        if backend == "postgresql" {
            switch d {
            case "SMALLINT", "INT2", "SMALLSERIAL": return .smallint
            case "INTEGER", "INT", "INT4", "SERIAL": return .integer
            default: return .bigint
            }
        }
        if declared.contains("BIG") || declared.contains("INT8") { return .bigint }
        let unsigned = declared.contains("UNSIGNED")
        switch d {
        case "SMALLINT", "INT2", "TINYINT": return unsigned ? .integer : .smallint
        case "INTEGER", "INT", "INT4", "MEDIUMINT": return unsigned ? .bigint : .integer
        default: return .bigint
        }
    }

    /// The next wider type when a value does not fit `type`, or nil when there is none.
    static func widened(_ type: PGType) -> PGType? {
        switch type {
        case .smallint: return .integer
        case .integer: return .bigint
        case .varchar, .character: return .text
        case .numeric(.some, _): return .numeric(precision: nil, scale: nil)
        default: return nil
        }
    }
}
