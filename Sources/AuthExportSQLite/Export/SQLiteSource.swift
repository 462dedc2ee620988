import AuthExport

/// Where the database to export is: a file path, or a URL as an application writes its `DATABASE_URL`.
///
/// Accepted: a plain path; `sqlite:///relative/path.db` (relative to the current directory);
/// `sqlite:////absolute/path.db`; SQLAlchemy driver suffixes (`sqlite+pysqlite://`, `sqlite+aiosqlite://`…);
/// a query string is ignored (`?timeout=20`). `sqlite://` and `:memory:` name an in-memory database, which
/// cannot be exported from another process, and are refused.
package struct SQLiteSource: Sendable, Hashable {
    /// The database file path.
    package var path: String

    /// Parses a path or URL.
    ///
    /// - Throws: `ArchiveError` `.invalidValue` for an in-memory database, another URL scheme, or an empty path.
    package init(_ argument: String) throws(ArchiveError) {
        guard !argument.isEmpty else {
            throw ArchiveError(.invalidValue, "the source is empty; give a SQLite file or sqlite:/// URL")
        }
        guard let schemeEnd = argument.firstRange(of: "://") else {
            path = try SQLiteURL.path(argument, role: "the source")
            return
        }
        let scheme = argument[..<schemeEnd.lowerBound].lowercased()
        if scheme.hasPrefix("postgres") {
            throw ArchiveError(
                .invalidValue,
                "a PostgreSQL connection string is not a SQLite database: PostgresExport (AuthExportPostgres) exports "
                    + "PostgreSQL, as authx export does")
        }
        guard SQLiteURL.hasSQLiteScheme(argument) else {
            throw ArchiveError(
                .invalidValue,
                "unsupported source scheme \"\(scheme)://\"; expected a SQLite file path or a sqlite:/// URL")
        }
        path = try SQLiteURL.path(argument, role: "the source")
    }

    /// The file's base name (the archive header's `database`; never the full path).
    package var databaseName: String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}
