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
    /// schema object needs, so archive SQL can never attach files, change pragmas or touch data, and only the
    /// functions of ``SQLiteFunctionAllowList`` (CHECK, index and generated-column expressions are compiled here).
    /// The corresponding C functions are `sqlite3_set_authorizer`, `sqlite3_prepare_v2` and `sqlite3_step`.
    ///
    /// - Returns: the functions the authorizer refused (empty when the statement ran).
    /// - Throws: `SQLiteError`; `SQLITE_AUTH` when the statement tries anything else, `SQLITE_ERROR` with
    ///   "more than one statement" when text follows it.
    func executeSchemaStatement(_ sql: String) throws(SQLiteError) {
        var sql = sql
        var statement: OpaquePointer?
        var failure: SQLiteError?
        let log = AuthorizerLog()
        let context = Unmanaged.passRetained(log)
        sqlite3_set_authorizer(db, schemaOnlyAuthorizer, context.toOpaque())
        defer {
            sqlite3_set_authorizer(db, nil, nil)
            context.release()
        }
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
                    failure?.deniedFunctions = log.deniedFunctions
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
        if rc != SQLITE_DONE && rc != SQLITE_ROW {
            var failure = error(rc, sql: sql)
            failure.deniedFunctions = log.deniedFunctions
            throw failure
        }
    }

    /// Bounds what archive SQL can make SQLite do during a restore: no string or blob longer than `maxLength`
    /// bytes (a CHECK or DEFAULT cannot build a 500 MB value), expressions at most 100 levels deep, LIKE patterns at
    /// most 1,000 bytes; and a progress handler that stops any statement once `isCancelled` says so (Ctrl-C during
    /// a long index build or CHECK). The corresponding C functions are `sqlite3_limit` and
    /// `sqlite3_progress_handler`.
    func bound(maxLength: Int, isCancelled: (@Sendable () -> Bool)?) {
        sqlite3_limit(db, SQLITE_LIMIT_LENGTH, Int32(clamping: maxLength))
        sqlite3_limit(db, SQLITE_LIMIT_EXPR_DEPTH, 100)
        sqlite3_limit(db, SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 1000)
        sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0)
        if let isCancelled {
            let box = CancelBox(isCancelled)
            progressBox = box  // the connection keeps it alive as long as the handler is installed
            sqlite3_progress_handler(
                db, 10_000,
                { context in
                    guard let context else { return 0 }
                    return Unmanaged<CancelBox>.fromOpaque(context).takeUnretainedValue().isCancelled() ? 1 : 0
                }, Unmanaged.passUnretained(box).toOpaque())
        }
    }
}

/// The `isCancelled` closure of a progress handler.
final class CancelBox {
    let isCancelled: @Sendable () -> Bool
    init(_ isCancelled: @escaping @Sendable () -> Bool) { self.isCancelled = isCancelled }
}

/// The functions archive SQL may call while a restore compiles it (CHECK, index and generated-column
/// expressions): deterministic built-ins with no side effect whose result is at most about the size of their
/// arguments. Left out on purpose: `randomblob`, `random`, `zeroblob`, `hex`, `printf`/`format`, `replace`,
/// `load_extension`, `sqlite_*`, `changes`, `last_insert_rowid` and every application-defined function.
enum SQLiteFunctionAllowList {
    static let names: Set<String> = [
        "abs", "coalesce", "ifnull", "iif", "instr", "length", "octet_length", "lower", "upper", "ltrim", "rtrim",
        "trim", "nullif", "typeof", "round", "sign", "substr", "substring", "like", "glob", "unicode", "likelihood",
        "likely", "unlikely", "min", "max", "json_valid", "json_type", "json_extract", "json_array_length", "json",
        "date", "time", "datetime", "julianday", "strftime", "unixepoch", "char",
    ]
}

/// What the authorizer refused while one statement compiled.
final class AuthorizerLog {
    var deniedFunctions: [String] = []
}

/// The authorizer used while compiling archive schema SQL: allows creating tables, indexes, views and triggers
/// (and the reads, allowed functions and schema-table writes that involves); denies everything else.
/// Related SQLite documentation: https://sqlite.org/c3ref/set_authorizer.html
private let schemaOnlyAuthorizer:
    @convention(c) (
        UnsafeMutableRawPointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?,
        UnsafePointer<CChar>?
    ) -> Int32 = { context, action, first, second, database, _ in
        if let database, String(cString: database) != "main" { return SQLITE_DENY }
        switch action {
        case SQLITE_CREATE_TABLE, SQLITE_CREATE_INDEX, SQLITE_CREATE_VIEW, SQLITE_CREATE_TRIGGER, SQLITE_READ,
            SQLITE_SELECT, SQLITE_RECURSIVE, SQLITE_REINDEX:
            return SQLITE_OK
        case SQLITE_FUNCTION:
            let name = second.map { String(cString: $0).lowercased() } ?? ""
            if SQLiteFunctionAllowList.names.contains(name) { return SQLITE_OK }
            if let context {
                let log = Unmanaged<AuthorizerLog>.fromOpaque(context).takeUnretainedValue()
                if !log.deniedFunctions.contains(name) { log.deniedFunctions.append(name) }
            }
            return SQLITE_DENY
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
