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

/// Chooses the PostgreSQL type of an archive column.
enum TypeMapping {
    /// The type to create for `column`, and a note when the choice loses something worth telling.
    static func pgType(for column: Column, backend: String) -> (PGType, note: String?) {
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
        case .timestamp: return (.timestamptz, nil)
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
