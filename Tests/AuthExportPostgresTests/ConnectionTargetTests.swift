import Testing

@testable import AuthExportPostgres

/// URL spellings, SQLite dispatch and password masking (no server needed).
@Suite struct ConnectionTargetTests {
    @Test(arguments: [
        ("postgresql://app@db:5432/auth", "postgresql://app@db:5432/auth"),
        ("postgres://app@db/auth", "postgres://app@db/auth"),
        ("postgresql+psycopg2://app:pw@db/auth?sslmode=require", "postgresql://app:pw@db/auth?sslmode=require"),
        ("postgresql+psycopg://app@db/auth", "postgresql://app@db/auth"),
        ("postgresql+asyncpg://app@db/auth", "postgresql://app@db/auth"),
        ("host=db dbname=auth user=app", "host=db dbname=auth user=app"),
        ("  dbname=auth  ", "dbname=auth"),
        ("service=authprod", "service=authprod"),
    ])
    func postgresSpellings(input: String, conninfo: String) throws {
        #expect(try ConnectionTarget.parse(input) == .postgres(conninfo: conninfo))
    }

    @Test(arguments: [
        ("sqlite:///app.db", "app.db"),
        ("sqlite:////var/lib/app.db", "/var/lib/app.db"),
        ("sqlite+pysqlite:///data/app.db", "data/app.db"),
        ("app.db", "app.db"),
        ("/tmp/new app.db", "/tmp/new app.db"),
        ("./a:b.db", "./a:b.db"),
    ])
    func sqliteSpellings(input: String, path: String) throws {
        #expect(try ConnectionTarget.parse(input) == .sqlite(path: path))
    }

    @Test func unknownSchemesAreRefused() {
        let error = #expect(throws: PostgresError.self) { try ConnectionTarget.parse("mysql://root@db/app") }
        #expect(error?.message.contains("mysql") == true)
        #expect(throws: PostgresError.self) { try ConnectionTarget.parse("") }
    }

    @Test func passwordsAreMasked() {
        #expect(ConnectionTarget.redact("postgresql://app:s3cr%40t@db/auth") == "postgresql://app:***@db/auth")
        #expect(ConnectionTarget.redact("postgresql://app:p@ss@db/auth") == "postgresql://app:***@db/auth")
        #expect(ConnectionTarget.redact("postgresql://app@db/auth?password=hunter2&sslmode=require")
            == "postgresql://app@db/auth?password=***&sslmode=require")
        #expect(ConnectionTarget.redact("host=db password='a b\\'c' user=x") == "host=db password='***' user=x")
        #expect(ConnectionTarget.redact("host=db password=hunter2") == "host=db password=***")
        #expect(ConnectionTarget.scrub("FATAL: bad password s3cr@t for user", conninfo: "postgresql://u:s3cr%40t@h/d")
            == "FATAL: bad password *** for user")
    }
}
