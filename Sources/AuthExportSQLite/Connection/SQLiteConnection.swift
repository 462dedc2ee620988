internal import CSQLite

/// An open SQLite database connection. The corresponding C type is `sqlite3 *`.
///
/// Not thread-safe: use one connection per thread. Close explicitly with ``close()``.
package final class SQLiteConnection {
    private var handle: OpaquePointer?
    /// The file the connection was opened on.
    package let path: String
    /// The `isCancelled` closure of the progress handler, if one is installed (``bound(maxLength:isCancelled:)``).
    var progressBox: AnyObject?
    /// The virtual-machine steps of every ``query(_:_:)`` so far (`SQLITE_STMTSTATUS_VM_STEP`): the catalog work
    /// of a restore, which must stay the same per table whatever the number of tables (a query scanning every
    /// table, once per table, makes a restore quadratic).
    package private(set) var queryVMSteps: Int64 = 0

    /// How to open the database.
    package enum Mode {
        /// Read only; the file must exist.
        case readOnly
        /// Read and write; the file must exist.
        case readWrite
        /// Read and write; the file is created if missing.
        case create
    }

    /// Opens `path`. The corresponding C function is `sqlite3_open_v2`.
    package init(path: String, mode: Mode) throws(SQLiteError) {
        self.path = path
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI
        switch mode {
        case .readOnly: flags |= SQLITE_OPEN_READONLY
        case .readWrite: flags |= SQLITE_OPEN_READWRITE
        case .create: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        }
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        if rc != SQLITE_OK {
            let message = db.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "cannot open database"
            sqlite3_close_v2(db)  // a handle may come back together with the error
            throw SQLiteError(resultCode: rc, message: message, path: path)
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
    }

    deinit {
        if let handle { sqlite3_close_v2(handle) }
    }

    /// Closes the connection. The corresponding C function is `sqlite3_close_v2`.
    package func close() throws(SQLiteError) {
        guard let handle else { return }
        self.handle = nil
        let rc = sqlite3_close_v2(handle)
        if rc != SQLITE_OK { throw SQLiteError(resultCode: rc, message: "cannot close database", path: path) }
    }

    var db: OpaquePointer {
        guard let handle else { preconditionFailure("SQLiteConnection used after close()") }
        return handle
    }

    /// Builds the error for a failed call; read at once, because the next call overwrites the message.
    func error(_ rc: Int32, sql: String? = nil) -> SQLiteError {
        let message = sqlite3_errmsg(db).map { String(cString: $0) } ?? "unknown error"
        return SQLiteError(resultCode: sqlite3_extended_errcode(db), message: message, sql: sql, path: path)
    }

    /// Runs one or more statements that return no rows. The corresponding C function is `sqlite3_exec`.
    package func execute(_ sql: String) throws(SQLiteError) {
        let rc = sqlite3_exec(db, sql, nil, nil, nil)
        if rc != SQLITE_OK { throw error(rc, sql: sql) }
    }

    /// Prepares a statement. The corresponding C function is `sqlite3_prepare_v2`.
    package func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        try SQLiteStatement(connection: self, sql: sql)
    }

    /// Runs a query and returns every row as values (for small catalog queries).
    package func query(_ sql: String, _ bindings: [SQLiteValue] = []) throws(SQLiteError) -> [[SQLiteValue]] {
        let statement = try prepare(sql)
        for (i, value) in bindings.enumerated() { try statement.bind(value, at: Int32(i + 1)) }
        var rows: [[SQLiteValue]] = []
        while try statement.step() {
            rows.append((0..<statement.columnCount).map { statement.value(at: $0) })
        }
        queryVMSteps += Int64(sqlite3_stmt_status(statement.stmt, SQLITE_STMTSTATUS_VM_STEP, 0))
        return rows
    }

    /// The rowid of the last inserted row.
    package var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(db) }

    /// The SQLite library version, such as `3.40.1`.
    package static var libraryVersion: String { String(cString: sqlite3_libversion()) }
}

@available(*, unavailable)
extension SQLiteConnection: Sendable {}

/// A SQLite value with its storage class.
package enum SQLiteValue: Hashable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    /// TEXT storage class; the bytes may not be valid UTF-8.
    case text([UInt8])
    case blob([UInt8])

    /// The text as a Swift string (invalid UTF-8 repaired), or nil if not text.
    package var string: String? {
        if case .text(let bytes) = self { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }

    /// The integer, or nil if not an integer.
    package var integer: Int64? {
        if case .integer(let i) = self { return i }
        return nil
    }
}

/// A prepared statement. The corresponding C type is `sqlite3_stmt *`.
package final class SQLiteStatement {
    private var handle: OpaquePointer?
    private unowned let connection: SQLiteConnection
    /// The statement's SQL.
    package let sql: String

    init(connection: SQLiteConnection, sql: String) throws(SQLiteError) {
        self.connection = connection
        self.sql = sql
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v2(connection.db, sql, -1, &statement, nil)
        if rc != SQLITE_OK {
            sqlite3_finalize(statement)
            throw connection.error(rc, sql: sql)
        }
        handle = statement
    }

    deinit { sqlite3_finalize(handle) }

    var stmt: OpaquePointer {
        guard let handle else { preconditionFailure("statement used after finalize") }
        return handle
    }

    /// Advances to the next row; false when done. The corresponding C function is `sqlite3_step`.
    package func step() throws(SQLiteError) -> Bool {
        let rc = sqlite3_step(stmt)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw connection.error(rc, sql: sql)
    }

    /// Resets the statement and clears its bindings for reuse.
    package func reset() {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
    }

    /// The number of result columns.
    package var columnCount: Int32 { sqlite3_column_count(stmt) }

    /// The storage class of result column `index`: SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT, SQLITE_BLOB or SQLITE_NULL.
    package func storageClass(at index: Int32) -> Int32 { sqlite3_column_type(stmt, index) }

    /// The value of result column `index`, with its storage class.
    package func value(at index: Int32) -> SQLiteValue {
        switch sqlite3_column_type(stmt, index) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(stmt, index))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(stmt, index))
        case SQLITE_TEXT: return .text(withBytes(at: index, text: true) { Array($0) })
        case SQLITE_BLOB: return .blob(withBytes(at: index, text: false) { Array($0) })
        default: return .null
        }
    }

    /// Calls `body` with the bytes of a TEXT (`text: true`) or BLOB column, valid only during the call.
    package func withBytes<R>(at index: Int32, text: Bool, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let pointer: UnsafeRawPointer? =
            text ? sqlite3_column_text(stmt, index).map { UnsafeRawPointer($0) } : sqlite3_column_blob(stmt, index)
        let count = Int(sqlite3_column_bytes(stmt, index))
        return try body(UnsafeRawBufferPointer(start: count > 0 ? pointer : nil, count: count))
    }

    /// The integer value of column `index`.
    package func int64(at index: Int32) -> Int64 { sqlite3_column_int64(stmt, index) }

    /// The double value of column `index`.
    package func double(at index: Int32) -> Double { sqlite3_column_double(stmt, index) }

    /// Binds `value` to parameter `index` (1-based). Text and blobs are bound with their byte length.
    package func bind(_ value: SQLiteValue, at index: Int32) throws(SQLiteError) {
        let rc: Int32
        switch value {
        case .null: rc = sqlite3_bind_null(stmt, index)
        case .integer(let i): rc = sqlite3_bind_int64(stmt, index, i)
        case .real(let d): rc = sqlite3_bind_double(stmt, index, d)
        case .text(let bytes):
            rc = bytes.withUnsafeBytes { bindText($0, at: index) }
        case .blob(let bytes):
            rc = bytes.withUnsafeBytes { bindBlob($0, at: index) }
        }
        if rc != SQLITE_OK { throw connection.error(rc, sql: sql) }
    }

    /// Binds UTF-8 bytes as TEXT (copied), with an explicit length so NUL bytes survive.
    package func bindText(_ bytes: UnsafeRawBufferPointer, at index: Int32) -> Int32 {
        // A zero-length TEXT must still be TEXT, not NULL: give SQLite a valid pointer.
        let base = bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)
        return sqlite3_bind_text(
            stmt, index, base?.assumingMemoryBound(to: CChar.self), Int32(bytes.count), csqlite_transient())
    }

    /// Binds bytes as a BLOB (copied).
    package func bindBlob(_ bytes: UnsafeRawBufferPointer, at index: Int32) -> Int32 {
        if bytes.count == 0 { return sqlite3_bind_zeroblob(stmt, index, 0) }
        return sqlite3_bind_blob(stmt, index, bytes.baseAddress, Int32(bytes.count), csqlite_transient())
    }

    /// Checks a result code from a bind call.
    package func check(_ rc: Int32) throws(SQLiteError) {
        if rc != SQLITE_OK { throw connection.error(rc, sql: sql) }
    }
}

@available(*, unavailable)
extension SQLiteStatement: Sendable {}
