import AuthExport

/// Writes PostgreSQL SQL from a parsed archive expression (``SQLExpression``): the only way an archive's CHECK,
/// DEFAULT, index or view text reaches PostgreSQL or the `--dry-run` plan.
///
/// Every name is resolved against the restored tables and quoted; every literal is re-quoted; every function must
/// be on ``PostgresExpressionEmitter/functions`` (immutable and side-effect free: no sequences, sleeping, files,
/// settings, other connections), every cast target a known type. Anything else throws ``Unsupported`` with the
/// reason, and the restore leaves the object out with a note. The output is fully parenthesized, so it is always
/// one expression.
struct PostgresExpressionEmitter {
    /// Why an expression is left out.
    struct Unsupported: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
        init(_ message: String) { self.message = message }
    }

    /// Where the expression goes: decides which functions are allowed.
    enum Context {
        /// CHECK constraints, index keys and predicates: immutable functions only.
        case constraint
        /// Column defaults: also the current time and uuid/random generators (evaluated by later INSERTs, never by
        /// the restore, which loads every column).
        case defaultValue
        /// View bodies: also aggregates.
        case view
    }

    /// A column the expression may name.
    struct ColumnName {
        var pgName: String
        var isBoolean: Bool
    }

    /// A table (or view) an expression may name, with its columns (lowercased archive names); `columns` is nil for
    /// a view, whose columns are not known: any name is taken as written.
    struct Relation {
        var pgName: String
        var columns: [String: ColumnName]?
    }

    /// The source dialect of the text.
    let dialect: SQLExpressionParser.Dialect
    let context: Context
    /// The relations in scope: for a CHECK, the table itself; for a view, its FROM list (by alias or name, lowercased).
    var scope: [(name: String, relation: Relation)] = []
    /// `(schema)` qualifier for table names in views.
    var schema: String = "public"
    /// Output names of a view's select list (ORDER BY and HAVING may name them).
    var outputNames: Set<String> = []

    init(dialect: SQLExpressionParser.Dialect, context: Context) {
        self.dialect = dialect
        self.context = context
    }

    // MARK: Allow-lists

    /// Functions allowed in every context: immutable in PostgreSQL (`provolatile = 'i'`), with no side effect and
    /// output bounded by their input. Keyword-like `coalesce`, `nullif`, `greatest`, `least` are syntax.
    static let functions: Set<String> = [
        "abs", "ceil", "ceiling", "floor", "round", "trunc", "sign", "mod", "div",
        "lower", "upper", "length", "char_length", "character_length", "octet_length", "bit_length", "btrim", "ltrim",
        "rtrim", "substr", "strpos", "left", "right", "starts_with", "initcap", "md5", "reverse", "split_part",
        "jsonb_typeof", "json_typeof", "jsonb_array_length", "json_array_length", "array_length", "cardinality",
        "num_nulls", "num_nonnulls",
    ]
    static let syntaxFunctions: Set<String> = ["coalesce", "nullif", "greatest", "least"]
    /// Only in defaults: generators evaluated by the application's INSERTs (never by the restore's COPY).
    static let defaultFunctions: Set<String> = [
        "now", "clock_timestamp", "statement_timestamp", "transaction_timestamp", "gen_random_uuid", "random",
        "timezone",
    ]
    /// Only in views: aggregates.
    static let aggregates: Set<String> = ["count", "sum", "avg", "min", "max", "bool_and", "bool_or", "every"]
    /// SQLite functions with a PostgreSQL equivalent of the same meaning.
    static let sqliteFunctions: [String: String] = [
        "ifnull": "coalesce", "instr": "strpos", "trim": "btrim", "ltrim": "ltrim", "rtrim": "rtrim",
    ]

    /// Known cast targets → canonical PostgreSQL spelling.
    static let types: [String: String] = [
        "text": "text", "varchar": "varchar", "character varying": "varchar", "char": "char", "character": "char",
        "bpchar": "char", "integer": "integer", "int": "integer", "int4": "integer", "bigint": "bigint",
        "int8": "bigint", "smallint": "smallint", "int2": "smallint", "numeric": "numeric", "decimal": "numeric",
        "real": "real", "float4": "real", "double precision": "double precision", "float8": "double precision",
        "boolean": "boolean", "bool": "boolean", "date": "date", "time": "time",
        "time without time zone": "time", "time with time zone": "timetz", "timetz": "timetz",
        "timestamp": "timestamp", "timestamp without time zone": "timestamp",
        "timestamp with time zone": "timestamptz", "timestamptz": "timestamptz", "interval": "interval",
        "uuid": "uuid", "json": "json", "jsonb": "jsonb", "bytea": "bytea", "inet": "inet", "cidr": "cidr",
    ]
    /// SQLite `CAST` targets (by affinity name).
    static let sqliteTypes: [String: String] = [
        "integer": "bigint", "int": "bigint", "text": "text", "real": "double precision", "numeric": "numeric",
        "blob": "bytea",
    ]
    /// Collations that exist in every PostgreSQL database.
    static let collations: Set<String> = ["c", "posix", "default", "ucs_basic"]

    // MARK: Emitting

    /// PostgreSQL SQL for `expression`.
    func emit(_ expression: SQLExpression) throws(Unsupported) -> String {
        switch expression {
        case .column(let table, let name, let mayBeString):
            return try column(table: table, name: name, mayBeString: mayBeString)
        case .null: return "NULL"
        case .boolean(let b): return b ? "true" : "false"
        case .number(let n): return n
        case .string(let s): return Self.literal(s)
        case .blob(let bytes):
            return "E'\\\\x" + bytes.map { String($0, radix: 16).leftPadded(2) }.joined() + "'::bytea"
        case .currentTime(let keyword):
            guard context != .constraint else { throw Unsupported("\(keyword.uppercased()) is not immutable") }
            return keyword.uppercased()
        case .unary(let op, let e):
            return "(\(op.rawValue) \(try emit(e)))"
        case .binary(let op, let a, let b):
            if [.jsonGet, .jsonGetText, .contains, .containedBy].contains(op), dialect != .postgresql {
                throw Unsupported("operator \(op.rawValue)")
            }
            if [.equal, .notEqual].contains(op) {
                if isBooleanColumn(a), let literal = Self.booleanLiteral(b) {
                    return "(\(try emit(a)) \(op.rawValue) \(literal))"
                }
                if isBooleanColumn(b), let literal = Self.booleanLiteral(a) {
                    return "(\(literal) \(op.rawValue) \(try emit(b)))"
                }
            }
            return "(\(try emit(a)) \(op.rawValue) \(try emit(b)))"
        case .isNull(let e, let negated):
            return "(\(try emit(e)) IS \(negated ? "NOT " : "")NULL)"
        case .isNotDistinct(let a, let b, let negated):
            let literal = isBooleanColumn(a) ? Self.booleanLiteral(b) : nil
            let right: String
            if let literal { right = literal } else { right = try emit(b) }
            return "(\(try emit(a)) IS \(negated ? "" : "NOT ")DISTINCT FROM \(right))"
        case .inList(let e, let list, let negated):
            guard !list.isEmpty else { throw Unsupported("an empty IN list") }
            let boolean = isBooleanColumn(e)
            var items: [String] = []
            for item in list {
                if boolean, let literal = Self.booleanLiteral(item) { items.append(literal) } else { items.append(try emit(item)) }
            }
            return "(\(try emit(e)) \(negated ? "NOT " : "")IN (\(items.joined(separator: ", "))))"
        case .between(let e, let low, let high, let negated):
            return "(\(try emit(e)) \(negated ? "NOT " : "")BETWEEN \(try emit(low)) AND \(try emit(high)))"
        case .match(let op, let e, let pattern, let escape, let negated):
            let not = negated ? "NOT " : ""
            switch op {
            case .like, .ilike:
                if op == .ilike && dialect != .postgresql { throw Unsupported("ILIKE") }
                var sql = "(\(try emit(e)) \(not)\(op.rawValue) \(try emit(pattern))"
                if let escape { sql += " ESCAPE \(try emit(escape))" }
                return sql + ")"
            case .regex, .regexInsensitive:
                return "(\(try emit(e)) \(negated ? "!" : "")\(op.rawValue) \(try emit(pattern)))"
            case .glob:
                throw Unsupported("GLOB has no PostgreSQL equivalent")
            }
        case .cast(let e, let type):
            return "CAST(\(try emit(e)) AS \(try Self.typeSQL(type, dialect: dialect)))"
        case .function(let name, let args, let star, let distinct):
            return try function(name, args, star: star, distinct: distinct)
        case .caseWhen(let operand, let whens, let otherwise):
            var sql = "CASE"
            if let operand { sql += " " + (try emit(operand)) }
            for w in whens { sql += " WHEN \(try emit(w.condition)) THEN \(try emit(w.result))" }
            if let otherwise { sql += " ELSE \(try emit(otherwise))" }
            return sql + " END"
        case .collate(let e, let collation):
            guard Self.collations.contains(collation.lowercased()) else {
                throw Unsupported("collation \(collation)")
            }
            return "(\(try emit(e)) COLLATE \(PGConnection.quoteIdentifier(collation == "c" || collation == "posix" ? collation.uppercased() : collation)))"
        case .quantified(let op, let e, let list, let all):
            return "(\(try emit(e)) \(op.rawValue) \(all ? "ALL" : "ANY") (\(try emit(list))))"
        case .array(let items):
            var out: [String] = []
            for item in items { out.append(try emit(item)) }
            return "ARRAY[\(out.joined(separator: ", "))]"
        }
    }

    /// A string literal PostgreSQL reads the same whatever `standard_conforming_strings` says.
    static func literal(_ s: String) -> String {
        PGConnection.quoteLiteral(s)
    }

    static func booleanLiteral(_ e: SQLExpression) -> String? {
        switch e {
        case .number("0"), .string("0"), .boolean(false): return "false"
        case .number("1"), .string("1"), .boolean(true): return "true"
        default: return nil
        }
    }

    func isBooleanColumn(_ e: SQLExpression) -> Bool {
        guard case .column(let table, let name, _) = e, let (_, column) = resolve(table: table, name: name),
            let column
        else { return false }
        return column.isBoolean
    }

    /// The relation and column a reference names (column nil for a view's column), with the scope entry's name.
    func resolve(table: String?, name: String) -> (Relation, ColumnName?)? {
        resolveEntry(table: table, name: name).map { ($0.relation, $0.column) }
    }

    private func resolveEntry(table: String?, name: String) -> (entry: String, relation: Relation, column: ColumnName?)? {
        let key = name.lowercased()
        if let table {
            guard let entry = scope.first(where: { $0.name == table.lowercased() }) else { return nil }
            guard let columns = entry.relation.columns else { return (entry.name, entry.relation, nil) }
            return columns[key].map { (entry.name, entry.relation, $0) }
        }
        var matches: [(name: String, relation: Relation)] = []
        for entry in scope where entry.relation.columns?[key] != nil {
            if !matches.contains(where: { $0.relation.pgName == entry.relation.pgName }) { matches.append(entry) }
        }
        if matches.count == 1, let column = matches[0].relation.columns?[key] {
            return (matches[0].name, matches[0].relation, column)
        }
        return nil
    }

    private func column(table: String?, name: String, mayBeString: Bool) throws(Unsupported) -> String {
        if let (entry, relation, column) = resolveEntry(table: table, name: name) {
            let pg = column?.pgName ?? (try? IdentifierMap.pgName(name, kind: "column")) ?? name
            let qualifier =
                context == .view ? PGConnection.quoteIdentifier(aliasSpelling[entry] ?? relation.pgName) + "." : ""
            return qualifier + PGConnection.quoteIdentifier(pg)
        }
        if table == nil {
            if mayBeString { return Self.literal(name) }
            if context == .view {
                if outputNames.contains(name.lowercased()) { return PGConnection.quoteIdentifier(name) }
                // A column of a view in the FROM list (its columns are not known here).
                let views = scope.filter { $0.relation.columns == nil }
                if views.count == 1, let pg = try? IdentifierMap.pgName(name, kind: "column") {
                    return PGConnection.quoteIdentifier(pg)
                }
            }
        }
        throw Unsupported(
            "it names \(table.map { "\($0)." } ?? "")\(name), which is not a column \(context == .view ? "of its tables" : "of the table")")
    }

    /// Aliases as written (scope keys are lowercased).
    var aliasSpelling: [String: String] = [:]

    private func function(_ name: String, _ args: [SQLExpression], star: Bool, distinct: Bool) throws(Unsupported)
        -> String
    {
        var pgName = name
        if dialect == .sqlite {
            if name == "min" || name == "max", args.count >= 2 { pgName = name == "min" ? "least" : "greatest" }
            pgName = Self.sqliteFunctions[pgName] ?? pgName
        }
        let isAggregate = context == .view && Self.aggregates.contains(pgName) && !(Self.syntaxFunctions.contains(pgName))
        let allowed =
            Self.functions.contains(pgName) || Self.syntaxFunctions.contains(pgName)
            || (context == .defaultValue && Self.defaultFunctions.contains(pgName)) || isAggregate
        guard allowed else {
            throw Unsupported("function \(name) is not on the allow-list of side-effect-free functions")
        }
        guard !star || pgName == "count" else { throw Unsupported("\(name)(*)") }
        guard !distinct || isAggregate else { throw Unsupported("DISTINCT in \(name)()") }
        var out: [String] = []
        for a in args { out.append(try emit(a)) }
        let list = star ? "*" : (distinct ? "DISTINCT " : "") + out.joined(separator: ", ")
        if Self.syntaxFunctions.contains(pgName) {
            guard !args.isEmpty else { throw Unsupported("\(name)() without arguments") }
            return "\(pgName.uppercased())(\(list))"
        }
        // Qualified: a function of the same name in the target schema cannot take its place.
        return "pg_catalog.\(pgName)(\(list))"
    }

    /// A cast target's PostgreSQL spelling.
    static func typeSQL(_ type: SQLTypeName, dialect: SQLExpressionParser.Dialect) throws(Unsupported) -> String {
        let base: String?
        if dialect == .sqlite, type.modifiers.isEmpty, !type.isArray, let t = sqliteTypes[type.name] {
            base = t
        } else {
            base = types[type.name]
        }
        guard let base else { throw Unsupported("a cast to type \(type.name)") }
        guard type.modifiers.count <= 2, type.modifiers.allSatisfy({ (0...10_485_760).contains($0) }) else {
            throw Unsupported("type modifiers of \(type.name)")
        }
        var sql = base
        if !type.modifiers.isEmpty {
            guard ["varchar", "char", "numeric", "time", "timetz", "timestamp", "timestamptz"].contains(base) else {
                throw Unsupported("type modifiers of \(type.name)")
            }
            sql += "(" + type.modifiers.map(String.init).joined(separator: ", ") + ")"
        }
        if type.isArray { sql += "[]" }
        return sql
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
