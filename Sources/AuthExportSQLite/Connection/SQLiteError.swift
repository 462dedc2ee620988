/// An error reported by SQLite, with its native details.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    /// The extended result code (`sqlite3_extended_errcode`).
    public var resultCode: Int32
    /// SQLite's message (`sqlite3_errmsg`), read right after the failing call.
    public var message: String
    /// The SQL being run, where there was one.
    public var sql: String?
    /// The database file.
    public var path: String?
    /// Functions the restore's authorizer refused while the statement compiled (archive SQL calling a function
    /// off the allow-list).
    package var deniedFunctions: [String] = []

    /// Creates an error.
    public init(resultCode: Int32, message: String, sql: String? = nil, path: String? = nil) {
        self.resultCode = resultCode
        self.message = message
        self.sql = sql
        self.path = path
    }

    /// `path: message (SQLite code N)`.
    public var description: String {
        var text = ""
        if let path { text += "\(path): " }
        text += "\(message) (SQLite code \(resultCode))"
        return text
    }
}
