internal import CLibPQ
import AuthExport
#if canImport(Glibc)
import Glibc
#endif

/// An open PostgreSQL connection through libpq. The corresponding C type is `PGconn *`.
///
/// Connection strings are libpq's, so `PGPASSWORD`, `~/.pgpass`, `PGHOST`/`PGPORT`/`PGUSER`, `sslmode` and
/// service files work as with `psql`. Notices are discarded (libpq would print them to stderr).
/// Not thread-safe: use one connection per thread. Close explicitly with ``close()``.
///
/// - Important: values go to the server only as statement parameters or COPY data; identifiers only through
///   ``quoteIdentifier(_:)``.
package final class PGConnection {
    private var handle: OpaquePointer?
    /// The connection string, to scrub passwords from libpq's messages.
    private let conninfo: String

    /// Connects with `settings` in effect from the session's start. The corresponding C function is
    /// `PQconnectdbParams`: the connection string is expanded as `PQconnectdb` would (`expand_dbname`), then
    /// `client_encoding` is `UTF8` and `options` is the user's own (from the connection string, else `PGOPTIONS`)
    /// followed by ``SessionSettings/startupOptions``, all in the startup packet — so no statement runs before the
    /// settings hold, and a role's short `statement_timeout` cannot cancel one.
    ///
    /// With `database`, connects to that database instead of the one `conninfo` names (the maintenance database of
    /// `restore --create`): a later `dbname` keyword overrides the expanded one.
    ///
    /// - Throws: `PostgresError` `.connection` with libpq's message (passwords masked).
    init(conninfo: String, settings: SessionSettings, database: String? = nil) throws(PostgresError) {
        self.conninfo = conninfo
        var settings = settings
        var conn: OpaquePointer
        while true {
            var options = Self.userOptions(conninfo) ?? ""
            let ours = settings.startupOptions
            if !ours.isEmpty { options += (options.isEmpty ? "" : " ") + ours }
            var parameters = [("dbname", conninfo), ("client_encoding", "UTF8")]
            if let database { parameters.append(("dbname", database)) }
            if !options.isEmpty { parameters.append(("options", options)) }
            // PQconnectdbParams always returns a handle that needs PQfinish, even when the connection failed.
            let connection = Self.withCStrings(parameters.map(\.0)) { keywords in
                Self.withCStrings(parameters.map(\.1)) { values in PQconnectdbParams(keywords, values, 1) }
            }
            guard let made = connection else {
                throw PostgresError(.connection, "out of memory creating a libpq connection")
            }
            if PQstatus(made) == CONNECTION_OK {
                conn = made
                break
            }
            let message = Self.message(made, conninfo: conninfo)
            PQfinish(made)
            if message.contains("\"\(SessionSettings.clientCheck)\""), settings != settings.withoutClientCheck {
                // A server before PostgreSQL 14: connect again without the client check.
                settings = settings.withoutClientCheck
                continue
            }
            throw PostgresError(.connection, "cannot connect to PostgreSQL: \(message)")
        }
        handle = conn
        clibpq_silence_notices(conn)
        guard PQparameterStatus(conn, "client_encoding").map({ String(cString: $0) }) == "UTF8" else {
            throw PostgresError(.connection, "cannot set client encoding UTF8: \(errorMessage)")
        }
    }

    /// Connects with the server's and the role's default settings.
    package convenience init(conninfo: String) throws(PostgresError) {
        try self.init(conninfo: conninfo, settings: .none)
    }

    /// Connects to `database` with the credentials and server of `conninfo`, default settings.
    package convenience init(conninfo: String, database: String) throws(PostgresError) {
        try self.init(conninfo: conninfo, settings: .none, database: database)
    }

    /// The `options` the user gave: in the connection string (URI or keyword form), else in `PGOPTIONS`.
    private static func userOptions(_ conninfo: String) -> String? {
        var parsed: String?
        if let list = PQconninfoParse(conninfo, nil) {
            defer { PQconninfoFree(list) }
            var option = list
            while let keyword = option.pointee.keyword {
                if String(cString: keyword) == "options", let value = option.pointee.val {
                    parsed = String(cString: value)
                }
                option += 1
            }
        }
        if let parsed, !parsed.isEmpty { return parsed }
        return getenv("PGOPTIONS").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Calls `body` with a NULL-terminated C array of `strings`.
    private static func withCStrings<R>(
        _ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R
    ) -> R {
        let copies: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) } + [nil]
        defer { for copy in copies { free(copy) } }
        return copies.map { $0.map { UnsafePointer($0) } }.withUnsafeBufferPointer { body($0.baseAddress) }
    }

    deinit {
        if let handle { PQfinish(handle) }
    }

    /// Closes the connection; the server rolls back any open transaction. The corresponding C function is `PQfinish`.
    package func close() {
        guard let handle else { return }
        self.handle = nil
        PQfinish(handle)
    }

    var conn: OpaquePointer {
        guard let handle else { preconditionFailure("PGConnection used after close()") }
        return handle
    }

    private static func message(_ conn: OpaquePointer, conninfo: String) -> String {
        let raw = PQerrorMessage(conn).map { String(cString: $0) } ?? "unknown libpq error"
        // libpq indents its continuation lines with a tab ("\tIs the server running…"): one line, no tabs.
        let line = raw.split(separator: "\n")
            .map { $0.drop { $0 == " " || $0 == "\t" } }
            .map { String($0.reversed().drop { $0 == " " || $0 == "\t" }.reversed()) }
            .filter { !$0.isEmpty }
            .joined(separator: "; ")
        return ConnectionTarget.scrub(line, conninfo: conninfo)
    }

    /// The current libpq error message, passwords masked.
    var errorMessage: String { Self.message(conn, conninfo: conninfo) }

    /// The server version as an integer, such as `150018` for 15.18.
    package var serverVersion: Int { Int(PQserverVersion(conn)) }

    /// A server parameter reported at connection time (`server_version`, `TimeZone`…).
    package func parameterStatus(_ name: String) -> String? {
        PQparameterStatus(conn, name).map { String(cString: $0) }
    }

    /// The database `conninfo` names (libpq's default, the user name, when it names none); nil when it cannot be
    /// parsed. The corresponding C function is `PQconninfoParse`.
    package static func databaseName(of conninfo: String) -> String? {
        guard let options = PQconninfoParse(conninfo, nil) else { return nil }
        defer { PQconninfoFree(options) }
        var user: String?
        var database: String?
        var option = options
        while let keyword = option.pointee.keyword {
            let key = String(cString: keyword)
            let value = option.pointee.val.map { String(cString: $0) }
            if key == "dbname" { database = value }
            if key == "user" { user = value }
            option += 1
        }
        func environment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
        return database ?? user ?? environment("PGDATABASE") ?? environment("PGUSER") ?? environment("USER")
    }

    /// Whether the connection to the server is gone (libpq's `CONNECTION_BAD`: the server closed it, the network
    /// failed, the backend was terminated).
    package var isLost: Bool { PQstatus(conn) == CONNECTION_BAD }

    /// The process ID of the server backend serving this connection (`pg_backend_pid()`).
    ///
    /// The corresponding C function is `PQbackendPID`.
    package var backendPID: Int32 { PQbackendPID(conn) }

    /// The database name of the connection.
    package var databaseName: String { PQdb(conn).map { String(cString: $0) } ?? "" }

    /// Builds the error for a failed result; read at once, before the next call overwrites the message.
    func error(_ result: OpaquePointer?, statement: String?) -> PostgresError {
        guard let result else {
            return PostgresError(.connection, errorMessage, statement: statement)
        }
        func field(_ code: Int32) -> String? {
            PQresultErrorField(result, code).map { String(cString: $0) }
        }
        let primary = field(clibpq_diag_message_primary())
            ?? PQresultErrorMessage(result).map { String(cString: $0).trimmingSpaces() } ?? errorMessage
        let sqlState = field(clibpq_diag_sqlstate())
        var error = PostgresError(
            sqlState == nil ? .connection : .server, ConnectionTarget.scrub(primary, conninfo: conninfo),
            sqlState: sqlState, statement: statement)
        error.detail = field(clibpq_diag_message_detail())
        error.hint = field(clibpq_diag_message_hint())
        error.context = field(clibpq_diag_context())
        error.schemaName = field(clibpq_diag_schema_name())
        error.tableName = field(clibpq_diag_table_name())
        error.columnName = field(clibpq_diag_column_name())
        error.constraintName = field(clibpq_diag_constraint_name())
        error.dataTypeName = field(clibpq_diag_datatype_name())
        return error
    }

    /// Runs exactly one statement and returns its result. The corresponding C function is `PQexecParams`
    /// (with no parameters), which — unlike `PQexec` — refuses a string holding several `;`-separated statements.
    ///
    /// - Important: DDL carries SQL texts from archives (CHECK expressions, index predicates, view bodies). Running
    ///   them through the extended protocol means a hostile text cannot smuggle in a second statement.
    /// - Throws: `PostgresError` with the server's SQLSTATE and fields.
    @discardableResult
    package func execute(_ sql: String) throws(PostgresError) -> PGResult {
        let raw = PQexecParams(conn, sql, 0, nil, nil, nil, nil, 0)
        return try check(raw, statement: sql)
    }

    /// Runs a script of several `;`-separated statements written by the caller (never archive text).
    /// The corresponding C function is `PQexec`.
    @discardableResult
    package func executeScript(_ sql: String) throws(PostgresError) -> PGResult {
        let raw = PQexec(conn, sql)
        return try check(raw, statement: sql)
    }

    /// Runs one statement with text parameters (`$1`, `$2`…; nil is NULL). The corresponding C function is
    /// `PQexecParams`.
    @discardableResult
    package func execute(_ sql: String, _ parameters: [String?]) throws(PostgresError) -> PGResult {
        var cStrings: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.flatMap { strdup($0) } }
        defer { for p in cStrings { free(p) } }
        let raw = cStrings.withUnsafeMutableBufferPointer { buffer -> OpaquePointer? in
            guard let base = buffer.baseAddress else { return PQexecParams(conn, sql, 0, nil, nil, nil, nil, 0) }
            return base.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) { values in
                PQexecParams(conn, sql, Int32(parameters.count), nil, values, nil, nil, 0)
            }
        }
        return try check(raw, statement: sql)
    }

    private func check(_ raw: OpaquePointer?, statement: String) throws(PostgresError) -> PGResult {
        guard let raw else { throw error(nil, statement: statement) }
        let result = PGResult(raw)
        switch PQresultStatus(raw) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return result
        case PGRES_COPY_IN, PGRES_COPY_OUT:
            throw PostgresError(.server, "unexpected COPY state", statement: statement)
        default:
            throw error(raw, statement: statement)
        }
    }

    /// Quotes an identifier: `"` + the name with `"` doubled + `"`, so any name is data, never SQL.
    ///
    /// A name holding a control character (``DisplayText/needsEscape(_:keepingLineBreaks:)``) is written
    /// `U&"…\001B…"` instead: the same identifier to the server, and a printed plan that cannot drive a terminal.
    ///
    /// - Precondition: `name` has no NUL character (``IdentifierMap`` rejects those first).
    package static func quoteIdentifier(_ name: String) -> String {
        guard name.unicodeScalars.contains(where: { DisplayText.needsEscape($0) }) else {
            return quoteIdentifierParameter(name)
        }
        var out = "U&\""
        for scalar in name.unicodeScalars {
            switch scalar {
            case "\"": out += "\"\""
            case "\\": out += "\\\\"
            case _ where DisplayText.needsEscape(scalar): out += unicodeEscape(scalar, prefix: "\\")
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// A quoted identifier as a parameter value for `$1::regclass` or `pg_get_serial_sequence` (their parsers know
    /// `"…"` but not `U&"…"`): never part of SQL text.
    package static func quoteIdentifierParameter(_ name: String) -> String {
        "\"" + name.replacingAll("\"", with: "\"\"") + "\""
    }

    /// Quotes a string literal for SQL: `'` doubled; a value holding a backslash or a control character is written
    /// `E'…'` (backslashes doubled, control characters as `\uXXXX`), which reads the same whatever
    /// `standard_conforming_strings` says and prints safely.
    package static func quoteLiteral(_ value: String) -> String {
        let needsE = value.unicodeScalars.contains { $0 == "\\" || DisplayText.needsEscape($0) }
        guard needsE else { return "'" + value.replacingAll("'", with: "''") + "'" }
        var out = "E'"
        for scalar in value.unicodeScalars {
            switch scalar {
            case "'": out += "''"
            case "\\": out += "\\\\"
            case _ where DisplayText.needsEscape(scalar): out += unicodeEscape(scalar, prefix: "\\u")
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "'"
    }

    /// `scalar` as `prefix` and 4 hex digits (every character that needs escaping is below U+10000).
    private static func unicodeEscape(_ scalar: Unicode.Scalar, prefix: String) -> String {
        let hex = String(scalar.value, radix: 16)
        return prefix + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    // MARK: COPY FROM STDIN

    /// Starts `COPY … FROM STDIN`. The corresponding C function is `PQexec` (expecting `PGRES_COPY_IN`).
    package func beginCopy(_ sql: String) throws(PostgresError) {
        guard let raw = PQexec(conn, sql) else { throw error(nil, statement: sql) }
        let result = PGResult(raw)
        guard PQresultStatus(raw) == PGRES_COPY_IN else { throw error(result.raw, statement: sql) }
    }

    /// Sends COPY data. The corresponding C function is `PQputCopyData`.
    ///
    /// - Throws: the server's error when it has already rejected the COPY (the data is then ignored).
    package func putCopyData(_ bytes: UnsafeRawBufferPointer) throws(PostgresError) {
        guard bytes.count > 0 else { return }
        let rc = bytes.withMemoryRebound(to: CChar.self) { PQputCopyData(conn, $0.baseAddress, Int32($0.count)) }
        if rc != 1 {
            // The server rejected the COPY (its ErrorResponse arrived) or the connection broke.
            throw finishCopyAfterFailure()
        }
    }

    /// Ends the COPY successfully and returns the number of rows the server loaded.
    /// The corresponding C functions are `PQputCopyEnd` and `PQgetResult`.
    @discardableResult
    package func endCopy() throws(PostgresError) -> Int64 {
        if PQputCopyEnd(conn, nil) != 1 { throw finishCopyAfterFailure() }
        return try drainCopyResults()
    }

    /// Aborts the COPY (the server discards it and the transaction fails). Errors are ignored: the caller is
    /// already failing with its own error.
    package func abortCopy(reason: String) {
        _ = PQputCopyEnd(conn, reason)
        _ = try? drainCopyResults()
    }

    private func finishCopyAfterFailure() -> PostgresError {
        var failure: PostgresError?
        while let raw = PQgetResult(conn) {
            let result = PGResult(raw)
            let status = PQresultStatus(raw)
            if status == PGRES_COPY_IN {
                _ = PQputCopyEnd(conn, "client error")
                continue
            }
            if failure == nil && status != PGRES_COMMAND_OK { failure = error(result.raw, statement: nil) }
        }
        return failure ?? PostgresError(.connection, errorMessage)
    }

    /// Reads the results that end a COPY (in or out): the rows of its command tag, or its first error.
    private func drainCopyResults(statement: String? = nil) throws(PostgresError) -> Int64 {
        var failure: PostgresError?
        var rows: Int64 = 0
        while let raw = PQgetResult(conn) {
            let result = PGResult(raw)
            if PQresultStatus(raw) == PGRES_COMMAND_OK {
                rows = result.affectedRows ?? 0
            } else if failure == nil {
                failure = error(result.raw, statement: statement)
            }
        }
        if let failure { throw failure }
        return rows
    }
}

// MARK: COPY TO STDOUT

extension PGConnection {
    /// Runs `COPY … TO STDOUT` and hands each data message — one row in the text and CSV formats — to `row`,
    /// which returns false to stop early (the rest is then read and discarded). Returns the rows the server sent.
    /// The corresponding C functions are `PQexec` (expecting `PGRES_COPY_OUT`), `PQgetCopyData` and `PQgetResult`.
    ///
    /// - Throws: the server's error, or whatever `row` throws (after the COPY was drained, so the connection
    ///   stays usable).
    @discardableResult
    package func copyOut(_ sql: String, row: (UnsafeRawBufferPointer) throws -> Void) throws -> Int64 {
        guard let raw = PQexec(conn, sql) else { throw error(nil, statement: sql) }
        let started = PGResult(raw)
        guard PQresultStatus(raw) == PGRES_COPY_OUT else { throw error(started.raw, statement: sql) }
        var failure: (any Error)?
        while true {
            var buffer: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(conn, &buffer, 0)
            if length == -1 { break }  // done: the final result follows
            if length < 0 {
                if failure == nil { failure = error(nil, statement: sql) }
                break
            }
            defer { PQfreemem(buffer) }
            guard failure == nil, let buffer else { continue }
            do {
                try row(UnsafeRawBufferPointer(start: buffer, count: Int(length)))
            } catch {
                failure = error
                // Stop the server's side: the cancel makes the COPY end with an error, read and dropped below.
                if let handle = cancelHandle() { handle.cancel() }
            }
        }
        let rows: Int64
        do {
            rows = try drainCopyResults(statement: sql)
        } catch {
            throw failure ?? error  // the callback's own error first (the server's is then the cancel's)
        }
        if let failure { throw failure }
        return rows
    }
}

@available(*, unavailable)
extension PGConnection: Sendable {}

// MARK: Cancelling a running statement

extension PGConnection {
    /// A handle that asks the server to cancel whatever statement this connection is running, from any thread.
    /// The corresponding C function is `PQgetCancel`; nil when libpq cannot make one.
    package func cancelHandle() -> CancelHandle? {
        PQgetCancel(conn).map(CancelHandle.init)
    }
}

/// Asks the server to cancel the statement a connection is running (a long `CREATE INDEX`, a wait for a lock).
/// The statement then fails with SQLSTATE 57014. Safe to call from any thread, any number of times, also after
/// the connection closed (the server then has nothing to cancel). The corresponding C type is `PGcancel *`.
package final class CancelHandle: @unchecked Sendable {
    private let handle: OpaquePointer

    fileprivate init(_ handle: OpaquePointer) { self.handle = handle }

    deinit { PQfreeCancel(handle) }

    /// Sends the cancel request (a new short connection to the server). The corresponding C function is `PQcancel`.
    /// Failures are ignored: the statement then simply runs to its end.
    package func cancel() {
        var buffer = [CChar](repeating: 0, count: 256)
        _ = PQcancel(handle, &buffer, Int32(buffer.count))
    }
}

