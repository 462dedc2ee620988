internal import CSQLite

/// Raw binding calls for the restore's hot loop: each returns SQLite's result code, checked once per row.
extension SQLiteStatement {
    /// Binds SQL NULL.
    ///
    /// The corresponding C function is `sqlite3_bind_null`.
    func bindNull(at index: Int32) -> Int32 { sqlite3_bind_null(stmt, index) }

    /// Binds an INTEGER.
    ///
    /// The corresponding C function is `sqlite3_bind_int64`.
    func bindInteger(_ value: Int64, at index: Int32) -> Int32 { sqlite3_bind_int64(stmt, index, value) }

    /// Binds a REAL.
    ///
    /// The corresponding C function is `sqlite3_bind_double`.
    func bindReal(_ value: Double, at index: Int32) -> Int32 { sqlite3_bind_double(stmt, index, value) }

    /// Binds a Swift string as TEXT with its UTF-8 byte length (NUL bytes survive).
    func bindText(_ value: String, at index: Int32) -> Int32 {
        var value = value
        return value.withUTF8 { bindText(UnsafeRawBufferPointer($0), at: index) }
    }

    /// Binds `count` bytes at `pointer` as TEXT without copying.
    ///
    /// The bytes must stay valid until the statement is stepped and reset. The corresponding C function is
    /// `sqlite3_bind_text` with `SQLITE_STATIC`.
    func bindStaticText(_ pointer: UnsafeRawPointer?, count: Int, at index: Int32) -> Int32 {
        // A zero-length TEXT must still be TEXT, not NULL: SQLite needs a non-null pointer.
        let base = pointer ?? UnsafeRawPointer(bitPattern: 1)
        return sqlite3_bind_text(stmt, index, base?.assumingMemoryBound(to: CChar.self), Int32(count), csqlite_static())
    }

    /// Binds `count` bytes at `pointer` as a BLOB without copying (see ``bindStaticText(_:count:at:)``).
    func bindStaticBlob(_ pointer: UnsafeRawPointer?, count: Int, at index: Int32) -> Int32 {
        if count == 0 { return sqlite3_bind_zeroblob(stmt, index, 0) }
        return sqlite3_bind_blob(stmt, index, pointer, Int32(count), csqlite_static())
    }

    /// Runs an INSERT-like statement to completion and resets it for the next row.
    ///
    /// Bindings are not cleared: the next row replaces them all. The corresponding C functions are `sqlite3_step`
    /// and `sqlite3_reset`.
    func stepOnceAndReset() throws(SQLiteError) {
        let rc = sqlite3_step(stmt)
        if rc != SQLITE_DONE && rc != SQLITE_ROW {
            let error = connectionError(rc)
            sqlite3_reset(stmt)
            throw error
        }
        sqlite3_reset(stmt)
    }

    /// The number of parameters.
    ///
    /// The corresponding C function is `sqlite3_bind_parameter_count`.
    var parameterCount: Int32 { sqlite3_bind_parameter_count(stmt) }

    private func connectionError(_ rc: Int32) -> SQLiteError {
        do throws(SQLiteError) {
            try check(rc)
        } catch {
            return error
        }
        return SQLiteError(resultCode: rc, message: "step failed", sql: sql)
    }
}

/// Asks SQLite whether column affinity would turn a text value into a number, using SQLite's own conversion rules.
///
/// The corresponding C function is `sqlite3_value_numeric_type`, which applies NUMERIC affinity to a value.
final class NumericAffinityProbe {
    private let statement: SQLiteStatement

    init(connection: SQLiteConnection) throws(SQLiteError) {
        statement = try connection.prepare("SELECT ?")
    }

    /// Whether storing `text` in a column with INTEGER, REAL or NUMERIC affinity would store a number instead.
    ///
    /// A quick syntactic test comes first, so text that cannot be a number (dates, words, UUIDs with dashes) costs
    /// almost nothing; SQLite decides the rest.
    func wouldConvert(_ text: UnsafeRawBufferPointer) -> Bool {
        guard Self.mayBeNumeric(text) else { return false }
        guard statement.bindText(text, at: 1) == SQLITE_OK else { return false }
        defer { sqlite3_reset(statement.stmt) }
        guard sqlite3_step(statement.stmt) == SQLITE_ROW, let unprotected = sqlite3_column_value(statement.stmt, 0),
            let value = sqlite3_value_dup(unprotected)
        else { return false }
        defer { sqlite3_value_free(value) }
        return sqlite3_value_numeric_type(value) != SQLITE_TEXT
    }

    /// `ws* [+-]? digits* (. digits*)? ([eE] [+-]? digits+)? ws*` with at least one mantissa digit: the shape of
    /// every text SQLite 3 converts to a number (a superset of it, checked further by SQLite itself).
    static func mayBeNumeric(_ text: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        let n = text.count
        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }
        func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        while i < n && isSpace(text[i]) { i += 1 }
        if i < n && (text[i] == UInt8(ascii: "+") || text[i] == UInt8(ascii: "-")) { i += 1 }
        var digits = 0
        while i < n && isDigit(text[i]) {
            i += 1
            digits += 1
        }
        if i < n && text[i] == UInt8(ascii: ".") {
            i += 1
            while i < n && isDigit(text[i]) {
                i += 1
                digits += 1
            }
        }
        guard digits > 0 else { return false }
        if i < n && (text[i] == UInt8(ascii: "e") || text[i] == UInt8(ascii: "E")) {
            i += 1
            if i < n && (text[i] == UInt8(ascii: "+") || text[i] == UInt8(ascii: "-")) { i += 1 }
            var exponentDigits = 0
            while i < n && isDigit(text[i]) {
                i += 1
                exponentDigits += 1
            }
            guard exponentDigits > 0 else { return false }
        }
        while i < n && isSpace(text[i]) { i += 1 }
        return i == n
    }
}

@available(*, unavailable)
extension NumericAffinityProbe: Sendable {}
