internal import CSQLite

extension SQLiteConnection {
    /// The number of rows the last INSERT, UPDATE or DELETE changed.
    ///
    /// The corresponding C function is `sqlite3_changes64`.
    var changes: Int64 { sqlite3_changes64(db) }

    /// Runs one schema statement that came from an archive (`CREATE TABLE`, `INDEX`, `VIEW` or `TRIGGER`).
    ///
    /// The text must be exactly one statement (trailing `;`, spaces and comments allowed; nothing after a NUL
    /// byte is ignored silently: it is an error). While it is compiled, an authorizer allows only what creating a
    /// schema object needs, so archive SQL can never attach files, change pragmas or touch data.
    /// The corresponding C functions are `sqlite3_set_authorizer`, `sqlite3_prepare_v2` and `sqlite3_step`.
    ///
    /// - Throws: `SQLiteError`; `SQLITE_AUTH` when the statement tries anything else, `SQLITE_ERROR` with
    ///   "more than one statement" when text follows it.
    func executeSchemaStatement(_ sql: String) throws(SQLiteError) {
        var sql = sql
        var statement: OpaquePointer?
        var failure: SQLiteError?
        sqlite3_set_authorizer(db, schemaOnlyAuthorizer, nil)
        defer { sqlite3_set_authorizer(db, nil, nil) }
        sql.withUTF8 { buffer in
            guard let base = buffer.baseAddress else {
                failure = SQLiteError(resultCode: SQLITE_ERROR, message: "empty SQL statement", sql: "", path: path)
                return
            }
            base.withMemoryRebound(to: CChar.self, capacity: buffer.count) { chars in
                var tail: UnsafePointer<CChar>?
                let rc = sqlite3_prepare_v2(db, chars, Int32(buffer.count), &statement, &tail)
                if rc != SQLITE_OK {
                    failure = error(rc, sql: String(decoding: buffer, as: UTF8.self))
                    return
                }
                let consumed = tail.map { $0 - chars } ?? buffer.count
                let rest = String(
                    decoding: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[consumed...]),
                    as: UTF8.self)
                let restIsEmpty = !rest.utf8.contains(0) && SQLiteSyntax.tokenize(rest).allSatisfy { $0.text == ";" }
                if statement == nil || !restIsEmpty {
                    failure = SQLiteError(
                        resultCode: SQLITE_ERROR,
                        message: statement == nil ? "no SQL statement" : "more than one statement",
                        sql: String(decoding: buffer, as: UTF8.self), path: path)
                }
            }
        }
        defer { sqlite3_finalize(statement) }
        if let failure { throw failure }
        let rc = sqlite3_step(statement)
        if rc != SQLITE_DONE && rc != SQLITE_ROW { throw error(rc, sql: sql) }
    }
}

/// The authorizer used while compiling archive schema SQL: allows creating tables, indexes, views and triggers
/// (and the reads, functions and schema-table writes that involves); denies everything else.
/// Related SQLite documentation: https://sqlite.org/c3ref/set_authorizer.html
private let schemaOnlyAuthorizer:
    @convention(c) (
        UnsafeMutableRawPointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?,
        UnsafePointer<CChar>?
    ) -> Int32 = { _, action, first, _, database, _ in
        if let database, String(cString: database) != "main" { return SQLITE_DENY }
        switch action {
        case SQLITE_CREATE_TABLE, SQLITE_CREATE_INDEX, SQLITE_CREATE_VIEW, SQLITE_CREATE_TRIGGER, SQLITE_READ,
            SQLITE_SELECT, SQLITE_FUNCTION, SQLITE_RECURSIVE, SQLITE_REINDEX:
            return SQLITE_OK
        case SQLITE_INSERT, SQLITE_UPDATE:
            // Creating an object writes its row of the schema table (and a new index is then built).
            let table = first.map { String(cString: $0) } ?? ""
            return table == "sqlite_master" || table == "sqlite_schema" ? SQLITE_OK : SQLITE_DENY
        default:
            return SQLITE_DENY
        }
    }

extension SQLiteConnection {
    /// The default collation of `column` of `table` in the main database (`BINARY` unless the column declares
    /// one), or nil when there is no such column. The corresponding C function is
    /// `sqlite3_table_column_metadata`.
    func defaultCollation(table: String, column: String) -> String? {
        var collation: UnsafePointer<CChar>?
        let rc = sqlite3_table_column_metadata(db, "main", table, column, nil, &collation, nil, nil, nil)
        guard rc == SQLITE_OK, let collation else { return nil }
        return String(cString: collation)
    }
}
