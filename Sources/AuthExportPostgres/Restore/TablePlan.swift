import AuthExport

/// One SQL statement of a restore, with what it is for.
struct PlannedStatement {
    /// When PostgreSQL may reject it as untranslatable: the note to report instead of failing.
    enum Mode {
        /// Must succeed; any error fails the restore.
        case required
        /// Translated from the source dialect: if PostgreSQL rejects it (syntax, unknown function or type,
        /// invalid reference), the restore reports `note` and goes on. Data violations still fail the restore.
        case attempt(note: String)
        /// If it fails with one of `states`, run `sql` instead and report `note`.
        case fallback(states: Set<String>, sql: String, note: String)
    }

    var sql: String
    var mode: Mode
    /// The archive table it concerns.
    var table: String?
    /// What it does, for error messages: `adding primary key to users`.
    var operation: String
    /// A note to report when it succeeds (`view v created from SQLite SQL`).
    var successNote: RestoreNote?
}

/// A column as it is created in PostgreSQL.
struct ColumnPlan {
    let source: Column
    /// The PostgreSQL column name (the archive name, or its shortened form).
    let pgName: String
    /// The type created (may be widened during the load).
    var type: PGType
    /// A default that cannot fail, written into CREATE TABLE.
    var inlineDefault: String?
    /// A default tried after CREATE TABLE (reported when PostgreSQL rejects it).
    var attemptedDefault: String?
    /// Whether the column becomes an identity column after the load.
    var identity = false
    /// Whether the column is created as `serial`/`bigserial`/`smallserial` (a serial column of a PostgreSQL
    /// archive: its default is `nextval(…)` of a sequence it owns), set past the highest value after the load.
    var serial = false

    /// The type as written in CREATE TABLE.
    var createSQL: String {
        guard serial else { return type.sql }
        switch type {
        case .smallint: return "smallserial"
        case .bigint: return "bigserial"
        default: return "serial"
        }
    }
}

/// How one archive table is created and loaded.
struct TablePlan {
    let source: TableSchema
    /// The table's PostgreSQL name.
    let pgName: String
    /// The name it is created under (a temporary one while `--clean` keeps the old table until the end).
    var createName: String
    var columns: [ColumnPlan]
    /// The columns archive expressions may name: lowercased archive name → PostgreSQL name (names that differ only
    /// by case are left out: an expression naming them is not restored).
    var expressionColumns: [String: PostgresExpressionEmitter.ColumnName]
    /// The dialect of the archive's SQL texts.
    let dialect: SQLExpressionParser.Dialect
    /// Notes from planning.
    var notes: [RestoreNote] = []

    /// Plans `table`: names, types, defaults. `representations` holds the `--profile`/`--as` choice of each column
    /// that has one (archive column name → representation).
    ///
    /// - Throws: `PostgresError` `.invalidIdentifier` for names PostgreSQL cannot take or that collide.
    init(
        _ table: TableSchema, backend: String, representations: [String: TargetRepresentation] = [:]
    ) throws(PostgresError) {
        source = table
        dialect = SQLExpressionParser.Dialect(backend: backend)
        let location = ArchiveError.Location(table: table.name)
        do {
            pgName = try IdentifierMap.pgName(table.name, kind: "table")
        } catch {
            throw error.filling(location)
        }
        createName = pgName
        if pgName != table.name {
            notes.append(RestoreNote(.renamed, table: table.name, "table name longer than 63 bytes: created as \"\(pgName)\""))
        }
        var columnNames = NameSpace("columns of table \(table.name)")
        var columns: [ColumnPlan] = []
        var expressionColumns: [String: PostgresExpressionEmitter.ColumnName] = [:]
        var ambiguous = Set<String>()
        for column in table.columns {
            let name: String
            do {
                name = try IdentifierMap.pgName(column.name, kind: "column")
                try columnNames.claim(name, by: "column \"\(column.name)\"")
            } catch {
                throw error.filling(.init(table: table.name, column: column.name))
            }
            if name != column.name {
                notes.append(
                    RestoreNote(.renamed, table: table.name, "column \(column.name) longer than 63 bytes: created as \"\(name)\""))
            }
            let (type, typeNote) = TypeMapping.pgType(
                for: column, backend: backend, representation: representations[column.name])
            if let typeNote { notes.append(RestoreNote(.typeChanged, table: table.name, "column \(column.name): \(typeNote)")) }
            var plan = ColumnPlan(source: column, pgName: name, type: type)
            if let collation = column.collation, collation.uppercased() != "BINARY" {
                notes.append(
                    RestoreNote(
                        .notRestored, table: table.name,
                        "column \(column.name): collation \(collation) not restored (PostgreSQL compares with the database collation)"))
            }
            if let defaultSQL = column.defaultSQL {
                switch DefaultTranslator.translate(defaultSQL, column: column, type: type, backend: backend) {
                case .none: break
                case .sql(let sql, let certain):
                    if certain { plan.inlineDefault = sql } else { plan.attemptedDefault = sql }
                case .untranslatable(let reason):
                    // A PostgreSQL default is parsed by the allow-list grammar (what --strict-sql refuses); a SQLite
                    // one has no PostgreSQL equivalent (as for a SQLite restore, --strict-sql leaves defaults alone).
                    var note = RestoreNote(
                        .notRestored, table: table.name, "column \(column.name): default \(defaultSQL) not restored (\(reason))")
                    note.isOutsideAllowList = backend == "postgresql"
                    notes.append(note)
                }
            }
            columns.append(plan)
            let key = column.name.lowercased()
            if expressionColumns[key] != nil { ambiguous.insert(key) }
            expressionColumns[key] = .init(pgName: name, isBoolean: type == .boolean)
        }
        for key in ambiguous { expressionColumns[key] = nil }
        // Auto-increment keys become identity columns, added after the load and set past the highest value.
        for i in columns.indices where columns[i].source.autoIncrement {
            let c = columns[i]
            let isKey = table.primaryKey == [c.source.name] || !c.source.nullable
            if backend == "postgresql", c.type.isInteger,
                c.source.defaultSQL?.trimmingSpaces().lowercased().hasPrefix("nextval(") == true
            {
                // A serial column of a PostgreSQL source comes back as one (the default names its own sequence).
                columns[i].serial = true
                columns[i].inlineDefault = nil
                columns[i].attemptedDefault = nil
            } else if c.type.isInteger && isKey {
                columns[i].identity = true
                columns[i].inlineDefault = nil
                columns[i].attemptedDefault = nil
            } else {
                notes.append(
                    RestoreNote(
                        .notRestored, table: table.name,
                        "column \(c.source.name): auto-increment not restored (only for a NOT NULL or primary key integer column)"))
            }
        }
        self.columns = columns
        self.expressionColumns = expressionColumns
    }

    /// The emitter for an expression over this table's columns.
    func emitter(_ context: PostgresExpressionEmitter.Context) -> PostgresExpressionEmitter {
        var emitter = PostgresExpressionEmitter(dialect: dialect, context: context)
        emitter.scope = [(source.name.lowercased(), .init(pgName: pgName, columns: expressionColumns))]
        return emitter
    }

    /// An archive expression (CHECK, index WHERE) as PostgreSQL SQL, or why it is left out.
    func expressionSQL(_ text: String, context: PostgresExpressionEmitter.Context = .constraint) -> Result<String, PostgresExpressionEmitter.Unsupported> {
        do {
            let tree = try SQLExpressionParser.expression(text, dialect: dialect)
            return .success(try emitter(context).emit(tree))
        } catch let failure as SQLExpressionParser.Failure {
            return .failure(.init("cannot parse it (\(failure.message))"))
        } catch let unsupported as PostgresExpressionEmitter.Unsupported {
            return .failure(unsupported)
        } catch {
            return .failure(.init("\(error)"))
        }
    }

    /// Whether `tree` is `column IN (0, 1)` on a boolean column: SQLAlchemy's `create_constraint=True` check, which
    /// the PostgreSQL `boolean` type implies.
    func isBooleanDomainCheck(_ tree: SQLExpression) -> Bool {
        guard case .inList(.column(nil, let name, _), let values, negated: false) = tree,
            expressionColumns[name.lowercased()]?.isBoolean == true
        else { return false }
        return Set(values) == [.number("0"), .number("1")]
    }

    /// Whether `tree` is `json_valid(column)`, optionally `OR column IS NULL`, on a jsonb column: Django's JSONField
    /// check on SQLite, which the PostgreSQL `jsonb` type implies.
    func isJSONValidCheck(_ tree: SQLExpression) -> Bool {
        func jsonColumn(_ e: SQLExpression) -> String? {
            guard case .column(nil, let name, _) = e else { return nil }
            return columns.first { $0.type == .jsonb && $0.source.name.lowercased() == name.lowercased() }?.source.name
        }
        if case .function("json_valid", let args, false, false) = tree, args.count == 1, jsonColumn(args[0]) != nil {
            return true
        }
        guard case .binary(.or, .function("json_valid", let args, false, false), .isNull(let c, negated: false)) = tree,
            args.count == 1, let a = jsonColumn(args[0]), let b = jsonColumn(c)
        else { return false }
        return a == b
    }

    /// The PostgreSQL name of an archive column.
    func pgColumn(_ name: String) -> String? { columns.first { $0.source.name == name }?.pgName }

    func qualified(_ schema: String, created: Bool = false) -> String {
        PGConnection.quoteIdentifier(schema) + "." + PGConnection.quoteIdentifier(created ? createName : pgName)
    }

    /// The qualified name as a `regclass`/text parameter reads it (`"schema"."name"`, never the `U&` form).
    func qualifiedParameter(_ schema: String) -> String {
        PGConnection.quoteIdentifierParameter(schema) + "." + PGConnection.quoteIdentifierParameter(pgName)
    }

    /// A quoted column list of archive column names, or nil (with a note) if one is unknown.
    func columnList(_ names: [String], what: String, notes: inout [RestoreNote]) -> String? {
        var out: [String] = []
        for name in names {
            guard let pg = pgColumn(name) else {
                notes.append(RestoreNote(.notRestored, table: source.name, "\(what) not restored: the table has no column \(name)"))
                return nil
            }
            out.append(PGConnection.quoteIdentifier(pg))
        }
        return out.joined(separator: ", ")
    }

    /// `CREATE TABLE` with columns, types, NOT NULL and the defaults that cannot fail. Keys come after the load.
    func createTable(schema: String) -> String {
        var lines: [String] = []
        for c in columns {
            var line = "    " + PGConnection.quoteIdentifier(c.pgName) + " " + c.createSQL
            if !c.source.nullable { line += " NOT NULL" }
            if let d = c.inlineDefault { line += " DEFAULT " + d }
            lines.append(line)
        }
        return "CREATE TABLE \(qualified(schema, created: true)) (\n" + lines.joined(separator: ",\n") + "\n)"
    }

    /// The defaults tried one by one after CREATE TABLE.
    func attemptedDefaults(schema: String) -> [PlannedStatement] {
        columns.compactMap { c in
            guard let d = c.attemptedDefault else { return nil }
            return PlannedStatement(
                sql: "ALTER TABLE \(qualified(schema, created: true)) ALTER COLUMN \(PGConnection.quoteIdentifier(c.pgName)) SET DEFAULT \(d)",
                mode: .attempt(note: "column \(c.source.name): default \(c.source.defaultSQL ?? d) not restored"),
                table: source.name, operation: "setting the default of column \(c.source.name)")
        }
    }

    /// Primary key, UNIQUE constraints, CHECK constraints and indexes, in pg_restore's order.
    func keysAndIndexes(schema: String, relations: inout NameSpace, notes: inout [RestoreNote]) throws
        -> [PlannedStatement]
    {
        var out: [PlannedStatement] = []
        let table = qualified(schema)
        func claimedName(_ name: String?, kind: String) throws(PostgresError) -> String? {
            guard let name else { return nil }
            let pg: String
            do { pg = try IdentifierMap.pgName(name, kind: kind) } catch { throw error.filling(.init(table: source.name)) }
            if pg != name {
                notes.append(RestoreNote(.renamed, table: source.name, "\(kind) \(name) longer than 63 bytes: created as \"\(pg)\""))
            }
            do { try relations.claim(pg, by: "\(kind) \"\(name)\"") } catch { throw error.filling(.init(table: source.name)) }
            return pg
        }
        if !source.primaryKey.isEmpty, let list = columnList(source.primaryKey, what: "primary key", notes: &notes) {
            // SQLite lets a PRIMARY KEY that is not INTEGER hold NULLs; it then behaves as UNIQUE, which is what
            // PostgreSQL gets when the key columns really contain NULLs.
            let nullable = source.primaryKey.filter { name in source.columns.first { $0.name == name }?.nullable ?? false }
            let mode: PlannedStatement.Mode =
                nullable.isEmpty
                ? .required
                : .fallback(
                    states: ["23502"], sql: "ALTER TABLE \(table) ADD UNIQUE (\(list))",
                    note: "primary key (\(source.primaryKey.joined(separator: ", "))) created as UNIQUE: the source "
                        + "key column holds NULLs, which SQLite allows in a non-INTEGER PRIMARY KEY")
            out.append(
                PlannedStatement(
                    sql: "ALTER TABLE \(table) ADD PRIMARY KEY (\(list))", mode: mode, table: source.name,
                    operation: "adding the primary key of \(source.name)"))
        }
        for unique in source.uniqueConstraints {
            guard let list = columnList(unique.columns, what: "UNIQUE constraint", notes: &notes) else { continue }
            let name = try claimedName(unique.name, kind: "constraint")
            let named = name.map { "CONSTRAINT \(PGConnection.quoteIdentifier($0)) " } ?? ""
            out.append(
                PlannedStatement(
                    sql: "ALTER TABLE \(table) ADD \(named)UNIQUE (\(list))", mode: .required, table: source.name,
                    operation: "adding UNIQUE (\(unique.columns.joined(separator: ", "))) to \(source.name)"))
        }
        for check in source.checks {
            let tree = try? SQLExpressionParser.expression(check.expression, dialect: dialect)
            if let tree, isBooleanDomainCheck(tree) {
                notes.append(
                    RestoreNote(.implied, table: source.name, "CHECK (\(check.expression)) left out: the boolean type implies it"))
                continue
            }
            if let tree, isJSONValidCheck(tree) {
                notes.append(
                    RestoreNote(.implied, table: source.name, "CHECK (\(check.expression)) left out: the jsonb type implies it"))
                continue
            }
            let expression: String
            switch expressionSQL(check.expression) {
            case .success(let sql): expression = sql
            case .failure(let reason):
                notes.append(RestoreNote.outsideAllowList(table: source.name, "CHECK (\(check.expression)) left out: \(reason.message)"))
                continue
            }
            var name: String?
            if let n = check.name {
                do { name = try IdentifierMap.pgName(n, kind: "constraint") } catch { throw error.filling(.init(table: source.name)) }
                if name != n {
                    notes.append(RestoreNote(.renamed, table: source.name, "constraint \(n) longer than 63 bytes: created as \"\(name ?? n)\""))
                }
            }
            let named = name.map { "CONSTRAINT \(PGConnection.quoteIdentifier($0)) " } ?? ""
            out.append(
                PlannedStatement(
                    sql: "ALTER TABLE \(table) ADD \(named)CHECK (\(expression))",
                    mode: .attempt(note: "CHECK (\(check.expression)) not restored"), table: source.name,
                    operation: "adding CHECK (\(check.expression)) to \(source.name)"))
        }
        for index in source.indexes {
            let keys: String
            var predicateSQL: String?
            if index.hasExpressions {
                guard let sql = index.sql else {
                    notes.append(
                        RestoreNote(.notRestored, table: source.name, "index \(index.name) on expressions left out: the archive has no SQL for it"))
                    continue
                }
                switch try indexKeys(ofIndexSQL: sql, index: index.name) {
                case .success(let (list, predicate)):
                    keys = list
                    predicateSQL = predicate
                case .failure(let reason):
                    notes.append(RestoreNote.outsideAllowList(table: source.name, "index \(index.name) on expressions left out: \(reason.message)"))
                    continue
                }
            } else {
                guard let list = columnList(index.columns, what: "index \(index.name)", notes: &notes) else { continue }
                keys = list
            }
            if let predicate = index.predicate {
                switch expressionSQL(predicate) {
                case .success(let sql): predicateSQL = sql
                case .failure(let reason):
                    notes.append(RestoreNote.outsideAllowList(table: source.name, "index \(index.name) left out: WHERE \(predicate): \(reason.message)"))
                    continue
                }
            }
            let name = try claimedName(index.name, kind: "index") ?? index.name
            let unique = index.unique ? "UNIQUE " : ""
            var sql = "CREATE \(unique)INDEX \(PGConnection.quoteIdentifier(name)) ON \(table) (\(keys))"
            if let predicateSQL { sql += " WHERE \(predicateSQL)" }
            let translated = index.hasExpressions || predicateSQL != nil
            out.append(
                PlannedStatement(
                    sql: sql, mode: translated ? .attempt(note: "index \(index.name) not restored") : .required,
                    table: source.name, operation: "creating index \(index.name)"))
        }
        return out
    }

    /// The key list (and predicate) of a source `CREATE INDEX` statement as PostgreSQL SQL, or why not.
    ///
    /// - Throws: `ArchiveError` `.badRecord` when the text holds a second statement (spec §12: rejected).
    func indexKeys(ofIndexSQL sql: String, index: String) throws(ArchiveError)
        -> Result<(String, String?), PostgresExpressionEmitter.Unsupported>
    {
        let statement: SQLIndexStatement
        do {
            statement = try SQLExpressionParser.index(sql, dialect: dialect)
        } catch {
            if error.isSecondStatement {
                throw ArchiveError(
                    .badRecord, "index \(index): its sql holds more than one statement; the archive is not safe to restore",
                    location: .init(table: source.name))
            }
            return .failure(.init("cannot parse its SQL (\(error.message))"))
        }
        let emitter = emitter(.constraint)
        var keys: [String] = []
        do {
            for key in statement.keys {
                var text: String
                if case .column(nil, let name, _) = key.expression, let column = expressionColumns[name.lowercased()] {
                    text = PGConnection.quoteIdentifier(column.pgName)
                } else {
                    text = "(" + (try emitter.emit(key.expression)) + ")"
                }
                if let collation = key.collation {
                    guard PostgresExpressionEmitter.collations.contains(collation.lowercased()) else {
                        return .failure(.init("collation \(collation)"))
                    }
                    text += " COLLATE " + PGConnection.quoteIdentifier(collation.lowercased() == "default" ? "default" : collation.uppercased())
                }
                if key.descending { text += " DESC" }
                keys.append(text)
            }
            let predicate = try statement.predicate.map { e throws(PostgresExpressionEmitter.Unsupported) in try emitter.emit(e) }
            return .success((keys.joined(separator: ", "), predicate))
        } catch {
            return .failure(error)
        }
    }

    /// The foreign keys; `target` finds the plan (or existing PostgreSQL name) of a referenced table.
    func foreignKeys(schema: String, referenced: (String) -> (pgName: String, plan: TablePlan?)?, notes: inout [RestoreNote])
        throws(PostgresError) -> [PlannedStatement]
    {
        var out: [PlannedStatement] = []
        let actions: Set<String> = ["NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT"]
        for fk in source.foreignKeys {
            let what = "foreign key (\(fk.columns.joined(separator: ", "))) → \(fk.referencedTable)"
            guard let list = columnList(fk.columns, what: what, notes: &notes) else { continue }
            guard let target = referenced(fk.referencedTable) else {
                notes.append(
                    RestoreNote(
                        .notRestored, table: source.name,
                        "\(what) not restored: table \(fk.referencedTable) is neither in this restore nor in the target schema"))
                continue
            }
            var refList = ""
            if !fk.referencedColumns.isEmpty {
                var names: [String] = []
                for c in fk.referencedColumns {
                    let pg: String
                    if let plan = target.plan {
                        guard let mapped = plan.pgColumn(c) else {
                            notes.append(
                                RestoreNote(.notRestored, table: source.name, "\(what) not restored: \(fk.referencedTable) has no column \(c)"))
                            names = []
                            break
                        }
                        pg = mapped
                    } else {
                        do { pg = try IdentifierMap.pgName(c, kind: "column") } catch { throw error.filling(.init(table: source.name)) }
                    }
                    names.append(PGConnection.quoteIdentifier(pg))
                }
                if names.isEmpty { continue }
                refList = " (" + names.joined(separator: ", ") + ")"
            }
            let onDelete = fk.onDelete.uppercased()
            let onUpdate = fk.onUpdate.uppercased()
            guard actions.contains(onDelete), actions.contains(onUpdate) else {
                notes.append(RestoreNote(.notRestored, table: source.name, "\(what) not restored: unknown action \(fk.onDelete)/\(fk.onUpdate)"))
                continue
            }
            var sql = "ALTER TABLE \(qualified(schema)) ADD "
            if let name = fk.name {
                let pg: String
                do { pg = try IdentifierMap.pgName(name, kind: "constraint") } catch { throw error.filling(.init(table: source.name)) }
                if pg != name {
                    notes.append(RestoreNote(.renamed, table: source.name, "constraint \(name) longer than 63 bytes: created as \"\(pg)\""))
                }
                sql += "CONSTRAINT \(PGConnection.quoteIdentifier(pg)) "
            }
            sql += "FOREIGN KEY (\(list)) REFERENCES \(PGConnection.quoteIdentifier(schema)).\(PGConnection.quoteIdentifier(target.pgName))\(refList)"
            if onDelete != "NO ACTION" { sql += " ON DELETE \(onDelete)" }
            if onUpdate != "NO ACTION" { sql += " ON UPDATE \(onUpdate)" }
            if fk.deferred { sql += " DEFERRABLE INITIALLY DEFERRED" }
            out.append(
                PlannedStatement(
                    sql: sql, mode: .attempt(note: "\(what) not restored"), table: source.name,
                    operation: "adding \(what) to \(source.name)"))
        }
        return out
    }

    /// Identity for auto-increment keys: added after the load, then set past the highest value.
    func identities(schema: String, withData: Bool) -> [PlannedStatement] {
        var out: [PlannedStatement] = []
        for c in columns where c.serial && withData {
            out.append(sequenceReset(schema: schema, column: c.pgName))
        }
        for c in columns where c.identity {
            let column = PGConnection.quoteIdentifier(c.pgName)
            out.append(
                PlannedStatement(
                    sql: "ALTER TABLE \(qualified(schema)) ALTER COLUMN \(column) ADD GENERATED BY DEFAULT AS IDENTITY",
                    mode: .required, table: source.name, operation: "making \(c.source.name) an identity column"))
            if withData {
                out.append(sequenceReset(schema: schema, column: c.pgName))
            }
        }
        return out
    }

    /// Sets the sequence of `column` (serial or identity) past the highest value in the table, or past the
    /// archive's recorded sequence value when that is higher (rows were deleted at the source).
    func sequenceReset(schema: String, column: String) -> PlannedStatement {
        let table = qualified(schema)
        let literal = PGConnection.quoteLiteral(table)
        let q = PGConnection.quoteIdentifier(column)
        let highest = source.sequenceValue.map { "greatest(max(\(q)), \($0))" } ?? "max(\(q))"
        return PlannedStatement(
            sql: "SELECT setval(pg_get_serial_sequence(\(literal), \(PGConnection.quoteLiteral(column))), m) "
                + "FROM (SELECT \(highest) AS m FROM \(table)) AS t WHERE m IS NOT NULL",
            mode: .required, table: source.name, operation: "setting the sequence of \(source.name).\(column)")
    }
}
