/// Converts control records to and from JSON, with the field names and key order the spec fixes.
///
/// Spec: spec/FORMAT.md#records
package enum RecordCodec {
    // MARK: Encoding

    package static func json(_ header: ArchiveHeader) -> JSONValue {
        var source: [(String, JSONValue)] = [
            ("backend", .string(header.source.backend)), ("database", .string(header.source.database)),
        ]
        if let version = header.source.serverVersion { source.append(("server_version", .string(version))) }
        return .object([
            ("kind", "header"), ("format", .string(FormatVersion.formatName)), ("version", .string(header.version)),
            ("created_at", .string(header.createdAt)), ("producer", .string(header.producer)),
            ("source", .object(source)),
        ])
    }

    package static func json(_ table: TableSchema) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("kind", "table"), ("name", .string(table.name)), ("columns", .array(table.columns.map(json))),
            ("primary_key", strings(table.primaryKey)),
            ("unique", .array(table.uniqueConstraints.map { u in named(u.name, [("columns", strings(u.columns))]) })),
            ("foreign_keys", .array(table.foreignKeys.map(json))),
            ("indexes", .array(table.indexes.map(json))),
            ("checks", .array(table.checks.map { c in named(c.name, [("expression", .string(c.expression))]) })),
        ]
        if let sql = table.sql { members.append(("sql", .string(sql))) }
        if table.withoutRowID { members.append(("without_rowid", .bool(true))) }
        if let sequence = table.sequenceValue { members.append(("sequence", .integer(sequence))) }
        return .object(members)
    }

    static func json(_ column: Column) -> JSONValue {
        var m: [(String, JSONValue)] = [
            ("name", .string(column.name)), ("type", .string(column.type.rawValue)), ("nullable", .bool(column.nullable)),
        ]
        if let v = column.sourceType { m.append(("source_type", .string(v))) }
        if let v = column.encoding { m.append(("encoding", .string(v.rawValue))) }
        if let v = column.timeZone { m.append(("time_zone", .string(v))) }
        if let v = column.offset { m.append(("offset", .string(v))) }
        if let v = column.defaultSQL { m.append(("default", .string(v))) }
        if column.autoIncrement { m.append(("auto_increment", .bool(true))) }
        if let v = column.maxLength { m.append(("max_length", .integer(Int64(v)))) }
        if let v = column.precision { m.append(("precision", .integer(Int64(v)))) }
        if let v = column.scale { m.append(("scale", .integer(Int64(v)))) }
        if let v = column.collation { m.append(("collation", .string(v))) }
        return .object(m)
    }

    static func json(_ fk: ForeignKey) -> JSONValue {
        var m: [(String, JSONValue)] = []
        if let name = fk.name { m.append(("name", .string(name))) }
        m.append(("columns", strings(fk.columns)))
        m.append(
            ("references", .object([("table", .string(fk.referencedTable)), ("columns", strings(fk.referencedColumns))])))
        m.append(("on_delete", .string(fk.onDelete)))
        m.append(("on_update", .string(fk.onUpdate)))
        if fk.deferred { m.append(("deferred", .bool(true))) }
        return .object(m)
    }

    static func json(_ index: Index) -> JSONValue {
        var m: [(String, JSONValue)] = [
            ("name", .string(index.name)), ("columns", strings(index.columns)), ("unique", .bool(index.unique)),
        ]
        if let v = index.predicate { m.append(("where", .string(v))) }
        if index.hasExpressions { m.append(("expressions", .bool(true))) }
        if let v = index.sql { m.append(("sql", .string(v))) }
        return .object(m)
    }

    package static func json(_ end: TableEnd) -> JSONValue {
        .object([("kind", "table_end"), ("table", .string(end.table)), ("rows", .integer(end.rows)), ("sha256", .string(end.sha256))])
    }

    package static func json(_ object: SchemaObject) -> JSONValue {
        var m: [(String, JSONValue)] = [("kind", "object"), ("type", .string(object.type)), ("name", .string(object.name))]
        if let table = object.table { m.append(("table", .string(table))) }
        m.append(("sql", .string(object.sql)))
        return .object(m)
    }

    package static func json(_ end: ArchiveEnd) -> JSONValue {
        .object([
            ("kind", "end"), ("tables", .integer(Int64(end.tables))), ("rows", .integer(end.rows)),
            ("sha256", .string(end.sha256)),
            ("index", .array(end.index.map(json))),
        ])
    }

    package static func json(_ e: ArchiveEnd.IndexEntry) -> JSONValue {
        .object([
            ("table", .string(e.table)), ("offset", .integer(e.offset)), ("compressed_bytes", .integer(e.compressedBytes)),
            ("uncompressed_bytes", .integer(e.uncompressedBytes)), ("rows", .integer(e.rows)),
        ])
    }

    private static func strings(_ values: [String]) -> JSONValue { .array(values.map { .string($0) }) }

    private static func named(_ name: String?, _ rest: [(String, JSONValue)]) -> JSONValue {
        .object((name.map { [("name", JSONValue.string($0))] } ?? []) + rest)
    }

    // MARK: Decoding

    /// A problem decoding a control record: which field and what was expected.
    package struct Failure: Error {
        package var message: String
    }

    package static func header(_ json: JSONValue) throws(Failure) -> ArchiveHeader {
        let o = Fields(json, "header")
        let format = try o.string("format")
        guard format == FormatVersion.formatName else {
            throw Failure(message: "header: \"format\" is \"\(format)\", expected \"\(FormatVersion.formatName)\"")
        }
        let source = Fields(try o.required("source"), "header.source")
        return ArchiveHeader(
            createdAt: try o.string("created_at"), producer: try o.string("producer"),
            source: .init(
                backend: try source.string("backend"), database: try source.string("database"),
                serverVersion: try source.optionalString("server_version")),
            version: try o.string("version"))
    }

    package static func table(_ json: JSONValue) throws(Failure) -> TableSchema {
        let o = Fields(json, "table")
        let name = try o.string("name")
        let context = "table \(name)"
        let columns = try o.array("columns").enumerated().map { (i, c) throws(Failure) in try column(c, "\(context) column \(i + 1)") }
        guard !columns.isEmpty else { throw Failure(message: "\(context): \"columns\" is empty") }
        var names = Set<String>()
        for c in columns where !names.insert(c.name).inserted {
            throw Failure(message: "\(context): column \(c.name) appears twice")
        }
        let uniques = try o.optionalArray("unique").map { (u) throws(Failure) in
            let f = Fields(u, "\(context) unique")
            return UniqueConstraint(name: try f.optionalString("name"), columns: try f.strings("columns"))
        }
        let fks = try o.optionalArray("foreign_keys").map { (v) throws(Failure) in
            let f = Fields(v, "\(context) foreign key")
            let refs = Fields(try f.required("references"), "\(context) foreign key references")
            return ForeignKey(
                name: try f.optionalString("name"), columns: try f.strings("columns"),
                referencedTable: try refs.string("table"), referencedColumns: try refs.strings("columns"),
                onDelete: try f.optionalString("on_delete") ?? "NO ACTION",
                onUpdate: try f.optionalString("on_update") ?? "NO ACTION",
                deferred: try f.optionalBool("deferred") ?? false)
        }
        let indexes = try o.optionalArray("indexes").map { (v) throws(Failure) in
            let f = Fields(v, "\(context) index")
            return Index(
                name: try f.string("name"), columns: try f.strings("columns"), unique: try f.optionalBool("unique") ?? false,
                predicate: try f.optionalString("where"), hasExpressions: try f.optionalBool("expressions") ?? false,
                sql: try f.optionalString("sql"))
        }
        let checks = try o.optionalArray("checks").map { (v) throws(Failure) in
            let f = Fields(v, "\(context) check")
            return CheckConstraint(name: try f.optionalString("name"), expression: try f.string("expression"))
        }
        let table = TableSchema(
            name: name, columns: columns, primaryKey: try o.optionalStrings("primary_key") ?? [],
            uniqueConstraints: uniques, foreignKeys: fks, indexes: indexes, checks: checks,
            sql: try o.optionalString("sql"), withoutRowID: try o.optionalBool("without_rowid") ?? false,
            sequenceValue: try o.optionalInteger("sequence"))
        for key in table.primaryKey where !names.contains(key) {
            throw Failure(message: "\(context): primary key column \(key) is not a column of the table")
        }
        return table
    }

    static func column(_ json: JSONValue, _ context: String) throws(Failure) -> Column {
        let f = Fields(json, context)
        let typeName = try f.string("type")
        guard let type = LogicalType(rawValue: typeName) else {
            throw Failure(
                message: "\(context): unknown logical type \"\(typeName)\", expected one of "
                    + LogicalType.allCases.map(\.rawValue).joined(separator: ", "))
        }
        func int(_ key: String) throws(Failure) -> Int? { try f.optionalInteger(key).map { Int($0) } }
        let encoding = try f.optionalString("encoding").map(ColumnEncoding.init(rawValue:))
        let timeZone = try f.optionalString("time_zone")
        let offset = try f.optionalString("offset")
        if let timeZone, !TimeZoneNames.isValidTimeZone(timeZone) {
            throw Failure(message: "\(context): time_zone \"\(timeZone)\" is not UTC, GMT, ±HH:MM or an IANA zone name (Area/Location)")
        }
        if let offset, TimeZoneNames.offsetSeconds(offset) == nil {
            throw Failure(message: "\(context): offset \"\(offset)\" is not ±HH:MM (hours up to 23)")
        }
        if encoding == .isoOffset && offset == nil {
            throw Failure(message: "\(context): an iso_offset column needs an offset ±HH:MM")
        }
        return Column(
            name: try f.string("name"), type: type, nullable: try f.bool("nullable"),
            sourceType: try f.optionalString("source_type"),
            encoding: encoding, timeZone: timeZone, offset: offset,
            defaultSQL: try f.optionalString("default"), autoIncrement: try f.optionalBool("auto_increment") ?? false,
            maxLength: try int("max_length"), precision: try int("precision"), scale: try int("scale"),
            collation: try f.optionalString("collation"))
    }

    package static func tableEnd(_ json: JSONValue) throws(Failure) -> TableEnd {
        let f = Fields(json, "table_end")
        return TableEnd(table: try f.string("table"), rows: try f.integer("rows"), sha256: try f.string("sha256"))
    }

    package static func object(_ json: JSONValue) throws(Failure) -> SchemaObject {
        let f = Fields(json, "object")
        return SchemaObject(
            type: try f.string("type"), name: try f.string("name"), table: try f.optionalString("table"),
            sql: try f.string("sql"))
    }

    package static func end(_ json: JSONValue) throws(Failure) -> ArchiveEnd {
        let f = Fields(json, "end")
        let index = try f.array("index").map { (v) throws(Failure) in
            let e = Fields(v, "end index entry")
            return ArchiveEnd.IndexEntry(
                table: try e.string("table"), offset: try e.integer("offset"),
                compressedBytes: try e.integer("compressed_bytes"), uncompressedBytes: try e.integer("uncompressed_bytes"),
                rows: try e.integer("rows"))
        }
        return ArchiveEnd(
            tables: Int(try f.integer("tables")), rows: try f.integer("rows"), sha256: try f.string("sha256"), index: index)
    }

    /// Typed access to an object's fields with messages that name the record and field.
    struct Fields {
        let json: JSONValue
        let context: String
        init(_ json: JSONValue, _ context: String) {
            self.json = json
            self.context = context
        }

        func required(_ key: String) throws(Failure) -> JSONValue {
            guard case .object = json else { throw Failure(message: "\(context): expected a JSON object") }
            guard let v = json[key] else { throw Failure(message: "\(context): missing field \"\(key)\"") }
            return v
        }
        func optional(_ key: String) throws(Failure) -> JSONValue? {
            guard case .object = json else { throw Failure(message: "\(context): expected a JSON object") }
            guard let v = json[key], v != .null else { return nil }
            return v
        }
        func wrong(_ key: String, _ expected: String) -> Failure {
            Failure(message: "\(context): field \"\(key)\" must be \(expected)")
        }
        func string(_ key: String) throws(Failure) -> String {
            guard case .string(let s) = try required(key) else { throw wrong(key, "a string") }
            return s
        }
        func optionalString(_ key: String) throws(Failure) -> String? {
            guard let v = try optional(key) else { return nil }
            guard case .string(let s) = v else { throw wrong(key, "a string") }
            return s
        }
        func bool(_ key: String) throws(Failure) -> Bool {
            guard case .bool(let b) = try required(key) else { throw wrong(key, "true or false") }
            return b
        }
        func optionalBool(_ key: String) throws(Failure) -> Bool? {
            guard let v = try optional(key) else { return nil }
            guard case .bool(let b) = v else { throw wrong(key, "true or false") }
            return b
        }
        func integer(_ key: String) throws(Failure) -> Int64 {
            guard case .integer(let i) = try required(key), i >= 0 else { throw wrong(key, "a non-negative integer") }
            return i
        }
        func optionalInteger(_ key: String) throws(Failure) -> Int64? {
            guard let v = try optional(key) else { return nil }
            guard case .integer(let i) = v, i >= 0 else { throw wrong(key, "a non-negative integer") }
            return i
        }
        func array(_ key: String) throws(Failure) -> [JSONValue] {
            guard case .array(let a) = try required(key) else { throw wrong(key, "an array") }
            return a
        }
        func optionalArray(_ key: String) throws(Failure) -> [JSONValue] {
            guard let v = try optional(key) else { return [] }
            guard case .array(let a) = v else { throw wrong(key, "an array") }
            return a
        }
        func strings(_ key: String) throws(Failure) -> [String] {
            try array(key).map { (v) throws(Failure) in
                guard case .string(let s) = v else { throw wrong(key, "an array of strings") }
                return s
            }
        }
        func optionalStrings(_ key: String) throws(Failure) -> [String]? {
            guard try optional(key) != nil else { return nil }
            return try strings(key)
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral {
    package init(stringLiteral value: String) { self = .string(value) }
}
