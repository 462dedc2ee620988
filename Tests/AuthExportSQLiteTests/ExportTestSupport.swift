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
        let errorPath = FileManager.default.temporaryDirectory.appendingPathComponent("authx-stderr-\(UUID().uuidString)")
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
