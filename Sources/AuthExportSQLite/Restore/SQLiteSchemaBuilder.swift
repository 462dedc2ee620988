import AuthExport

/// SQLite DDL for tables that come without SQLite's own CREATE statement: those of PostgreSQL archives.
///
/// Storage follows what SQLite ORMs write (SQLAlchemy, Django): uuid as 32 hex digits in `CHAR(32)`, timestamps as
/// naive UTC text `YYYY-MM-DD HH:MM:SS[.ffffff]` in `DATETIME`, booleans as 0/1, json as text with a `json_valid`
/// CHECK, decimals through NUMERIC affinity; a form chosen per column (``SQLiteValueForm``) changes uuids,
/// timestamps and json. Keys,
/// UNIQUE constraints, foreign keys and indexes are carried over; defaults, CHECK constraints and partial-index
/// predicates are PostgreSQL SQL, so they are carried only when they mean the same in SQLite (simple literals and
/// a few well-known functions are translated; anything else is reported in the summary's warnings).
enum SQLiteSchemaBuilder {
    /// The declared SQLite type for a column of a PostgreSQL archive, stored in `choice` (uuids, timestamps, json;
    /// nil: the default form).
    static func declaredType(_ column: AuthExport.Column, choice: SQLiteValueForm? = nil) -> String {
        if let form = SQLiteValueForm.generated(column.type, choice: choice), column.type != .json {
            return form.declaredType
        }
        switch column.type {
        case .boolean: return "BOOLEAN"
        case .integer: return "INTEGER"
        case .real: return "REAL"
        case .decimal:
            if let precision = column.precision {
                return "NUMERIC(\(precision), \(column.scale ?? 0))"
            }
            return "NUMERIC"
        case .text:
            if let length = column.maxLength { return "VARCHAR(\(length))" }
            return "TEXT"
        case .bytes: return "BLOB"
        // TEXT affinity keeps JSON numbers as the JSON text they are.
        case .json: return "TEXT"
        case .uuid, .timestamp: return ""  // decided by the form above
        case .date: return "DATE"
        case .time: return "TIME"
        case .any: return ""
        }
    }

    /// `CREATE TABLE` for `table`.
    ///
    /// - Parameter connection: used to check that translated CHECK expressions compile in SQLite.
    /// - Parameter choice: the form asked for a column (nil: the default).
    static func createTable(
        _ table: TableSchema, connection: SQLiteConnection, choice: (AuthExport.Column) -> SQLiteValueForm? = { _ in nil },
        warnings: inout [String]
    ) throws -> String {
        let quote = SQLiteSyntax.quote
        var definitions: [String] = []
        // A single integer key becomes the rowid (`INTEGER PRIMARY KEY`): the fastest SQLite key, and with
        // AUTOINCREMENT when the source generated it, so ids are never reused, like a PostgreSQL sequence.
        var inlineKey: String?
        if table.primaryKey.count == 1,
            let key = table.columns.first(where: { $0.name == table.primaryKey[0] }), key.type == .integer
        {
            inlineKey = key.name
        }
        for column in table.columns {
            var definition = quote(column.name)
            let type = declaredType(column, choice: choice(column))
            if column.name == inlineKey {
                definition += " INTEGER PRIMARY KEY" + (column.autoIncrement ? " AUTOINCREMENT" : "")
            } else if !type.isEmpty {
                definition += " " + type
            }
            if !column.nullable && column.name != inlineKey { definition += " NOT NULL" }
            if let source = column.defaultSQL, !column.autoIncrement {
                if let translated = translateDefault(source, column: column, choice: choice(column)) {
                    definition += " DEFAULT " + translated
                } else if !isSequenceDefault(source) {
                    warnings.append(
                        "table \(table.name), column \(column.name): default \(source) has no SQLite equivalent; "
                            + "dropped")
                }
            }
            if let collation = column.collation {
                switch collation.uppercased() {
                case "BINARY", "NOCASE", "RTRIM": definition += " COLLATE " + collation.uppercased()
                case "C", "POSIX", "DEFAULT", "UCS_BASIC": break
                default:
                    warnings.append(
                        "table \(table.name), column \(column.name): collation \(collation) has no SQLite "
                            + "equivalent; BINARY is used")
                }
            }
            if column.type == .json {
                // SQLite before 3.45 (Debian 12 has 3.40) gives json_valid(NULL) = 0, which fails the CHECK: a
                // nullable column says so, as Django's JSONField check does.
                let name = quote(column.name)
                definition += column.nullable
                    ? " CHECK (json_valid(\(name)) OR \(name) IS NULL)" : " CHECK (json_valid(\(name)))"
            }
            definitions.append(definition)
        }
        if inlineKey == nil && !table.primaryKey.isEmpty {
            definitions.append("PRIMARY KEY (\(SQLiteSyntax.quoteList(table.primaryKey)))")
        }
        for unique in table.uniqueConstraints {
            definitions.append(constraintName(unique.name) + "UNIQUE (\(SQLiteSyntax.quoteList(unique.columns)))")
        }
        for key in table.foreignKeys {
            var definition =
                constraintName(key.name) + "FOREIGN KEY (\(SQLiteSyntax.quoteList(key.columns))) REFERENCES "
                + quote(key.referencedTable)
            if !key.referencedColumns.isEmpty { definition += " (\(SQLiteSyntax.quoteList(key.referencedColumns)))" }
            for (clause, action) in [("ON DELETE", key.onDelete), ("ON UPDATE", key.onUpdate)] {
                guard let normalized = referentialAction(action) else {
                    throw ArchiveError(
                        .badRecord,
                        "foreign key \(key.name ?? key.columns.joined(separator: ", ")): unknown action \(action)",
                        location: .init(table: table.name))
                }
                if normalized != "NO ACTION" { definition += " \(clause) \(normalized)" }
            }
            if key.deferred { definition += " DEFERRABLE INITIALLY DEFERRED" }
            definitions.append(definition)
        }
        let columns = table.columns.map(\.name)
        for check in table.checks {
            if isPortableExpression(check.expression, columns: columns, connection: connection) {
                definitions.append(constraintName(check.name) + "CHECK (\(check.expression))")
            } else {
                warnings.append(
                    "table \(table.name): CHECK \(check.name.map { "\($0) " } ?? "")(\(check.expression)) is not "
                        + "valid SQLite; dropped")
            }
        }
        return "CREATE TABLE \(quote(table.name)) (\n    " + definitions.joined(separator: ",\n    ") + "\n)"
    }

    /// `CREATE INDEX` for an index of a PostgreSQL archive, or nil (with a warning) when it cannot be expressed.
    static func createIndex(
        _ index: Index, table: String, connection: SQLiteConnection, warnings: inout [String]
    ) -> String? {
        guard !index.hasExpressions, !index.columns.isEmpty else {
            warnings.append("index \(index.name) of table \(table): expression index not translated; skipped")
            return nil
        }
        var sql =
            "CREATE \(index.unique ? "UNIQUE " : "")INDEX \(SQLiteSyntax.quote(index.name)) ON "
            + "\(SQLiteSyntax.quote(table)) (\(SQLiteSyntax.quoteList(index.columns)))"
        if let predicate = index.predicate {
            guard isPortableExpression(predicate, columns: index.columns, connection: connection, table: table) else {
                warnings.append(
                    "index \(index.name) of table \(table): its WHERE clause is not valid SQLite; skipped")
                return nil
            }
            sql += " WHERE \(predicate)"
        }
        return sql
    }

    private static func constraintName(_ name: String?) -> String {
        name.map { "CONSTRAINT \(SQLiteSyntax.quote($0)) " } ?? ""
    }

    private static func referentialAction(_ action: String) -> String? {
        let normalized = action.uppercased().split(separator: " ").joined(separator: " ")
        return ["NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT"].contains(normalized) ? normalized : nil
    }

    /// Whether a PostgreSQL expression is also a valid SQLite expression over the table's columns: balanced
    /// parentheses, no statement separator, and SQLite compiles it.
    private static func isPortableExpression(
        _ expression: String, columns: [String], connection: SQLiteConnection, table: String? = nil
    ) -> Bool {
        // Comments could swallow the rest of the CREATE statement: refuse them outright.
        guard !expression.contains("--"), !expression.contains("/*") else { return false }
        var depth = 0
        for token in SQLiteSyntax.tokenize(expression) where token.kind == .symbol {
            if token.text == "(" { depth += 1 }
            if token.text == ")" { depth -= 1 }
            if depth < 0 || token.text == ";" { return false }
        }
        guard depth == 0 else { return false }
        let values = columns.map { "NULL AS \(SQLiteSyntax.quote($0))" }.joined(separator: ", ")
        let probe = "SELECT 1 FROM (SELECT \(values.isEmpty ? "NULL" : values)) WHERE (\(expression))"
        do {
            _ = try connection.prepare(probe)
            return true
        } catch {
            return false
        }
    }

    private static func isSequenceDefault(_ sql: String) -> Bool {
        sql.lowercased().hasPrefix("nextval(")
    }

    /// A SQLite default for a PostgreSQL default expression: literals (with their `::type` casts removed),
    /// booleans, the current time, date and uuid generators; nil when there is no faithful translation.
    static func translateDefault(_ sql: String, column: AuthExport.Column, choice: SQLiteValueForm? = nil) -> String? {
        let form = SQLiteValueForm.generated(column.type, choice: choice)
        let tokens = SQLiteSyntax.tokenize(sql)
        // Drop a trailing cast chain: `'x'::character varying`, `0::numeric(10,2)`, `'{}'::jsonb`.
        var core = tokens
        if let cast = tokens.indices.first(where: {
            tokens[$0].text == ":" && $0 + 1 < tokens.count && tokens[$0 + 1].text == ":"
        }) {
            core = Array(tokens[..<cast])
        }
        // Unwrap parentheses around the whole expression.
        while core.count >= 2, core.first?.text == "(", core.last?.text == ")" {
            core = Array(core.dropFirst().dropLast())
        }
        let lowered = core.map { $0.kind == .word ? $0.text.lowercased() : $0.text }
        switch lowered {
        case ["true"], ["false"]:
            return lowered[0] == "true" ? "1" : "0"
        case ["now", "(", ")"], ["current_timestamp"], ["transaction_timestamp", "(", ")"],
            ["statement_timestamp", "(", ")"], ["clock_timestamp", "(", ")"], ["localtimestamp"]:
            switch form {
            case .isoZ: return "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"
            // Milliseconds from SQLite, spelled with six digits as the ORMs write them.
            case .datetime, .datetime6: return "(strftime('%Y-%m-%d %H:%M:%f', 'now') || '000')"
            default: return nil
            }
        case ["current_date"]:
            return column.type == .date ? "(date('now'))" : nil
        case ["current_time"], ["localtime"]:
            return column.type == .time ? "(time('now'))" : nil
        case ["gen_random_uuid", "(", ")"], ["uuid_generate_v4", "(", ")"]:
            // A random version-4 uuid in the column's form.
            let dash: String
            switch form {
            case .uuidDashed: dash = "'-'"
            case .uuidHex: dash = "''"
            default: return nil
            }
            return "(lower(hex(randomblob(4))) || \(dash) || lower(hex(randomblob(2))) || \(dash) || '4' || "
                + "substr(lower(hex(randomblob(2))), 2) || \(dash) || substr('89ab', 1 + (abs(random()) % 4), 1) || "
                + "substr(lower(hex(randomblob(2))), 2) || \(dash) || lower(hex(randomblob(6))))"
        default:
            break
        }
        if core.count == 1 && core[0].kind == .string {
            let text = core[0].text
            if column.type == .boolean {
                switch text.lowercased() {
                case "t", "true", "y", "yes", "on", "1": return "1"
                case "f", "false", "n", "no", "off", "0": return "0"
                default: return nil
                }
            }
            return SQLiteSyntax.literal(text)
        }
        // A number, possibly negative: `-1`, `0.5`.
        let numberTokens = core.first?.text == "-" ? Array(core.dropFirst()) : core
        if numberTokens.count == 1, numberTokens[0].kind == .number, !numberTokens[0].text.lowercased().hasPrefix("x"),
            Double(numberTokens[0].text) != nil
        {
            return (core.count == 2 ? "-" : "") + numberTokens[0].text
        }
        if lowered == ["null"] { return "NULL" }
        return nil
    }
}
