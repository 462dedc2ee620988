import Foundation
import Testing

import AuthExport

/// Runs the built `authx` binary and checks its output and exit codes (0 ok, 1 invalid, 2 usage, 3 runtime).
@Suite struct VerifyInspectCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static var binary: String { root + "/.build/debug/authx" }

    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String]) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Writes a two-table archive into `dir` and returns its path.
    static func makeArchive(in dir: String) throws -> String {
        let path = dir + "/app.authx.gz"
        let header = ArchiveHeader(createdAt: "2026-01-01T00:00:00Z", producer: "tests", source: .init(backend: "sqlite", database: "app.db"))
        let writer = try ArchiveWriter(path: path, overwrite: false, header: header)
        try writer.beginTable(
            TableSchema(
                name: "users",
                columns: [Column(name: "id", type: .uuid, nullable: false), Column(name: "email", type: .text, nullable: false)],
                primaryKey: ["id"]))
        for i in 0..<100 {
            try writer.append([.text(String(format: "0b9e8a52-3c4f-4a8e-9a7e-%012d", i)), .text("user\(i)@example.com")])
        }
        try writer.endTable()
        try writer.beginTable(TableSchema(name: "roles", columns: [Column(name: "name", type: .text)]))
        try writer.append([.text("admin")])
        try writer.endTable()
        try writer.finish()
        return path
    }

    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "authx-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func verifyAcceptsAValidArchive() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let archive = try Self.makeArchive(in: dir)
        let result = try Self.run(["verify", archive])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("OK: 2 tables, 101 rows"))
        let json = try Self.run(["verify", "--json", archive])
        #expect(json.status == 0)
        let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(report?["valid"] as? Bool == true)
        #expect(report?["rows"] as? Int == 101)
    }

    @Test func verifyRejectsACorruptArchiveWithItsLocation() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let archive = try Self.makeArchive(in: dir)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: archive))
        bytes[bytes.count / 2] ^= 0x40
        try bytes.write(to: URL(fileURLWithPath: archive))
        let result = try Self.run(["verify", archive])
        #expect(result.status == 1)
        #expect(result.stderr.contains(archive))
        #expect(result.stderr.contains("INVALID"))
        let json = try Self.run(["verify", "--json", archive])
        #expect(json.status == 1)
        let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(report?["valid"] as? Bool == false)
        let problems = report?["problems"] as? [[String: Any]] ?? []
        #expect(!problems.isEmpty)
        #expect(problems.first?["byte_offset"] != nil)
    }

    @Test func verifyKeysReportsADuplicatePrimaryKeyThatThePlainCheckAccepts() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/dup.authx.gz"
        let header = ArchiveHeader(createdAt: "2026-01-01T00:00:00Z", producer: "tests", source: .init(backend: "sqlite", database: "app.db"))
        let writer = try ArchiveWriter(path: path, overwrite: false, header: header)
        try writer.beginTable(
            TableSchema(name: "users", columns: [Column(name: "id", type: .integer, nullable: false)], primaryKey: ["id"]))
        for id in [1, 2, 1] { try writer.append([.integer(Int64(id))]) }
        try writer.endTable()
        try writer.finish()

        #expect(try Self.run(["verify", path]).status == 0)
        let result = try Self.run(["verify", "--keys", path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(path): table users, row 3, column id: primary key (id) already holds this value (row 1)"), "\(result.stderr)")
        let json = try Self.run(["verify", "--keys", "--json", path])
        let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let problems = report?["problems"] as? [[String: Any]] ?? []
        #expect(problems.map { $0["code"] as? String } == ["duplicate_key"])
    }

    @Test func verifyReportsTruncation() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let archive = try Self.makeArchive(in: dir)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: archive))
        try bytes.prefix(bytes.count - 100).write(to: URL(fileURLWithPath: archive))
        let result = try Self.run(["verify", archive])
        #expect(result.status == 1)
        #expect(result.stderr.contains("truncated") || result.stderr.contains("ends"))
    }

    @Test func verifyReadsStandardInput() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let archive = try Self.makeArchive(in: dir)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["verify", "-"]
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: archive))
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(stdout.contains("OK"))
    }

    @Test func exitCodesForUsageAndRuntimeErrors() throws {
        let missing = try Self.run(["verify", "/nonexistent/archive.gz"])
        #expect(missing.status == 3)
        #expect(missing.stderr.contains("/nonexistent/archive.gz"))
        let usage = try Self.run(["verify"])
        #expect(usage.status == 2)
        let unknown = try Self.run(["frobnicate"])
        #expect(unknown.status == 2)
        let help = try Self.run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("Exit codes"))
    }

    /// The usual mix-ups of `diff` and `verify --against` (a database where an archive goes, a directory, a
    /// three-slash absolute URL) are usage errors that say what the file is and what to type; nothing is read.
    @Test func diffAndVerifyAgainstNameTheWrongKindOfFile() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let archive = try Self.makeArchive(in: dir)
        let database = dir + "/app.db"
        #expect(FileManager.default.createFile(atPath: database, contents: Data("SQLite format 3\0".utf8) + Data(count: 84)))
        for arguments in [["diff", database, archive], ["diff", archive, database]] {
            let mixedUp = try Self.run(arguments)
            #expect(mixedUp.status == 2, "\(arguments): \(mixedUp.stderr)")
            #expect(mixedUp.stderr.contains("\(database) is a SQLite database, not an archive"), "\(mixedUp.stderr)")
            #expect(mixedUp.stderr.contains("hint: diff compares two archives; a database with an archive: `authx verify \(archive) --against \(database)`"), "\(mixedUp.stderr)")
        }
        let directory = try Self.run(["diff", archive, dir])
        #expect(directory.status == 2 && directory.stderr.contains("\(dir) is a directory, not an archive"), "\(directory.stderr)")
        let against = try Self.run(["verify", archive, "--against", dir])
        #expect(against.status == 2 && against.stderr.contains("\(dir) is a directory, not a SQLite database"), "\(against.stderr)")
        let threeSlashes = try Self.run(["verify", archive, "--against", "sqlite://\(dir)/none.db"])
        #expect(threeSlashes.status == 3, "\(threeSlashes.stderr)")
        #expect(threeSlashes.stderr.contains("hint: an absolute path takes four slashes: sqlite:///\(dir)/none.db"), "\(threeSlashes.stderr)")
    }

    @Test func inspectListsTablesFromTheIndex() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let archive = try Self.makeArchive(in: dir)
        let result = try Self.run(["inspect", archive])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("auth_export 1.0"))
        #expect(result.stdout.contains("sqlite database app.db"))
        let usersLine = result.stdout.split(separator: "\n").first { $0.hasPrefix("users") }
        #expect(usersLine?.contains("100") == true)
        #expect(usersLine?.contains("id uuid!*") == true)
        let json = try Self.run(["inspect", "--json", archive])
        let listing = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect((listing?["tables"] as? [Any])?.count == 2)
        #expect(listing?["rows"] as? Int == 101)
    }

    @Test func inspectRefusesATruncatedArchive() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let archive = try Self.makeArchive(in: dir)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: archive))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: archive))
        let result = try Self.run(["inspect", archive])
        #expect(result.status == 1)
        #expect(result.stderr.contains("verify"))
    }

    @Test func writtenFilesArePrivate() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let archive = try Self.makeArchive(in: dir)
        for path in [archive, archive + ".sha256"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? Int) == 0o600, "\(path)")
        }
        // The sidecar matches sha256sum's format and content.
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        check.arguments = ["-c", "--quiet", "app.authx.gz.sha256"]
        check.currentDirectoryURL = URL(fileURLWithPath: dir)
        try check.run()
        check.waitUntilExit()
        #expect(check.terminationStatus == 0)
    }
}
