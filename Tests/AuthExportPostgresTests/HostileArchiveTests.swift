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
}
