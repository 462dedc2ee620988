internal import CSQLite

/// Reads the current row of a prepared statement straight from `sqlite3_column_*`, without copying.
///
/// Pointers handed to the closures are valid only during the call (SQLite owns the bytes until the next step).
struct ExportCursor {
    let statement: SQLiteStatement
    private let stmt: OpaquePointer

    init(_ statement: SQLiteStatement) {
        self.statement = statement
        self.stmt = statement.stmt
    }

    /// Advances; false at the end.
    ///
    /// The corresponding C function is `sqlite3_step`.
    @inline(__always)
    func step() throws(SQLiteError) -> Bool { try statement.step() }

    /// The storage class of column `i`: 1 INTEGER, 2 FLOAT, 3 TEXT, 4 BLOB, 5 NULL.
    @inline(__always)
    func storageClass(_ i: Int32) -> Int32 { sqlite3_column_type(stmt, i) }

    @inline(__always)
    func integer(_ i: Int32) -> Int64 { sqlite3_column_int64(stmt, i) }

    @inline(__always)
    func real(_ i: Int32) -> Double { sqlite3_column_double(stmt, i) }

    /// The bytes of a TEXT column (call only when the storage class is TEXT).
    @inline(__always)
    func text(_ i: Int32) -> UnsafeRawBufferPointer {
        let pointer = sqlite3_column_text(stmt, i)
        let count = Int(sqlite3_column_bytes(stmt, i))
        return UnsafeRawBufferPointer(start: count > 0 ? UnsafeRawPointer(pointer) : nil, count: count)
    }

    /// The bytes of a BLOB column (call only when the storage class is BLOB).
    @inline(__always)
    func blob(_ i: Int32) -> UnsafeRawBufferPointer {
        let pointer = sqlite3_column_blob(stmt, i)
        let count = Int(sqlite3_column_bytes(stmt, i))
        return UnsafeRawBufferPointer(start: count > 0 ? pointer : nil, count: count)
    }

    /// A borrowed view of column `i`'s value.
    @inline(__always)
    func ref(_ i: Int32) -> StoredValueRef {
        switch storageClass(i) {
        case SQLITE_INTEGER: return .integer(integer(i))
        case SQLITE_FLOAT: return .real(real(i))
        case SQLITE_TEXT: return .text(text(i))
        case SQLITE_BLOB: return .blob(blob(i))
        default: return .null
        }
    }
}

/// The storage class codes of `sqlite3_column_type`.
enum StorageClass {
    static let integer = SQLITE_INTEGER
    static let real = SQLITE_FLOAT
    static let text = SQLITE_TEXT
    static let blob = SQLITE_BLOB
    static let null = SQLITE_NULL
}
