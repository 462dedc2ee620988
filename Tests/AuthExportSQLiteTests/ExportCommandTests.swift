import AuthExport
import Foundation
import Testing

@testable import AuthExportSQLite

/// `authx export` end to end: the built binary, its files, exit codes and output streams.
@Suite struct ExportCommandTests {
    static var binary: String { ExportTestSupport.repositoryRoot() + "/.build/debug/authx" }

    private func authx(_ arguments: [String]) throws -> (status: Int32, stdout: Data, stderr: String) {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw TestFailure("\(Self.binary) is missing: run `swift build` before the tests")
        }
        return try ExportTestSupport.runCapturing(Self.binary, arguments)
    }

    @Test func writesArchiveAndSidecarAndRefusesToOverwrite() throws {
        let directory = try ExportTempDirectory()
        defer { directory.remove() }
        let database = try ExportTestSupport.buildFixture("sample_auth", in: directory)
        let archive = directory.file("out.authx.gz")
        let first = try authx(["export", database, "-o", archive])
        #expect(first.status == 0, "stderr: \(first.stderr)")
        #expect(first.stderr.contains("exported 6 tables, 41 rows"))
        #expect(first.stdout.isEmpty)
        try ArchiveCheck.verify(archive)
        let original = try Data(contentsOf: URL(fileURLWithPath: archive))

        let second = try authx(["export", database, "-o", archive])
        #expect(second.status == 3, "an existing archive is an I/O error without --force")
        #expect(second.stderr.contains("\(archive): already exists (use --force to overwrite)"), "\(second.stderr)")
        #expect(second.stderr.components(separatedBy: archive).count == 2, "the file named once: \(second.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: archive)) == original)

        let forced = try authx(["export", database, "-o", archive, "--force", "--quiet"])
        #expect(forced.status == 0)
        #expect(forced.stderr.isEmpty)
        try ArchiveCheck.verify(archive)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
                == ["out.authx.gz", "out.authx.gz.sha256", "sample_auth.sqlite"])
    }

    @Test func acceptsDatabaseURLs() throws {
        let directory = try ExportTempDirectory()
        defer { directory.remove() }
        let database = try ExportTestSupport.buildFixture("sample_auth", in: directory)
        let absolute = try authx([
            "export", "sqlite+pysqlite:///" + database + "?timeout=20", "-o", directory.file("a.gz"),
        ])
        #expect(absolute.status == 0, "stderr: \(absolute.stderr)")
        let missing = try authx(["export", "sqlite:////nonexistent/dir/app.db", "-o", directory.file("b.gz")])
        #expect(missing.status == 3)
        #expect(missing.stderr.contains("no such database file"))
        let memory = try authx(["export", "sqlite://", "-o", directory.file("c.gz")])
        #expect(memory.status != 0)
        #expect(!FileManager.default.fileExists(atPath: directory.file("b.gz")))
    }

    @Test func standardOutputAndJSONSummary() throws {
        let directory = try ExportTempDirectory()
        defer { directory.remove() }
        let database = try ExportTestSupport.buildFixture("sqlalchemy_style", in: directory)
        let piped = try authx(["export", database, "-o", "-", "--json"])
        #expect(piped.status == 0, "stderr: \(piped.stderr)")
        let archive = directory.file("piped.authx.gz")
        try piped.stdout.write(to: URL(fileURLWithPath: archive))
        _ = try ExportTestSupport.run("/bin/gzip", ["-t", archive])
        let dump = try ExportArchiveDump(path: archive)
        #expect(dump.tables.count == 6)
        // With -o -, the JSON summary goes to standard error.
        let summary = try #require(
            try JSONSerialization.jsonObject(with: Data(piped.stderr.utf8)) as? [String: Any])
        #expect(summary["rows"] as? Int == dump.tables.reduce(0) { $0 + $1.rows.count })
        let toFile = try authx(["export", database, "-o", directory.file("f.gz"), "--json"])
        let fileSummary = try #require(try JSONSerialization.jsonObject(with: toFile.stdout) as? [String: Any])
        let tables = try #require(fileSummary["tables"] as? [[String: Any]])
        let organizations = try #require(tables.first { $0["name"] as? String == "organizations" })
        let columns = try #require(organizations["columns"] as? [[String: Any]])
        #expect(columns.first?["type"] as? String == "uuid")
        #expect(columns.first?["encoding"] as? String == "hex32")
    }

    /// `--compression-level 0` (for a pipe into a restore) writes stored deflate blocks: a valid archive that
    /// verifies, holds the same content as the default level, and is larger than it.
    @Test func compressionLevelZeroStoresTheSameContent() throws {
        let directory = try ExportTempDirectory()
        defer { directory.remove() }
        let database = try ExportTestSupport.buildFixture("sample_auth", in: directory)
        let stored = directory.file("stored.authx.gz")
        let compressed = directory.file("compressed.authx.gz")
        let level0 = try authx(["export", database, "-o", stored, "--compression-level", "0", "--quiet"])
        #expect(level0.status == 0, "stderr: \(level0.stderr)")
        #expect(try authx(["export", database, "-o", compressed, "--quiet"]).status == 0)
        try ArchiveCheck.verify(stored)
        let size = { (path: String) in (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }
        #expect(try size(stored) > size(compressed) * 2)
        let content = { (path: String) in try ExportTestSupport.run("/bin/gzip", ["-dc", path]) }
        // Header (created_at), index and end (byte offsets, checksums) differ; the rows and their checksums not.
        let lines = { (path: String) in
            try content(path).split(separator: "\n").filter { $0.hasPrefix("[") || $0.contains("\"table_end\"") }
        }
        #expect(try lines(stored).count > 41)
        #expect(try lines(stored) == lines(compressed))
    }

    @Test func usageErrorsExitTwo() throws {
        let directory = try ExportTempDirectory()
        defer { directory.remove() }
        let database = try ExportTestSupport.buildFixture("sample_auth", in: directory)
        for arguments in [
            ["export", database, "-o", directory.file("x.gz"), "--type", "users.id"],
            ["export", database, "-o", directory.file("x.gz"), "--type", "users.id=guid"],
            ["export", database, "-o", directory.file("x.gz"), "--table", "nope*"],
            ["export", database, "-o", directory.file("x.gz"), "--assume-timezone", "Mars/Base"],
            ["export", database, "-o", directory.file("x.gz"), "--compression-level", "13"],
            ["export", database],
            ["export", ":memory:", "-o", directory.file("x.gz")],
            ["export", "mysql://root@db/app", "-o", directory.file("x.gz")],
            ["export", "postgresql://app:hunter2@db/app", "-o", directory.file("x.gz"), "--type", "users.id=uuid"],
            ["export", "postgresql://app:hunter2@db/app", "-o", directory.file("x.gz"), "--lock-wait-timeout", "soon"],
            ["export", database, "-o", directory.file("x.gz"), "--schema", "auth"],
        ] {
            let result = try authx(arguments)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: directory.file("x.gz")))
            #expect(!result.stderr.contains("hunter2"))
        }
        // A PostgreSQL source is exported (PostgresExportTests); an unreachable one is a runtime error, password hidden.
        let postgres = try authx(["export", "postgresql://app:hunter2@127.0.0.1:1/app", "-o", directory.file("x.gz")])
        #expect(postgres.status == 3, "\(postgres.stderr)")
        #expect(postgres.stderr.contains("cannot connect to PostgreSQL"), "\(postgres.stderr)")
        #expect(!postgres.stderr.contains("hunter2"))
        // libpq's message is several lines, the next ones tab-indented: shown as one line, without the tab.
        #expect(!postgres.stderr.contains("\t") && !postgres.stderr.contains("\\t"), "\(postgres.stderr)")
        let misfit = try authx(["export", database, "-o", directory.file("x.gz"), "--type", "users.email=uuid"])
        #expect(misfit.status != 0)
        #expect(misfit.stderr.contains("table users"))
        #expect(misfit.stderr.contains("column email"))
        #expect(!FileManager.default.fileExists(atPath: directory.file("x.gz")))
    }

    /// Ctrl-C during an export: the command stops, exits 130, and no archive (or temp file) remains.
    @Test func interruptLeavesNothing() throws {
        let directory = try ExportTempDirectory()
        defer { directory.remove() }
        let database = directory.file("big.sqlite")
        try ExportTestSupport.makeDatabase(
            at: database,
            """
            CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT, created DATETIME);
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400000)
            INSERT INTO t SELECT i, printf('row %d %s', i, hex(randomblob(64))), '2024-01-01 00:00:00.000001' FROM n;
            """
        ).close()
        let archive = directory.file("big.authx.gz")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["export", database, "-o", archive, "--threads", "1", "--compression-level", "12"]
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        // Wait until the archive is being written: its unnamed temp file shows in /proc/PID/fd as "(deleted)".
        var writing = false
        for _ in 0..<600 where process.isRunning && !writing {
            usleep(50_000)
            let fds =
                (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(process.processIdentifier)/fd")) ?? []
            writing = fds.contains { fd in
                let target =
                    (try? FileManager.default.destinationOfSymbolicLink(
                        atPath: "/proc/\(process.processIdentifier)/fd/\(fd)")) ?? ""
                return target.hasPrefix(directory.path) && target.hasSuffix("(deleted)")
            }
        }
        #expect(
            writing && process.isRunning, "the export finished before it could be interrupted; make the database bigger"
        )
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 130, "stderr: \(stderr)")
        #expect(stderr.contains("interrupted"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["big.sqlite"])
    }
}
