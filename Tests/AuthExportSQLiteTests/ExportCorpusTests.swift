import AuthExport
import Foundation
import Testing

@testable import AuthExportSQLite

/// Real third-party SQLite databases from `../shared/corpus` (pgloader's SQLite test suite): each is copied
/// to a temp directory, exported, and every value compared with `sqlite3 -json` output of the source.
///
/// The corpus is not in the repository. Where it is absent this suite is reported as not run (with the path
/// it looked at); in CI (`CI` set) its absence is a failure, since CI has it.
@Suite(.enabled(if: CorpusLocation.directory != nil, "corpus suite NOT RUN: ../shared/corpus not found"))
struct ExportCorpusTests {
    static var directory: String? { CorpusLocation.directory }

    static let databases = [
        "Chinook_Sqlite.sqlite", "Chinook_Sqlite_AutoIncrementPKs.sqlite", "storage.sqlite", "sqlite.db",
        "type-mismatch.db", "bad-utf8.db", "collision.db", "test_pk.db", "cli_with.db", "matviews.sqlite",
    ]

    /// Copies a corpus database into `directory` (the corpus is read-only and must never be opened in place).
    private func copy(_ name: String, into directory: ExportTempDirectory) throws -> String {
        let source = try #require(Self.directory) + "/pgloader/" + name
        let target = directory.file(name)
        try FileManager.default.copyItem(atPath: source, toPath: target)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: target)
        return target
    }

    @Test(arguments: databases)
    func everyValueSurvives(database name: String) throws {
        let directory = try ExportTempDirectory()
        defer { directory.remove() }
        let database = try copy(name, into: directory)
        let (summary, dump) = try ExportTestSupport.export(database, in: directory)
        let db = try SQLiteConnection(path: database, mode: .readOnly)
        defer { try? db.close() }
        let userTables = try db.query(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")[0][0].integer
        #expect(Int64(dump.tables.count) == userTables)
        #expect(summary.archive.tables == dump.tables.count)
        try ExportTestSupport.expectSameValues(dump, database: database)
        try ArchiveCheck.verify(directory.file("export.authx.gz"))
    }

    @Test func chinookTypes() throws {
        let directory = try ExportTempDirectory()
        defer { directory.remove() }
        let database = try copy("Chinook_Sqlite.sqlite", into: directory)
        let (summary, dump) = try ExportTestSupport.export(database, in: directory)
        #expect(summary.archive.rows > 15_000)
        #expect(try dump.table("Invoice").column("InvoiceDate").type == .timestamp)
        #expect(try dump.table("Invoice").column("Total").type == .decimal)
        #expect(try dump.table("Track").column("UnitPrice").type == .decimal)
        let order = summary.tables.map(\.name)
        #expect(order.firstIndex(of: "Artist") ?? 99 < order.firstIndex(of: "Album") ?? -1)
        #expect(order.firstIndex(of: "Album") ?? 99 < order.firstIndex(of: "Track") ?? -1)
        #expect(order.firstIndex(of: "Invoice") ?? 99 < order.firstIndex(of: "InvoiceLine") ?? -1)
        let lines = try dump.table("PlaylistTrack")
        #expect(lines.record["primary_key"] as? [String] == ["PlaylistId", "TrackId"])
    }

    @Test func dynamicTypingAndBadUTF8Survive() throws {
        let directory = try ExportTempDirectory()
        defer { directory.remove() }
        let mismatch = try copy("type-mismatch.db", into: directory)
        let (_, dump) = try ExportTestSupport.export(mismatch, in: directory, name: "mismatch")
        let products = try dump.table("products")
        let qty = try products.column("qty")
        #expect(qty.type == .any)
        #expect(try products.values("qty").contains(.text("lots-of-it")))

        // The non-UTF-8 file name was stored as a BLOB in a TEXT column: the column is `any`, the bytes exact.
        let badUTF8 = try copy("bad-utf8.db", into: directory)
        let (summary, files) = try ExportTestSupport.export(badUTF8, in: directory, name: "bad")
        #expect(try files.table("files").column("filename").type == .any)
        #expect(
            try files.table("files").values("filename")[1]
                == .bytes(Array("file".utf8) + [0x96] + Array("name.txt".utf8)))
        #expect(summary.warnings.contains { $0.table == "files" && $0.column == "filename" })
    }

    @Test func viewsAreCarriedNotDropped() throws {
        let directory = try ExportTempDirectory()
        defer { directory.remove() }
        let database = try copy("matviews.sqlite", into: directory)
        let (summary, dump) = try ExportTestSupport.export(database, in: directory)
        #expect(Set(summary.objects.map(\.name)) == ["active_products", "cheap_products"])
        #expect(dump.objects.allSatisfy { $0["type"] as? String == "view" })
    }
}

/// Where the corpus is.
enum CorpusLocation {
    /// `$AUTHX_CORPUS_DIR`, else `../shared/corpus` from the repository root (also one level up, for worktrees).
    static let directory: String? = {
        let root = ExportTestSupport.repositoryRoot()
        var candidates = [root + "/../shared/corpus", root + "/../../shared/corpus"]
        if let env = ProcessInfo.processInfo.environment["AUTHX_CORPUS_DIR"] { candidates.insert(env, at: 0) }
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/pgloader") }
    }()
}

/// CI has the corpus: there, its absence is an error rather than a suite that silently did not run.
@Suite struct ExportCorpusPresenceTests {
    @Test func corpusIsPresentInCI() {
        if ProcessInfo.processInfo.environment["CI"] != nil {
            #expect(CorpusLocation.directory != nil, "CI must have ../shared/corpus; the corpus suite did not run")
        }
    }
}
