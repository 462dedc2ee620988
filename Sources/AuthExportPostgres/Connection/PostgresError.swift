public import AuthExport

/// An error from PostgreSQL or from restoring into it, with the server's native details and where in the
/// archive it happened.
///
/// `description` is one line, `table users, row 17, column email: message (SQLSTATE 23505)`, and never contains
/// row values, connection strings or passwords. The server's `detail` and `context` can quote row values, so they
/// appear only in `debugDescription` (the CLI prints it with `--verbose`).
///
/// ```swift
/// do { try PostgresRestore.restore(archive: "app.authx.gz", to: "postgresql://app@db/app") }
/// catch let error as PostgresError where error.sqlState == "23505" { print(error) }
/// ```
public struct PostgresError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What kind of problem it is. New codes may be added in any release.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The stable machine-readable name.
        public let name: String
        private init(_ name: String) { self.name = name }
        /// The stable name.
        public var description: String { name }

        /// The connection could not be made or was lost.
        public static let connection = Code("connection")
        /// The server rejected a statement or data; ``PostgresError/sqlState`` says why.
        public static let server = Code("server")
        /// A table to create already exists (restore without `--clean`).
        public static let tableExists = Code("table_exists")
        /// A table to load does not exist (`--data-only`), or lacks a column of the archive.
        public static let missingTable = Code("missing_table")
        /// `--data-only`: the existing tables cannot take the archive's rows (a column of the archive they lack, a
        /// NOT NULL column without a default the archive does not fill, a type that cannot hold the archive's
        /// values); every problem is listed, nothing was loaded.
        public static let incompatibleTarget = Code("incompatible_target")
        /// An identifier cannot be used in PostgreSQL (NUL character, or two names that would collide).
        public static let invalidIdentifier = Code("invalid_identifier")
        /// A value cannot be stored in PostgreSQL (text containing NUL, a non-UTF-8 value in a text column…).
        public static let unsupportedValue = Code("unsupported_value")
        /// The options or the connection string are not usable.
        public static let invalidOptions = Code("invalid_options")
        /// The restore was cancelled (``PostgresRestore/Options/isCancelled`` returned true); nothing was changed.
        public static let cancelled = Code("cancelled")
    }

    /// What kind of problem it is.
    public var code: Code
    /// One line: what went wrong. Never row values.
    public var message: String
    /// The five-character SQLSTATE, for errors reported by the server (`23505` unique violation…).
    public var sqlState: String?
    /// The server's detail message; may quote row values.
    public var detail: String?
    /// The server's (or our) hint on how to fix it.
    public var hint: String?
    /// The server's context lines (such as `COPY users, line 17`); may quote row values.
    public var context: String?
    /// The schema the server named, where any.
    public var schemaName: String?
    /// The table the server named, where any (the PostgreSQL name, after any rename).
    public var tableName: String?
    /// The column the server named, where any.
    public var columnName: String?
    /// The constraint the server named, where any.
    public var constraintName: String?
    /// The data type the server named, where any.
    public var dataTypeName: String?
    /// Where in the archive: table, row and column as named in the archive.
    public var location: ArchiveError.Location
    /// What the restore was doing, such as `adding foreign key fk_orders_user to orders`.
    public var operation: String?
    /// The SQL statement that failed, where there was one. Statements carry no row values.
    public var statement: String?

    /// Creates an error.
    public init(
        _ code: Code, _ message: String, sqlState: String? = nil, hint: String? = nil,
        location: ArchiveError.Location = .init(), operation: String? = nil, statement: String? = nil
    ) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.hint = hint
        self.location = location
        self.operation = operation
        self.statement = statement
    }

    /// `table t, row n, column c: message (SQLSTATE x) while operation; hint`.
    public var description: String {
        var parts: [String] = []
        if let table = location.table { parts.append("table \(table)") }
        if let row = location.row { parts.append("row \(row)") }
        if let column = location.column { parts.append("column \(column)") }
        var text = parts.isEmpty ? "" : parts.joined(separator: ", ") + ": "
        text += message.collapsingLines()
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        if let operation { text += " while \(operation)" }
        if let hint { text += "; hint: \(hint)" }
        return DisplayText.escaped(text)
    }

    /// Everything: the description, the code, and the server's detail, context and the statement.
    public var debugDescription: String {
        var text = "\(code): \(description)"
        if let detail { text += "\n  detail: \(detail)" }
        if let context { text += "\n  context: \(context.replacingNewlines())" }
        if let constraintName { text += "\n  constraint: \(constraintName)" }
        if let statement { text += "\n  statement: \(statement)" }
        return text
    }

    /// Returns a copy with unset archive location fields and operation filled in.
    package func filling(_ other: ArchiveError.Location, operation: String? = nil) -> PostgresError {
        var copy = self
        copy.location.path = location.path ?? other.path
        copy.location.table = location.table ?? other.table
        copy.location.row = location.row ?? other.row
        copy.location.column = location.column ?? other.column
        copy.operation = self.operation ?? operation
        return copy
    }
}

extension String {
    /// One line: libpq's multi-line messages (`server closed the connection unexpectedly\n\tThis probably
    /// means…`) with each line break and the indentation after it made one space.
    func collapsingLines() -> String {
        guard contains(where: \.isNewline) else { return self }
        return split(whereSeparator: \.isNewline)
            .map { line in String(line.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed()) }
            .filter { !$0.isEmpty }.joined(separator: " ")
    }

    func replacingNewlines() -> String {
        split(separator: "\n", omittingEmptySubsequences: false).joined(separator: " | ")
    }
}
