import Foundation
import Testing

import AuthExport

#if canImport(Glibc)
    import Glibc
#endif

/// An archive and its sidecars are published so that none describes another archive, and `verify` checks a
/// `.sha256` beside the archive (issue 16, item 9). Real files, the built binary.
@Suite struct ArchiveSidecarTests {
    typealias CLI = VerifyInspectCommandTests

    static func contents(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }

    static func sha256sum(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [path]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(String(decoding: data, as: UTF8.self).prefix(64))
    }

    @Test func verifyChecksTheSidecarBesideTheArchive() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let archive = try CLI.makeArchive(in: dir)
        let sidecar = archive + ".sha256"
        #expect(try Self.contents(sidecar) == "\(Self.sha256sum(archive))  app.authx.gz\n")
        let ok = try CLI.run(["verify", archive])
        #expect(ok.status == 0, "\(ok.stderr)")

        // A sidecar of zeros (sha256sum -c fails): exit 1, one line naming both files.
        try (String(repeating: "0", count: 64) + "  app.authx.gz\n").write(toFile: sidecar, atomically: true, encoding: .utf8)
        let zeros = try CLI.run(["verify", archive])
        #expect(zeros.status == 1, "\(zeros.stdout) \(zeros.stderr)")
        let problem = zeros.stderr.split(separator: "\n").first { $0.contains("does not match") } ?? ""
        #expect(problem.contains(sidecar) && problem.contains("does not match \(archive)"), "\(zeros.stderr)")
        #expect(!zeros.stdout.contains("OK"))
        let json = try CLI.run(["verify", "--json", archive])
        #expect(json.status == 1)
        let document = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect((document?["error"] as? [String: Any])?["code"] as? String == "checksum_mismatch", "\(json.stdout)")

        // Not a sha256sum line: a failed check too. No sidecar: nothing to check.
        try "garbage\n".write(toFile: sidecar, atomically: true, encoding: .utf8)
        let damaged = try CLI.run(["verify", archive])
        #expect(damaged.status == 1, "\(damaged.stderr)")
        #expect(damaged.stderr.contains("is not a sha256sum line"), "\(damaged.stderr)")
        try FileManager.default.removeItem(atPath: sidecar)
        #expect(try CLI.run(["verify", archive]).status == 0)
    }

    /// Replacing an archive removes the sidecars of the old one: a `.sig` of the old archive never sits beside the
    /// new one (the writer makes no `.sig` here), and the new `.sha256` matches.
    @Test func replacingAnArchiveLeavesNoSidecarOfTheOldOne() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let archive = try CLI.makeArchive(in: dir)
        try "old signature\n".write(toFile: archive + ".sig", atomically: true, encoding: .utf8)
        let header = ArchiveHeader(createdAt: "2026-01-02T00:00:00Z", producer: "tests", source: .init(backend: "sqlite", database: "b.db"))
        let writer = try ArchiveWriter(path: archive, overwrite: true, header: header)
        try writer.beginTable(TableSchema(name: "t", columns: [Column(name: "a", type: .integer)]))
        try writer.append([.integer(7)])
        try writer.endTable()
        _ = try writer.finish()
        #expect(!FileManager.default.fileExists(atPath: archive + ".sig"), "a stale .sig stayed beside the new archive")
        #expect(try Self.contents(archive + ".sha256") == "\(Self.sha256sum(archive))  app.authx.gz\n")
        #expect(try CLI.run(["verify", archive]).status == 0)
    }

    /// A sidecar that cannot be published (here its name is taken by a directory; a full disk fails earlier, while
    /// it is written): the export fails and nothing is published — no archive without its sidecar, and a second
    /// run is not refused with "already exists".
    @Test func aSidecarThatCannotBePublishedPublishesNothing() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let archive = dir + "/app.authx.gz"
        try FileManager.default.createDirectory(atPath: archive + ".sha256", withIntermediateDirectories: false)
        #expect(throws: ArchiveError.self) { _ = try CLI.makeArchive(in: dir) }
        #expect(!FileManager.default.fileExists(atPath: archive), "the archive was published without its sidecar")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0 != "app.authx.gz.sha256" }
        #expect(leftovers.isEmpty, "left behind: \(leftovers)")
        try FileManager.default.removeItem(atPath: archive + ".sha256")
        _ = try CLI.makeArchive(in: dir)
        #expect(try CLI.run(["verify", archive]).status == 0)
    }

    /// A SIGKILL between the two steps of replacing a file leaves a complete file under a temporary name; the next
    /// writer of that name removes it (its process is gone), and leaves those of running processes alone.
    @Test func staleTemporaryArchivesOfDeadProcessesAreRemoved() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let dead = Process()
        dead.executableURL = URL(fileURLWithPath: "/bin/true")
        try dead.run()
        dead.waitUntilExit()
        let stale = dir + "/" + FileIO.temporaryStem(for: dir + "/app.authx.gz") + "\(dead.processIdentifier)-Ab12Cd"
        let live = dir + "/" + FileIO.temporaryStem(for: dir + "/app.authx.gz") + "\(getpid())-Zz99Yy"
        for path in [stale, live] { try "x".write(toFile: path, atomically: false, encoding: .utf8) }
        _ = try CLI.makeArchive(in: dir)
        #expect(!FileManager.default.fileExists(atPath: stale))
        #expect(FileManager.default.fileExists(atPath: live))
    }
}
