/// The one reading of a SQLite database location as a user or an application's `DATABASE_URL` writes it, shared by
/// every command that takes one (export's source, restore's target).
///
/// Syntax only (no file is opened). Follows SQLAlchemy: `sqlite:///relative/path.db` (three slashes: relative to the
/// current directory), `sqlite:////absolute/path.db` (four), driver suffixes (`sqlite+pysqlite://`), a query string
/// ignored (`?timeout=20`). Refused, with what to write instead: an in-memory database (`sqlite://`,
/// `sqlite:///:memory:`, `:memory:`), a host (`sqlite://x.db`, `sqlite://localhost/x.db`), `-` (standard input or
/// output cannot hold a SQLite database) and an empty path.
package enum SQLiteURL {
    /// Whether `text` starts with a SQLite URL scheme (`sqlite:`, `sqlite3:`, `sqlite+driver:`).
    package static func hasSQLiteScheme(_ text: String) -> Bool {
        guard let colon = text.firstIndex(of: ":") else { return false }
        let scheme = text[..<colon].lowercased()
        return scheme == "sqlite" || scheme == "sqlite3" || scheme.hasPrefix("sqlite+")
    }

    /// The database file path `text` names: a SQLite URL or a plain path.
    ///
    /// - Parameter role: how the message names the argument (`the source`, `--to`).
    /// - Throws: `ArchiveError` `.invalidValue` (a usage error) for the refused forms above; its message says what
    ///   to write instead.
    package static func path(_ text: String, role: String) throws(ArchiveError) -> String {
        guard !text.isEmpty else {
            throw ArchiveError(.invalidValue, "\(role) is empty; give a SQLite file or a sqlite:/// URL")
        }
        guard hasSQLiteScheme(text), let colon = text.firstIndex(of: ":") else {
            try checkSpecialName(text, role: role)
            return text
        }
        var rest = text[text.index(after: colon)...]
        if let query = rest.firstIndex(of: "?") { rest = rest[..<query] }
        guard rest.hasPrefix("//") else {
            throw ArchiveError(
                .invalidValue,
                "\(role) \(text) is not a SQLite URL: write sqlite:///relative/path.db or sqlite:////absolute/path.db")
        }
        rest = rest.dropFirst(2)
        // What stands between `//` and the next `/` is a host; SQLite URLs take none.
        let hostEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        let host = rest[..<hostEnd]
        if !host.isEmpty {
            let path = rest[hostEnd...].drop { $0 == "/" }
            let example = path.isEmpty ? String(host) : String(path)
            throw ArchiveError(
                .invalidValue,
                "\(role) \(text) names a host (\"\(host)\"); SQLite URLs take none: write sqlite:///\(example) (relative) "
                    + "or sqlite:////\(example) (absolute)")
        }
        let path = String(rest.dropFirst())  // the `/` ending the empty host
        guard !path.isEmpty else {
            throw ArchiveError(
                .invalidValue,
                "\(role) \(text) names an in-memory database, which no other process can see; give a database file")
        }
        try checkSpecialName(path, role: role)
        return path
    }

    /// Whether `text` is a three-slash (relative) SQLite URL whose path looks absolute to its writer:
    /// `sqlite:///srv/app.db` is `srv/app.db` in the current directory. Used for a hint when that file is missing.
    package static func absoluteSpelling(of text: String) -> String? {
        guard hasSQLiteScheme(text), let colon = text.firstIndex(of: ":") else { return nil }
        let rest = text[text.index(after: colon)...]
        guard rest.hasPrefix("///"), !rest.hasPrefix("////") else { return nil }
        return String(text[...colon]) + "////" + rest.dropFirst(3)
    }

    private static func checkSpecialName(_ path: String, role: String) throws(ArchiveError) {
        if path == ":memory:" || path.hasPrefix("file::memory:") {
            throw ArchiveError(
                .invalidValue, "\(role) \(path) names an in-memory database, which no other process can see; give a database file")
        }
        if path == "-" {
            throw ArchiveError(
                .invalidValue, "\(role) is -, but a SQLite database cannot be read from or written to a pipe; give a database file "
                    + "(./- for a file named -)")
        }
    }
}
