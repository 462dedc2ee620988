import AuthExport
import Testing

@testable import AuthExportSQLite

/// Source URLs, the CREATE TABLE reader and table ordering.
@Suite struct ExportUnitTests {
    @Test(arguments: [
        ("app.db", "app.db"), ("/srv/app.db", "/srv/app.db"), ("sqlite:///relative/app.db", "relative/app.db"),
        ("sqlite:////absolute/app.db", "/absolute/app.db"), ("sqlite+pysqlite:///app.db", "app.db"),
        ("sqlite+aiosqlite:////var/lib/app.db?timeout=20&uri=false", "/var/lib/app.db"),
        ("SQLITE:///Upper.db", "Upper.db"),
    ])
    func sourceURLs(argument: String, path: String) throws {
        #expect(try SQLiteSource(argument).path == path)
    }

    @Test(arguments: [
        "", ":memory:", "sqlite://", "sqlite:///:memory:", "postgresql://u:secret@h/db", "sqlite://host/x.db",
    ])
    func rejectedSources(argument: String) {
        let error = #expect(throws: ArchiveError.self) { _ = try SQLiteSource(argument) }
        #expect(error?.message.contains("secret") == false)
    }

    @Test func createTableDetails() {
        let info = CreateTableInfo(
            sql: """
                CREATE TABLE "a ""b" (
                  id integer NOT NULL PRIMARY KEY AUTOINCREMENT, -- comment, with a comma
                  "settings" text NOT NULL CHECK ((JSON_VALID("settings") OR "settings" IS NULL)),
                  name text COLLATE NOCASE CONSTRAINT uq_name UNIQUE,
                  owner_id integer NULL REFERENCES "users" ("id") DEFERRABLE INITIALLY DEFERRED,
                  note varchar(10) DEFAULT ('a,b'),
                  CONSTRAINT ck_len CHECK (length(name) > 0),
                  CONSTRAINT fk_x FOREIGN KEY (name, note) REFERENCES other (n, m) ON DELETE SET NULL,
                  UNIQUE (name, note)
                )
                """)
        #expect(info.autoincrement)
        #expect(
            info.checks.map(\.expression) == [#"(JSON_VALID("settings") OR "settings" IS NULL)"#, "length(name) > 0"])
        #expect(info.checks.map(\.name) == [nil, "ck_len"])
        #expect(info.collations["name"] == "NOCASE")
        #expect(info.uniques.map(\.name) == ["uq_name", nil])
        #expect(info.uniques.last?.columns == ["name", "note"])
        #expect(info.foreignKeys.count == 2)
        #expect(info.foreignKeys[0].deferred && info.foreignKeys[0].referencedTable == "users")
        #expect(info.foreignKeys[1].name == "fk_x" && !info.foreignKeys[1].deferred)
        #expect(
            TypeHints(
                column: SourceColumn(
                    name: "settings", declaredType: "text", notNull: true, primaryKeyPosition: 0,
                    checks: info.checks.map(\.expression))
            ).json)
    }

    @Test func partialIndexPredicate() {
        #expect(
            CreateIndexInfo.predicate(sql: "CREATE INDEX ix ON t (a, (b + 1)) WHERE revoked = 0 AND x IN (1, 2);")
                == "revoked = 0 AND x IN (1, 2)")
        #expect(CreateIndexInfo.predicate(sql: "CREATE INDEX \"where\" ON t (a)") == nil)
        #expect(CreateIndexInfo.predicate(sql: "CREATE INDEX ix ON t (a) WHERE note = 'WHERE x'") == "note = 'WHERE x'")
    }

    @Test func quotedIdentifiers() {
        #expect(SQLStatementText.quote("a\"b") == "\"a\"\"b\"")
        #expect(SQLStatementText.quote("select") == "\"select\"")
    }
}
