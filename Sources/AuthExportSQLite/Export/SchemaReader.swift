import AuthExport

/// Reads a SQLite database's schema through `sqlite_schema` and the table-valued pragmas
/// (`pragma_table_xinfo`, `pragma_index_list`, `pragma_index_xinfo`, `pragma_foreign_key_list`), completed by
/// what only the `CREATE` statements say (CHECK constraints, constraint names, collations, deferrable keys).
///
/// Related SQLite documentation: https://www.sqlite.org/pragma.html
enum SchemaReader {
    /// Reads the schema; call inside the export's read transaction.
    static func read(_ db: SQLiteConnection) throws(SQLiteError) -> SourceSchema {
        let master = try db.query("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid")
        let kinds = try tableKinds(db)
        var tables: [SourceTable] = []
        var objects: [SchemaObject] = []
        var skipped: [(name: String, reason: String)] = []
        for row in master {
            guard row.count == 4, let type = row[0].string, let name = row[1].string else { continue }
            let sql = row[3].string
            switch type {
            case "table":
                if name.hasPrefix("sqlite_") { continue }
                let kind = kinds[name] ?? (sql?.uppercased().hasPrefix("CREATE VIRTUAL") == true ? "virtual" : "table")
                if kind == "virtual" {
                    skipped.append((name, "virtual table: its data is not exported; recreate it from its SQL"))
                    continue
                }
                if kind == "shadow" {
                    skipped.append((name, "shadow table of a virtual table: not exported"))
                    continue
                }
                tables.append(try readTable(db, name: name, sql: sql))
            case "view":
                objects.append(SchemaObject(type: "view", name: name, sql: sql ?? ""))
            case "trigger":
                objects.append(SchemaObject(type: "trigger", name: name, table: row[2].string, sql: sql ?? ""))
            default:
                continue  // indexes are read per table
            }
        }
        var sequences: [String: Int64] = [:]
        if master.contains(where: { $0[1].string == "sqlite_sequence" }) {
            for row in try db.query("SELECT name, seq FROM sqlite_sequence") {
                if let name = row[0].string, let seq = row[1].integer { sequences[name] = seq }
            }
        }
        return SourceSchema(tables: tables, objects: objects, skipped: skipped, sequences: sequences)
    }

    /// `table`, `view`, `virtual` or `shadow` for each name, from `pragma_table_list` (SQLite 3.37+); empty
    /// when the library is older.
    private static func tableKinds(_ db: SQLiteConnection) throws(SQLiteError) -> [String: String] {
        guard let rows = try? db.query("SELECT name, type FROM pragma_table_list WHERE schema = 'main'") else {
            return [:]
        }
        var kinds: [String: String] = [:]
        for row in rows {
            if let name = row[0].string, let type = row[1].string { kinds[name] = type }
        }
        return kinds
    }

    private static func readTable(_ db: SQLiteConnection, name: String, sql: String?) throws(SQLiteError)
        -> SourceTable
    {
        let parsed = CreateTableInfo(sql: sql ?? "")
        let withoutRowID = try isWithoutRowID(db, name: name, sql: sql)
        let tableName = SQLiteValue.text(Array(name.utf8))

        var columns: [SourceColumn] = []
        var generated: [String] = []
        let xinfo = try db.query(
            "SELECT cid, name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?1)", [tableName])
        for row in xinfo {
            let columnName = row[1].string ?? ""
            let hidden = row[6].integer ?? 0
            if hidden == 2 || hidden == 3 {
                generated.append(columnName)
                continue
            }
            if hidden != 0 { continue }
            var column = SourceColumn(
                name: columnName, declaredType: row[2].string ?? "", notNull: (row[3].integer ?? 0) != 0,
                defaultSQL: row[4].string, primaryKeyPosition: Int(row[5].integer ?? 0),
                collation: parsed.collations[columnName.lowercased()])
            for (check, names) in zip(parsed.checks, parsed.checkColumns) where names.contains(columnName.lowercased())
            {
                column.checks.append(check.expression)
            }
            columns.append(column)
        }
        let primaryKey = columns.filter { $0.primaryKeyPosition > 0 }.sorted {
            $0.primaryKeyPosition < $1.primaryKeyPosition
        }
        .map(\.name)
        if !withoutRowID, primaryKey.count == 1,
            let i = columns.firstIndex(where: { $0.name == primaryKey[0] }),
            columns[i].declaredType.uppercased() == "INTEGER"
        {
            columns[i].isRowIDAlias = true
        }

        // Indexes and UNIQUE constraints.
        var uniques: [UniqueConstraint] = []
        var indexes: [Index] = []
        let indexList = try db.query(
            "SELECT name, \"unique\", origin, partial FROM pragma_index_list(?1) ORDER BY seq DESC", [tableName])
        for row in indexList {
            guard let indexName = row[0].string, let origin = row[2].string else { continue }
            let keyParts = try db.query(
                "SELECT cid, name FROM pragma_index_xinfo(?1) WHERE key = 1 ORDER BY seqno",
                [.text(Array(indexName.utf8))])
            let plain = keyParts.compactMap { part -> String? in
                guard let cid = part[0].integer else { return nil }
                if cid >= 0 { return part[1].string }
                return cid == -1 ? "rowid" : nil
            }
            let hasExpressions = keyParts.contains { $0[0].integer == -2 }
            switch origin {
            case "u":
                let match = parsed.uniques.first { clause in
                    clause.columns.map { $0.lowercased() } == plain.map { $0.lowercased() }
                }
                uniques.append(UniqueConstraint(name: match?.name, columns: plain))
            case "c":
                let indexSQL = try db.query(
                    "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1", [.text(Array(indexName.utf8))]
                ).first?.first?.string
                let predicate =
                    (row[3].integer ?? 0) != 0 ? indexSQL.flatMap { CreateIndexInfo.predicate(sql: $0) } : nil
                indexes.append(
                    Index(
                        name: indexName, columns: plain, unique: (row[1].integer ?? 0) != 0, predicate: predicate,
                        hasExpressions: hasExpressions, sql: indexSQL))
            default:
                continue  // "pk": the primary key itself
            }
        }

        // Foreign keys, grouped by id, in declaration order where the SQL tells it.
        let fkRows = try db.query(
            "SELECT id, seq, \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list(?1) ORDER BY id, seq",
            [tableName])
        var grouped: [(id: Int64, key: ForeignKey)] = []
        for row in fkRows {
            let id = row[0].integer ?? 0
            let from = row[3].string ?? ""
            let to = row[4].string
            if let last = grouped.last, last.id == id {
                grouped[grouped.count - 1].key.columns.append(from)
                if let to { grouped[grouped.count - 1].key.referencedColumns.append(to) }
            } else {
                grouped.append(
                    (
                        id,
                        ForeignKey(
                            columns: [from], referencedTable: row[2].string ?? "",
                            referencedColumns: to.map { [$0] } ?? [],
                            onDelete: row[6].string ?? "NO ACTION", onUpdate: row[5].string ?? "NO ACTION")
                    ))
            }
        }
        var foreignKeys: [(order: Int, key: ForeignKey)] = []
        for (id, var key) in grouped {
            let clauseIndex = parsed.foreignKeys.firstIndex { clause in
                clause.referencedTable.lowercased() == key.referencedTable.lowercased()
                    && clause.columns.map { $0.lowercased() } == key.columns.map { $0.lowercased() }
            }
            if let clauseIndex {
                key.name = parsed.foreignKeys[clauseIndex].name
                key.deferred = parsed.foreignKeys[clauseIndex].deferred
            }
            foreignKeys.append((clauseIndex ?? (Int.max - Int(id)), key))
        }
        foreignKeys.sort { $0.order < $1.order }

        let columnNames = Set((columns.map(\.name) + generated).map { $0.lowercased() })
        let rowIDName = withoutRowID ? nil : ["rowid", "_rowid_", "oid"].first { !columnNames.contains($0) }

        return SourceTable(
            name: name, sql: sql, withoutRowID: withoutRowID, columns: columns, generatedColumns: generated,
            primaryKey: primaryKey, uniqueConstraints: uniques, foreignKeys: foreignKeys.map(\.key),
            indexes: indexes, checks: parsed.checks, autoincrement: parsed.autoincrement, rowIDName: rowIDName)
    }

    private static func isWithoutRowID(_ db: SQLiteConnection, name: String, sql: String?) throws(SQLiteError) -> Bool {
        if let rows = try? db.query(
            "SELECT wr FROM pragma_table_list(?1) WHERE schema = 'main'",
            [.text(Array(name.utf8))]), let wr = rows.first?.first?.integer
        {
            return wr != 0
        }
        // Older SQLite: the statement ends with WITHOUT ROWID (possibly followed by STRICT).
        let s = SQLStatementText(sql ?? "")
        for i in 0..<s.tokens.count where s.isKeyword(i, "WITHOUT") && s.isKeyword(i + 1, "ROWID") { return true }
        return false
    }
}
