public import AuthExport

extension PostgresRestore {
    /// Creates the database `connection` names, as `pg_restore --create` does, so that a restore can follow.
    ///
    /// Connects to the same server's `postgres` maintenance database (else `template1`) with the same credentials
    /// and runs `CREATE DATABASE` with the name quoted.
    ///
    /// - Returns: the database name.
    /// - Throws: `PostgresError` `.connection` when the server cannot be reached; `.server` with SQLSTATE `42P04`
    ///   when the database already exists, `42501` when the role may not create databases.
    public static func createDatabase(_ connection: String) throws -> String {
        guard case .postgres(let conninfo) = try ConnectionTarget.parse(connection),
            let name = PGConnection.databaseName(of: conninfo), !name.isEmpty
        else {
            throw PostgresError(.invalidOptions, "--create needs a PostgreSQL connection string naming the database")
        }
        let admin = try maintenanceConnection(conninfo)
        defer { admin.close() }
        do {
            _ = try admin.execute("CREATE DATABASE \(PGConnection.quoteIdentifier(name))")
        } catch {
            guard error.sqlState == "42P04" else { throw error }
            var exists = error
            exists.hint = "restore into the existing database without -C/--create"
            throw exists
        }
        return name
    }

    /// A connection to the server's `postgres` database, else `template1`, with the credentials of `conninfo`.
    private static func maintenanceConnection(_ conninfo: String) throws(PostgresError) -> PGConnection {
        if let connection = try? PGConnection(conninfo: conninfo, database: "postgres") { return connection }
        return try PGConnection(conninfo: conninfo, database: "template1")
    }
}
