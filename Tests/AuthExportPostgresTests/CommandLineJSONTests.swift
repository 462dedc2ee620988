import AuthExport
import Foundation
import Testing

@testable import AuthExportPostgres

/// Every command's `--json`, for each backend, success and failure, checked against its JSON Schema in spec/cli/
/// (scripts/check-cli-json, python jsonschema); a failure is `{"ok": false, "error": …}` with the exit code the
/// command has without `--json`.
@Suite struct CommandLineJSONTests {
    /// Validates `document` against spec/cli/COMMAND.schema.json; returns the validator's complaints ("" when valid).
    static func schemaProblems(_ command: String, _ document: String) throws -> String? {
        let process = Process()
        // scripts/test sets AUTHX_PYTHON to a python with jsonschema (its own venv when the system has none).
        let python = ProcessInfo.processInfo.environment["AUTHX_PYTHON"] ?? "python3"
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, TestArchives.repositoryRoot() + "/scripts/check-cli-json", command]
        let input = Pipe()
        let err = Pipe()
        process.standardInput = input
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data(document.utf8))
        try input.fileHandleForWriting.close()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus == 2 { throw TestFailure("check-cli-json cannot run: \(message)") }
        return process.terminationStatus == 0 ? nil : message
    }

    /// Runs `arguments` with --json, checks the document against the schema and `ok`, and that the exit code is
    /// `status`, the same as without --json.
    @discardableResult
    static func check(
        _ arguments: [String], status: Int32, stdin: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> [String: Any] {
        let command = arguments[0]
        let withJSON = try CommandLineDefectTests.authx(arguments + ["--json"], stdin: stdin)
        #expect(withJSON.status == status, "\(arguments): \(withJSON.stderr)", sourceLocation: sourceLocation)
        let problems = try schemaProblems(command, withJSON.stdout)
        #expect(problems == nil, "\(arguments): \(withJSON.stdout)\n\(problems ?? "")", sourceLocation: sourceLocation)
        let object = try JSONSerialization.jsonObject(with: Data(withJSON.stdout.utf8)) as? [String: Any] ?? [:]
        #expect(object["ok"] as? Bool == (status == 0), sourceLocation: sourceLocation)
        if status != 0 {
            #expect(withJSON.stderr.isEmpty || command == "verify", "\(withJSON.stderr)", sourceLocation: sourceLocation)
            let plain = try CommandLineDefectTests.authx(arguments, stdin: stdin)
            #expect(plain.status == status, "\(arguments) without --json: \(plain.stderr)", sourceLocation: sourceLocation)
            #expect(plain.stderr.hasPrefix("authx \(command)") || command == "verify", sourceLocation: sourceLocation)
        }
        return object
    }

    @Test func everyCommandAndBackendMatchesItsSchema() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let archive = try TestArchives.fixtureArchive("sample_auth", in: dir)
        let sqlite = dir.file("sample_auth.sqlite")
        let database = try TestDatabase()
        defer { database.drop() }

        // export: SQLite and PostgreSQL sources, success and failure.
        let exported = try Self.check(["export", sqlite, "-o", dir.file("a.gz")], status: 0)
        #expect((exported["tables"] as? [[String: Any]])?.first?["name"] as? String == "users")
        try Self.check(["export", sqlite, "-o", dir.file("b.gz"), "-T", "*"], status: 2)
        try Self.check(["export", dir.file("missing.db"), "-o", dir.file("b.gz")], status: 3)

        // restore: into SQLite and PostgreSQL, success and failure; --list.
        let restored = try Self.check(["restore", archive, "--to", dir.file("r.db")], status: 0)
        #expect((restored["tables"] as? [[String: Any]])?.count == 6)
        try Self.check(["restore", archive, "--to", dir.file("r.db")], status: 3)  // exists, no --force
        try Self.check(["restore", archive, "--to", database.url], status: 0)
        try Self.check(["restore", archive, "--to", database.url], status: 3)  // tables exist
        try Self.check(["restore", archive, "--to", database.url, "-t", "nope"], status: 2)
        try Self.check(["restore", archive, "-l"], status: 0)
        try Self.check(["restore", sqlite, "--to", dir.file("s.db")], status: 2)  // a SQLite file as archive

        let fromPostgres = try Self.check(["export", database.url, "-o", dir.file("pg.gz")], status: 0)
        #expect((fromPostgres["source"] as? [String: Any])?["backend"] as? String == "postgresql")
        try Self.check(["export", TestServer.url(database.url, database: "authx_no_such_db"), "-o", dir.file("x.gz")], status: 3)
        try Self.check(["restore", dir.file("pg.gz"), "--to", dir.file("pg.db")], status: 0)

        // verify and inspect: valid, invalid (exit 1), unusable (exit 2, 3).
        try Self.check(["verify", archive], status: 0)
        try Self.check(["verify", archive], status: 0, stdin: nil)
        var bytes = try #require(FileManager.default.contents(atPath: archive))
        bytes[bytes.count / 2] ^= 0x55
        let damaged = dir.file("damaged.gz")
        try bytes.write(to: URL(fileURLWithPath: damaged))
        let invalid = try Self.check(["verify", damaged], status: 1)
        #expect(invalid["valid"] as? Bool == false)
        try Self.check(["verify", sqlite], status: 2)
        try Self.check(["inspect", archive], status: 0)
        try Self.check(["inspect", dir.file("missing.gz")], status: 3)
        try Self.check(["restore", damaged, "--to", dir.file("d.db")], status: 1)
    }

    /// The check can fail: a document missing a required member, or with a warning as a bare string, is rejected.
    @Test func theSchemasRejectWrongShapes() throws {
        #expect(try Self.schemaProblems("restore", #"{"ok":true,"command":"restore","json_version":1}"#) != nil)
        let stringWarning =
            #"{"ok":true,"command":"restore","json_version":1,"target":"x.db","backend":"sqlite","tables":[],"#
            + #""rows":0,"seconds":0.1,"warnings":["a string"]}"#
        #expect(try Self.schemaProblems("restore", stringWarning) != nil)
        let tablesAsCount = stringWarning.replacingOccurrences(of: #""tables":[]"#, with: #""tables":6"#)
            .replacingOccurrences(of: #"["a string"]"#, with: "[]")
        #expect(try Self.schemaProblems("restore", tablesAsCount) != nil)
        #expect(try Self.schemaProblems("restore", tablesAsCount.replacingOccurrences(of: #""tables":6"#, with: #""tables":[]"#)) == nil)
        #expect(try Self.schemaProblems("export", #"{"ok":false,"command":"export","json_version":1,"error":{"code":"usage","message":"m"}}"#) != nil)
    }
}
