import AuthExport

extension PostgresExpressionEmitter {
    /// `CREATE VIEW "schema"."name" [(columns)] AS SELECT …` written from a parsed view statement: every table must
    /// be one of `relations` (restored tables and views already created, by lowercased archive name), every
    /// expression passes the view context's allow-list.
    static func viewSQL(
        _ view: SQLViewStatement, pgName: String, schema: String, dialect: SQLExpressionParser.Dialect,
        relations: [String: Relation]
    ) throws(Unsupported) -> String {
        let select = view.select
        var emitter = PostgresExpressionEmitter(dialect: dialect, context: .view)
        emitter.schema = schema
        var from: [String] = []
        for source in select.sources {
            guard let relation = relations[source.table.lowercased()] else {
                throw Unsupported("it reads \(source.table), which is not a table or view of this restore")
            }
            let key = (source.alias ?? relation.pgName).lowercased()
            guard !emitter.scope.contains(where: { $0.name == key }) else {
                throw Unsupported("\(source.alias ?? source.table) appears twice in its FROM list")
            }
            emitter.scope.append((key, relation))
            emitter.aliasSpelling[key] = source.alias ?? relation.pgName
        }
        // A source named by its archive name (t.c) also resolves when the PostgreSQL name differs.
        for source in select.sources where source.alias == nil {
            if let relation = relations[source.table.lowercased()], source.table.lowercased() != relation.pgName.lowercased(),
                !emitter.scope.contains(where: { $0.name == source.table.lowercased() })
            {
                emitter.scope.append((source.table.lowercased(), relation))
                emitter.aliasSpelling[source.table.lowercased()] = relation.pgName
            }
        }
        for (index, source) in select.sources.enumerated() {
            guard let relation = relations[source.table.lowercased()] else { continue }
            var text = PGConnection.quoteIdentifier(schema) + "." + PGConnection.quoteIdentifier(relation.pgName)
            if let alias = source.alias { text += " AS " + PGConnection.quoteIdentifier(alias) }
            if let join = source.join {
                if join == "," {
                    from.append(", " + text)
                    continue
                }
                text = join + " " + text
                if let on = source.on { text += " ON " + (try emitter.emit(on)) }
                from.append(" " + text)
            } else {
                precondition(index == 0)
                from.append(text)
            }
        }
        var items: [String] = []
        for item in select.items {
            switch item {
            case .all(let table):
                if let table {
                    guard emitter.scope.contains(where: { $0.name == table.lowercased() }) else {
                        throw Unsupported("it names \(table).*, which is not in its FROM list")
                    }
                    items.append(PGConnection.quoteIdentifier(emitter.aliasSpelling[table.lowercased()] ?? table) + ".*")
                } else {
                    items.append("*")
                }
            case .expression(let e, let alias):
                var text = try emitter.emit(e)
                if let alias {
                    text += " AS " + PGConnection.quoteIdentifier(alias)
                    emitter.outputNames.insert(alias.lowercased())
                } else if case .column(_, let name, _) = e {
                    text += " AS " + PGConnection.quoteIdentifier((try? IdentifierMap.pgName(name, kind: "column")) ?? name)
                }
                items.append(text)
            }
        }
        var sql = "SELECT " + (select.distinct ? "DISTINCT " : "") + items.joined(separator: ", ")
        if !from.isEmpty { sql += " FROM " + from.joined() }
        if let filter = select.filter { sql += " WHERE " + (try emitter.emit(filter)) }
        if !select.groupBy.isEmpty {
            var groups: [String] = []
            for g in select.groupBy { groups.append(try emitter.emit(g)) }
            sql += " GROUP BY " + groups.joined(separator: ", ")
        }
        if let having = select.having { sql += " HAVING " + (try emitter.emit(having)) }
        if !select.orderBy.isEmpty {
            var orders: [String] = []
            for o in select.orderBy { orders.append(try emitter.emit(o.expression) + (o.descending ? " DESC" : "")) }
            sql += " ORDER BY " + orders.joined(separator: ", ")
        }
        if let limit = select.limit { sql += " LIMIT " + (try emitter.emit(limit)) }
        if let offset = select.offset { sql += " OFFSET " + (try emitter.emit(offset)) }
        var columns = ""
        if !view.columns.isEmpty {
            columns = " (" + view.columns.map { PGConnection.quoteIdentifier((try? IdentifierMap.pgName($0, kind: "column")) ?? $0) }
                .joined(separator: ", ") + ")"
        }
        return "CREATE VIEW \(PGConnection.quoteIdentifier(schema)).\(PGConnection.quoteIdentifier(pgName))\(columns) AS \(sql)"
    }
}
