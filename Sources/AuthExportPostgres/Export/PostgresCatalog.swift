import AuthExport
internal import Foundation

/// Reads one schema's tables from PostgreSQL's catalog, inside the export's snapshot, as archive table schemas:
/// columns with their logical type (and the PostgreSQL type as `source_type`), primary keys, UNIQUE, CHECK and
/// foreign-key constraints, indexes, identity/serial columns with their sequence's last value, and views.
///
/// Run with `search_path` set to the schema alone, so expressions and index definitions name its tables without
/// the schema (a restore into another schema then works).
struct PostgresCatalog {
    /// One table to export.
    struct Table {
        var oid: String
        var schema: TableSchema
        /// How each column's text is turned into a cell.
        var kinds: [CopyTextCell.Kind]
    }

    var tables: [Table] = []
    var views: [SchemaObject] = []
    /// What is not carried over exactly.
    var notes: [ExportWarning] = []

    /// Reads `schema` through `connection` (in the export's transaction), keeping the tables `filter` selects.
    init(schema: String, filter: TableFilter, connection: PGConnection) throws {
        var filter = filter
        filter.schemaNames = [schema]  // `-t app.users` names this schema's tables
        let relations = try connection.execute(
            """
            SELECT c.oid::text, c.relname, c.relkind::text, c.relispartition::text
            FROM pg_class c WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)
              AND c.relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY c.relname COLLATE "C"
            """, [schema])
        var names: [String] = []
        for row in relations.rows {
            guard let oid = row[0], let name = row[1], let kind = row[2] else { continue }
            names.append(name)
            guard filter.includes(name) else { continue }
            switch kind {
            case "v":
                let body = try connection.execute("SELECT pg_get_viewdef($1::oid, true)", [oid]).string(0, 0) ?? ""
                views.append(
                    SchemaObject(
                        type: "view", name: name,
                        sql: "CREATE VIEW \(PGConnection.quoteIdentifier(name)) AS\n" + body.trimmingSuffix(";")))
            case "m":
                notes.append(ExportWarning(table: name, message: "materialized view not exported (refresh it after a restore)"))
            case "f":
                notes.append(ExportWarning(table: name, message: "foreign table not exported"))
            default:
                if row[3] == "true" {
                    notes.append(ExportWarning(table: name, message: "partition exported through its partitioned table"))
                    continue
                }
                let table = try Self.table(oid: oid, name: name, schema: schema, connection: connection, notes: &notes)
                guard !table.schema.columns.isEmpty else {
                    notes.append(ExportWarning(table: name, message: "table without columns not exported"))
                    continue
                }
                tables.append(table)
            }
        }
        if let problem = filter.problem(in: names, of: "schema \(schema)") {
            throw ArchiveError(.invalidValue, problem)
        }
        tables = Self.parentsFirst(tables)
    }

    /// Tables ordered so that a referenced table comes before the tables referencing it (where there is no cycle),
    /// then by name: a reader checking keys then knows every parent key when it reads a reference.
    static func parentsFirst(_ tables: [Table]) -> [Table] {
        var remaining = tables
        var done = Set<String>()
        var ordered: [Table] = []
        while !remaining.isEmpty {
            let ready = remaining.firstIndex { table in
                table.schema.foreignKeys.allSatisfy { key in
                    key.referencedTable == table.schema.name || done.contains(key.referencedTable)
                        || !remaining.contains { $0.schema.name == key.referencedTable }
                }
            }
            let next = remaining.remove(at: ready ?? 0)
            done.insert(next.schema.name)
            ordered.append(next)
        }
        return ordered
    }

    private static func table(
        oid: String, name: String, schema: String, connection: PGConnection, notes: inout [ExportWarning]
    ) throws -> Table {
        let attributes = try connection.execute(
            """
            SELECT a.attname, format_type(a.atttypid, a.atttypmod),
                   format_type(CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END,
                               CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END),
                   a.attnotnull::text, pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text,
                   pg_get_serial_sequence(format('%I.%I', $2::text, $3::text), a.attname)
            FROM pg_attribute a
            JOIN pg_type t ON t.oid = a.atttypid
            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum
            """, [oid, schema, name])
        var columns: [Column] = []
        var kinds: [CopyTextCell.Kind] = []
        var sequences: [String] = []
        for row in attributes.rows {
            let columnName = row[0] ?? ""
            let declared = row[1] ?? ""
            let (logical, kind, column) = Self.mapType(declared: declared, base: row[2] ?? declared)
            var c = column
            c.name = columnName
            c.type = logical
            c.nullable = row[3] != "true"
            c.sourceType = declared
            let identity = !(row[5] ?? "").isEmpty
            let defaultSQL = row[4]
            if let sequence = row[7], identity || defaultSQL?.hasPrefix("nextval(") == true {
                c.autoIncrement = true
                // A serial column keeps its nextval default, so that a restore into PostgreSQL makes it serial
                // again (an identity column has none); loaders into SQLite ignore the default of an auto-increment.
                if !identity { c.defaultSQL = defaultSQL }
                sequences.append(sequence)
            } else {
                c.defaultSQL = defaultSQL
            }
            if row[6] == "s" {
                c.defaultSQL = nil
                notes.append(
                    ExportWarning(
                        table: name, column: columnName,
                        message: "generated column exported with its values as a plain column (GENERATED ALWAYS AS \(defaultSQL ?? "?"))"))
            }
            if let base = row[2], base != declared {
                notes.append(
                    ExportWarning(
                        table: name, column: columnName,
                        message: "domain \(declared) exported as its base type \(base) (the domain's constraints are not carried over)"))
            }
            if logical == .text && kind == .text && !Self.isTextType(base: row[2] ?? declared) {
                notes.append(
                    ExportWarning(
                        table: name, column: columnName,
                        message: "type \(declared) exported as text (PostgreSQL's text form of each value)"))
            }
            columns.append(c)
            kinds.append(kind)
        }
        var table = TableSchema(name: name, columns: columns)
        for sequence in sequences {
            if let last = try connection.execute("SELECT pg_sequence_last_value($1::regclass)::text", [sequence]).string(0, 0),
                let value = Int64(last)
            {
                table.sequenceValue = max(table.sequenceValue ?? value, value)
            }
        }
        try readConstraints(oid: oid, schema: schema, into: &table, connection: connection, notes: &notes)
        try readIndexes(oid: oid, into: &table, connection: connection, notes: &notes)
        return Table(oid: oid, schema: table, kinds: kinds)
    }

    private static func isTextType(base: String) -> Bool {
        base == "text" || base.hasPrefix("character varying") || base.hasPrefix("character(") || base == "character"
            || base == "name" || base == "citext"
    }

    /// The logical type, cell conversion and type details for a PostgreSQL type (`base`: a domain's base type).
    static func mapType(declared: String, base: String) -> (LogicalType, CopyTextCell.Kind, Column) {
        var column = Column(name: "", type: .text)
        func modifiers() -> [Int] {
            guard let open = base.firstIndex(of: "("), let close = base.firstIndex(of: ")") else { return [] }
            return base[base.index(after: open)..<close].split(separator: ",").compactMap {
                Int($0.trimmingCharacters(in: .whitespaces))
            }
        }
        let native = ColumnEncoding.native
        switch base {
        case "boolean":
            column.encoding = native
            return (.boolean, .boolean, column)
        case "smallint", "integer", "bigint":
            return (.integer, .integer, column)
        case "real", "double precision":
            return (.real, .real, column)
        case "uuid":
            column.encoding = native
            return (.uuid, .text, column)
        case "json", "jsonb":
            column.encoding = native
            return (.json, .json, column)
        case "bytea":
            return (.bytes, .bytes, column)
        case "date":
            column.encoding = native
            return (.date, .date, column)
        case "text", "name", "citext":
            return (.text, .text, column)
        default:
            break
        }
        if base.hasPrefix("numeric") {
            column.encoding = native
            let p = modifiers()
            if let precision = p.first {
                column.precision = precision
                column.scale = p.count > 1 ? p[1] : 0
            }
            return (.decimal, .decimal, column)
        }
        if base.hasPrefix("character varying") || base.hasPrefix("character(") || base == "character" {
            column.maxLength = modifiers().first ?? (base == "character" ? 1 : nil)
            return (.text, .text, column)
        }
        if base.hasPrefix("timestamp") {
            column.encoding = native
            return (.timestamp, base.hasSuffix("with time zone") ? .timestampWithZone : .timestampNaive, column)
        }
        if base.hasPrefix("time") && base.hasSuffix("without time zone") {
            column.encoding = native
            return (.time, .time, column)
        }
        return (.text, .text, column)
    }

    private static func readConstraints(
        oid: String, schema: String, into table: inout TableSchema, connection: PGConnection, notes: inout [ExportWarning]
    ) throws {
        let constraints = try connection.execute(
            """
            SELECT con.conname, con.contype::text,
                   (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum)::text,
                   fc.relname, fn.nspname,
                   (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum)::text,
                   con.confdeltype::text, con.confupdtype::text, con.condeferred::text,
                   CASE WHEN con.contype = 'c' THEN pg_get_expr(con.conbin, con.conrelid) END,
                   pg_get_constraintdef(con.oid)
            FROM pg_constraint con
            LEFT JOIN pg_class fc ON fc.oid = con.confrelid
            LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
            WHERE con.conrelid = $1::oid
            ORDER BY con.contype, con.conname COLLATE "C"
            """, [oid])
        for row in constraints.rows {
            let name = row[0] ?? ""
            let columns = Self.names(row[2])
            switch row[1] {
            case "p":
                table.primaryKey = columns
            case "u":
                table.uniqueConstraints.append(UniqueConstraint(name: name, columns: columns))
            case "f":
                let referenced = row[3] ?? ""
                if row[4] != schema {
                    notes.append(
                        ExportWarning(
                            table: table.name,
                            message: "foreign key \(name) references \(row[4] ?? "?").\(referenced), outside the exported schema"))
                }
                table.foreignKeys.append(
                    ForeignKey(
                        name: name, columns: columns, referencedTable: referenced, referencedColumns: Self.names(row[5]),
                        onDelete: Self.action(row[6]), onUpdate: Self.action(row[7]), deferred: row[8] == "true"))
            case "c":
                table.checks.append(CheckConstraint(name: name, expression: Self.unwrapped(row[9] ?? "")))
            case "n":
                continue  // NOT NULL constraints (PostgreSQL 17+): the columns say it
            default:
                notes.append(ExportWarning(table: table.name, message: "constraint \(name) not exported: \(row[10] ?? "")"))
            }
        }
    }

    private static func readIndexes(
        oid: String, into table: inout TableSchema, connection: PGConnection, notes: inout [ExportWarning]
    ) throws {
        let indexes = try connection.execute(
            """
            SELECT i.relname, ix.indisunique::text, (ix.indexprs IS NOT NULL)::text,
                   pg_get_expr(ix.indpred, ix.indrelid), pg_get_indexdef(ix.indexrelid),
                   (SELECT json_agg(coalesce(a.attname, '') ORDER BY k.ord)
                    FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
                    LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum
                    WHERE k.ord <= ix.indnkeyatts)::text,
                   am.amname
            FROM pg_index ix
            JOIN pg_class i ON i.oid = ix.indexrelid
            JOIN pg_am am ON am.oid = i.relam
            WHERE ix.indrelid = $1::oid
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid AND c.conrelid = ix.indrelid)
            ORDER BY i.relname COLLATE "C"
            """, [oid])
        for row in indexes.rows {
            let name = row[0] ?? ""
            let hasExpressions = row[2] == "true"
            let definition = row[4]
            if row[6] != "btree" {
                notes.append(
                    ExportWarning(
                        table: table.name,
                        message: "index \(name) uses \(row[6] ?? "?"); a restore builds it as a btree index (\(definition ?? ""))"))
            }
            table.indexes.append(
                Index(
                    name: name, columns: Self.names(row[5]).filter { !$0.isEmpty }, unique: row[1] == "true",
                    predicate: row[3].map(Self.unwrapped), hasExpressions: hasExpressions,
                    sql: definition))
        }
    }

    /// Column names from a JSON array (`json_agg`).
    private static func names(_ json: String?) -> [String] {
        guard let json, let data = json.data(using: .utf8),
            let names = try? JSONDecoder().decode([String].self, from: data)
        else { return [] }
        return names
    }

    private static func action(_ code: String?) -> String {
        switch code {
        case "r": "RESTRICT"
        case "c": "CASCADE"
        case "n": "SET NULL"
        case "d": "SET DEFAULT"
        default: "NO ACTION"
        }
    }

    /// `(expr)` → `expr` when the outer parentheses enclose the whole text.
    static func unwrapped(_ text: String) -> String {
        guard text.hasPrefix("("), text.hasSuffix(")") else { return text }
        var depth = 0
        var quote: Character?
        for (offset, ch) in text.enumerated() {
            if let q = quote {
                if ch == q { quote = nil }
                continue
            }
            switch ch {
            case "'", "\"": quote = ch
            case "(": depth += 1
            case ")":
                depth -= 1
                if depth == 0 && offset != text.count - 1 { return text }
            default: break
            }
        }
        return String(text.dropFirst().dropLast())
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        var text = trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasSuffix(suffix) { text.removeLast(suffix.count) }
        return text
    }
}
