import AuthExport
import Foundation
import Testing

@testable import AuthExportSQLite

/// A SQLite restore's catalog work per table does not grow with the number of tables (issue 16, item 10: 5,000
/// tables took 7.9 s, 10,000 took 40.8 s, because a query listed every table once per table). Counted in SQLite
/// virtual-machine steps of the restore's own catalog queries, not in time.
@Suite struct ManyTablesRestoreTests {
    /// Exports a real SQLite database of `count` one-row tables (with an index each) and restores it.
    static func catalogSteps(tables count: Int, in dir: RestoreTempDirectory) throws -> Int64 {
        let database = dir.file("many-\(count).db")
        var sql = "BEGIN;"
        for i in 0..<count {
            sql += "CREATE TABLE t\(i) (id INTEGER PRIMARY KEY, v TEXT NOT NULL); CREATE INDEX t\(i)_v ON t\(i) (v);"
            sql += "INSERT INTO t\(i) VALUES (1, 'x');"
        }
        try RestoreTestSupport.makeDatabase(at: database, sql + "COMMIT;")
        let archive = dir.file("many-\(count).authx.gz")
        var exportOptions = SQLiteExportOptions()
        exportOptions.threads = 1
        _ = try SQLiteExporter.export(source: database, to: .file(path: archive, overwrite: true), options: exportOptions)
        let summary = try SQLiteRestore.restore(
            archive: archive, to: dir.file("restored-\(count).db"), options: SQLiteRestoreOptions())
        #expect(summary.tables == count)
        return summary.catalogVMSteps
    }

    @Test func catalogWorkIsLinearInTheNumberOfTables() throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        let small = try Self.catalogSteps(tables: 100, in: dir)
        let large = try Self.catalogSteps(tables: 400, in: dir)
        // Linear: 4 times the tables, about 4 times the steps; one scan of every table per table gives about 16.
        #expect(small > 0)
        #expect(Double(large) < 5 * Double(small), "100 tables: \(small) steps, 400 tables: \(large) steps")
    }
}
