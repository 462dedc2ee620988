import AuthExport
import Foundation
import Testing

@testable import AuthExportSQLite

/// A temporary directory for one test, removed by `remove()` (call it in a `defer`).
struct ExportTempDirectory {
    let path: String

    init(_ label: String = "authx-export-test") throws {
        let base = FileManager.default.temporaryDirectory.path
        let path = "\(base)/\(label)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        self.path = path
    }

    func file(_ name: String) -> String { "\(path)/\(name)" }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Helpers shared by the export and representation tests.
enum ExportTestSupport {
    /// The repository root, found from this file's path.
    static func repositoryRoot(file: String = #filePath) -> String {
        var url = URL(fileURLWithPath: file)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }

    /// Creates a database at `path` by running `sql` through the SQLite C API.
    @discardableResult
    static func makeDatabase(at path: String, _ sql: String) throws -> SQLiteConnection {
        let connection = try SQLiteConnection(path: path, mode: .create)
        try connection.execute(sql)
        return connection
    }

    /// Runs the sqlite3 command-line tool and returns its standard output.
    static func sqlite3(_ arguments: [String], input: String? = nil) throws -> String {
        try run("/usr/bin/sqlite3", arguments, input: input)
    }

    /// Runs a program and returns its standard output; throws when it fails.
    static func run(_ program: String, _ arguments: [String], input: String? = nil) throws -> String {
        let result = try runCapturing(program, arguments, input: input)
        guard result.status == 0 else {
            throw TestFailure(
                "\(program) \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)")
        }
        return String(decoding: result.stdout, as: UTF8.self)
    }

    /// Runs a program; returns its exit status, standard output and standard error.
    static func runCapturing(
        _ program: String, _ arguments: [String], input: String? = nil, environment: [String: String]? = nil
    ) throws -> (status: Int32, stdout: Data, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        if let environment { process.environment = environment }
        // Standard error goes to a file, so neither pipe can fill up and block the child.
        let errorPath = FileManager.default.temporaryDirectory.appendingPathComponent(
            "authx-stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errorPath.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorPath) }
        let errorHandle = try FileHandle(forWritingTo: errorPath)
        defer { try? errorHandle.close() }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = errorHandle
        let inputPipe = Pipe()
        process.standardInput = input != nil ? inputPipe : FileHandle.nullDevice
        try process.run()
        if let input {
            inputPipe.fileHandleForWriting.write(Data(input.utf8))
            try inputPipe.fileHandleForWriting.close()
        }
        let stdoutData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stderrText = (try? String(contentsOf: errorPath, encoding: .utf8)) ?? ""
        return (process.terminationStatus, stdoutData, stderrText)
    }
}

/// A failure raised by test helpers.
struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension ExportTestSupport {
    /// The fixture SQL `Fixtures/databases/NAME.sql`.
    static func fixtureSQL(_ name: String) -> String {
        repositoryRoot() + "/Fixtures/databases/\(name).sql"
    }

    /// Builds `Fixtures/databases/NAME.sql` into `directory/NAME.sqlite` with the sqlite3 tool.
    static func buildFixture(_ name: String, in directory: ExportTempDirectory) throws -> String {
        let path = directory.file("\(name).sqlite")
        let sql = try String(contentsOfFile: fixtureSQL(name), encoding: .utf8)
        _ = try sqlite3(["-bail", path], input: sql)
        return path
    }

    /// Exports `database` to `directory/NAME.authx.gz`; returns the summary and the archive read back.
    static func export(
        _ database: String, in directory: ExportTempDirectory, options: SQLiteExportOptions = .init(),
        name: String = "export"
    ) throws -> (SQLiteExportSummary, ExportArchiveDump) {
        var options = options
        options.threads = 2
        let path = directory.file("\(name).authx.gz")
        let summary = try SQLiteExporter.export(
            source: database, to: .file(path: path, overwrite: true), options: options)
        return (summary, try ExportArchiveDump(path: path))
    }

    /// Compares every value of every exported table with what `sqlite3 -json` prints for the source, after
    /// turning each archive value back into the stored SQLite value.
    ///
    /// Returns the number of cells compared.
    @discardableResult
    static func expectSameValues(
        _ dump: ExportArchiveDump, database: String, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Int {
        let db = try SQLiteConnection(path: database, mode: .readOnly)
        defer { try? db.close() }
        let schema = try SchemaReader.read(db)
        var compared = 0
        for archived in dump.tables {
            let table = try #require(schema.tables.first { $0.name == archived.name }, sourceLocation: sourceLocation)
            let expected = try SQLiteJSONOracle.rows(database: database, table: table)
            #expect(
                archived.rows.count == expected.count, "table \(table.name): row count", sourceLocation: sourceLocation)
            #expect(
                archived.end["rows"] as? Int == expected.count, "table \(table.name): table_end rows",
                sourceLocation: sourceLocation)
            let representations = try archived.columns.map { try ColumnRepresentation(column: $0) }
            for (r, (row, oracle)) in zip(archived.rows, expected).enumerated() {
                for (c, value) in row.enumerated() {
                    let stored = try representations[c].storedValue(for: value)
                    let cell = SQLiteJSONOracle.cell(stored)
                    #expect(
                        SQLiteJSONOracle.same(cell, oracle[c]),
                        "table \(table.name), row \(r + 1), column \(archived.columns[c].name): archive \(cell), source \(oracle[c])",
                        sourceLocation: sourceLocation)
                    compared += 1
                }
            }
        }
        return compared
    }
}

extension ExportArchiveDump.Table {
    /// The column named `name`.
    func column(_ name: String) throws -> Column {
        guard let column = columns.first(where: { $0.name == name }) else { throw TestFailure("no column \(name)") }
        return column
    }

    /// The values of column `name`, in row order.
    func values(_ name: String) throws -> [Value] {
        guard let index = columns.firstIndex(where: { $0.name == name }) else { throw TestFailure("no column \(name)") }
        return rows.map { $0[index] }
    }
}
