import Foundation
import Testing

import AuthExport

/// The README's "The library" example, compiled and run: scripts/readme-doctest checks that the README's swift
/// block is exactly the region below (after its first line, `let path = "app.authx.gz"`, which here names a file
/// in a temporary directory).
@Suite struct ReadmeLibraryExampleTests {
    @Test func theReadmeLibraryExampleWritesReadsAndVerifiesAnArchive() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/app.authx.gz"
        var printed: [[Value]] = []
        func print(_ values: [Value]) { printed.append(values) }
        func print(_ isValid: Bool, _ problems: [ArchiveError]) { #expect(isValid && problems.isEmpty) }

        // README:begin
        let header = ArchiveHeader(createdAt: "2026-11-25T09:00:00Z", producer: "myapp 1.0",
                                   source: .init(backend: "sqlite", database: "app.db"))
        let writer = try ArchiveWriter(path: path, overwrite: false, header: header)
        try writer.beginTable(TableSchema(name: "users", columns: [
            Column(name: "id", type: .uuid, nullable: false),
            Column(name: "email", type: .text, nullable: false),
        ], primaryKey: ["id"]))
        try writer.append([.text("0b9e8a52-3c4f-4a8e-9a7e-2f6d7c1e4b10"), .text("ada@example.com")])
        try writer.endTable()
        try writer.finish()          // publishes app.authx.gz (0600) and app.authx.gz.sha256

        let reader = try ArchiveReader(path: path)
        while let record = try reader.next() {       // every record is checked as it streams
            if case .row(let values) = record { print(values) }
        }

        let report = try ArchiveVerifier(path: path).run()
        print(report.isValid, report.problems)
        // README:end

        #expect(printed == [[.text("0b9e8a52-3c4f-4a8e-9a7e-2f6d7c1e4b10"), .text("ada@example.com")]])
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(FileManager.default.fileExists(atPath: path + ".sha256"))
    }
}
