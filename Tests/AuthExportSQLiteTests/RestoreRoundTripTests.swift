import AuthExport
import Foundation
import Testing

@testable import AuthExportSQLite

/// SQLite → archive → SQLite on real databases nobody on this project wrote (the pgloader corpus) and on the
/// project's ORM-style fixtures: every table must come back with the same rows, values and storage classes, byte
/// for byte, the same schema SQL, and exporting the restored database must give identical table checksums.
@Suite struct RestoreRoundTripTests {
    /// The corpus databases (`../shared/corpus/pgloader` from the repository root, or under `AUTHX_CORPUS_DIR`).
    static let corpusDatabases = [
        "Chinook_Sqlite.sqlite", "Chinook_Sqlite_AutoIncrementPKs.sqlite", "bad-utf8.db", "cli_with.db",
        "collision.db", "matviews.sqlite", "sqlite.db", "storage.sqlite", "test_pk.db", "type-mismatch.db",
    ]

    /// The fixture scripts in `Fixtures/databases`.
    static let fixtures = [
        "django_style", "edge_values", "quirks_bad_utf8", "quirks_constraints", "quirks_identifiers", "quirks_keys",
        "quirks_types", "quirks_views", "sample_auth", "sqlalchemy_style",
    ]

    @Test(
        .enabled(if: CorpusLocation.directory != nil, "corpus suite NOT RUN: ../shared/corpus not found"),
        arguments: corpusDatabases)
    func corpusDatabaseRoundTrips(name: String) throws {
        let corpus = try #require(CorpusLocation.directory) + "/pgloader"
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        let source = dir.file(name)
        try FileManager.default.copyItem(atPath: "\(corpus)/\(name)", toPath: source)
        try Self.assertRoundTrip(source: source, in: dir)
    }

    @Test(arguments: fixtures)
    func fixtureDatabaseRoundTrips(name: String) throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        try Self.assertRoundTrip(source: try RestoreTestSupport.makeFixtureDatabase(name, in: dir), in: dir)
    }

    /// Exports `source`, restores it, compares the databases, re-exports the restored one and compares checksums.
    static func assertRoundTrip(source: String, in dir: RestoreTempDirectory) throws {
        let archive = dir.file("first.authx.gz")
        var exportOptions = SQLiteExportOptions()
        exportOptions.threads = 1
        let exported = try SQLiteExporter.export(
            source: source, to: .file(path: archive, overwrite: false), options: exportOptions)
        let restored = dir.file("restored.db")
        let summary = try SQLiteRestore.restore(archive: archive, to: restored, options: .init())
        #expect(summary.rows == exported.archive.rows)

        let before = try DatabaseSnapshot(path: source)
        let after = try DatabaseSnapshot(path: restored)
        let differences = after.differences(from: before)
        // Every table, sqlite_sequence included (AUTOINCREMENT counters above the largest key come back too).
        #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))")
        #expect(!before.tables.isEmpty)
        #expect(try RestoreTestSupport.query(restored, "PRAGMA integrity_check").first?.first?.string == "ok")
        // verify --against: the restored database matches the archive.
        let match = try SQLiteExporter.compare(archive: archive, against: restored)
        #expect(match.isSame, "\(match.tables.filter { !$0.isSame }.map { $0.summary() + " \($0.schemaChanges)" })")

        let second = dir.file("second.authx.gz")
        _ = try SQLiteExporter.export(
            source: restored, to: .file(path: second, overwrite: false), options: exportOptions)
        let first = try tableChecksums(archive)
        let again = try tableChecksums(second)
        #expect(!first.isEmpty)
        #expect(again == first)
    }

    /// Table name → (rows, sha256) of every table of an archive, in order.
    static func tableChecksums(_ path: String) throws -> [String] {
        let reader = try ArchiveReader(path: path)
        var out: [String] = []
        while let record = try reader.next() {
            if case .tableEnd(let end) = record { out.append("\(end.table) \(end.rows) \(end.sha256)") }
        }
        return out
    }
}
