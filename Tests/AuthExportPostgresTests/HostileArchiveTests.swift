import Foundation
import Testing

import AuthExport
@testable import AuthExportPostgres

/// SQL texts in an archive (CHECK expressions, index predicates, view bodies) are data: a hostile archive must not
/// be able to run a statement of its own (B9 in spec/OPEN-QUESTIONS.md).
@Suite struct HostileArchiveTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path + "/Fixtures/valid/hostile-sql-texts.authx.gz"

    @Test func sqlTextsCannotChainStatements() throws {
        let db = try TestDatabase()
        defer { db.drop() }
        // The restore may succeed (reporting what it could not translate) or fail; either way nothing injected runs.
        _ = try? PostgresRestore.restore(archive: Self.fixture, to: db.url)
        let injected = try db.value("SELECT count(*) FROM pg_class WHERE relname LIKE 'injected%'")
        #expect(injected == "0", "a statement smuggled in an archive's SQL text was executed")
    }

    /// With `--jobs`, a table's default, CHECK and index statements run on a loading connection that commits
    /// into the staging schema, which is dropped afterwards: the smuggled statements here name `public`, so
    /// they would leave a trace however the restore ends.
    @Test func sqlTextsCannotChainStatementsOnLoadingConnections() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = dir.file("hostile-jobs.authx.gz")
        func smuggle(_ name: String) -> String { "CREATE TABLE public.injected_\(name) (x integer)" }
        let table = TableSchema(
            name: "t",
            columns: [
                Column(name: "id", type: .integer, nullable: false, sourceType: "INTEGER"),
                Column(name: "n", type: .integer, sourceType: "INTEGER", defaultSQL: "0); \(smuggle("default")); SELECT (1"),
            ],
            primaryKey: ["id"],
            indexes: [Index(name: "ix_where", columns: ["n"], predicate: "n > 0; \(smuggle("where"))")],
            checks: [CheckConstraint(expression: "id > 0); \(smuggle("check")); SELECT (1")])
        try TestArchives.write(archive, [(table, [[.integer(1), .integer(2)], [.integer(2), .null]])])
        var options = PostgresRestore.Options()
        options.jobs = 2
        _ = try? PostgresRestore.restore(archive: archive, to: db.url, options: options)
        let injected = try db.value("SELECT count(*) FROM pg_class WHERE relname LIKE 'injected%'")
        #expect(injected == "0", "a statement smuggled in an archive's SQL text was executed by a loading connection")
    }
}
