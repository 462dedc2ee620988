import AuthExport
import Foundation
import Testing

@testable import AuthExportPostgres

/// The progress line on a real terminal: commands run under `script` (util-linux), which gives them a pseudo
/// terminal of a set width; the recorded output is split into the frames the line went through.
@Suite struct CommandLineProgressTests {
    /// Runs the shell `command` on a pseudo terminal `columns` wide; returns every progress frame drawn (the text
    /// between carriage returns, escape sequences removed) and the exit status.
    static func onTerminal(_ command: String, columns: Int, in dir: TempDir) throws -> (frames: [String], status: Int32) {
        let typescript = dir.file("typescript-\(UUID().uuidString)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["script", "-qfec", "stty cols \(columns); \(command)", typescript]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let raw = String(decoding: try Data(contentsOf: URL(fileURLWithPath: typescript)), as: UTF8.self)
        let escapes = try Regex(#"\x1B\[[0-9;]*[A-Za-z]"#)
        let frames = raw.split(whereSeparator: { $0 == "\r" || $0 == "\n" })
            .map { String($0.replacing(escapes, with: "")) }
            .filter { !$0.isEmpty }
        return (frames, process.terminationStatus)
    }

    static var authx: String { TestArchives.repositoryRoot() + "/.build/debug/authx" }

    /// A database restored from the `sample_auth` fixture whose `users` table a second real session holds in ACCESS
    /// EXCLUSIVE mode until ``release()``; ``close()`` releases it (if still held), then drops the database.
    final class UsersLockedByAnotherSession {
        let dir: TempDir
        let archive: String
        let database: TestDatabase
        let holder: PGConnection
        private var holding = false

        init() throws {
            dir = try TempDir()
            archive = try TestArchives.fixtureArchive("sample_auth", in: dir)
            database = try TestDatabase()
            let first = try CommandLineDefectTests.authx(["restore", archive, "--to", database.url])
            #expect(first.status == 0, "\(first.stderr)")
            holder = try database.connect()
            try holder.execute("BEGIN")
            try holder.execute("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
            holding = true
        }

        func release() throws {
            try holder.execute("COMMIT")
            holding = false
        }

        func close() {
            if holding { _ = try? holder.execute("COMMIT") }
            holder.close()
            database.drop()
            dir.remove()
        }
    }

    /// Starts the shell `command` on a pseudo terminal `columns` wide, recording it into `typescript`.
    static func startOnTerminal(_ command: String, columns: Int, typescript: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["script", "-qfec", "stty cols \(columns); \(command)", typescript]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Whether `text` appears in `typescript` while `process` runs (polled every 0.1 s, 60 s at most).
    static func waitFor(_ text: String, in typescript: String, while process: Process) -> Bool {
        for _ in 0..<600 where process.isRunning {
            if ((try? String(contentsOfFile: typescript, encoding: .utf8)) ?? "").contains(text) { return true }
            usleep(100_000)
        }
        return false
    }

    /// A PostgreSQL restore shows the whole run (table k of n, rows of the whole archive), then the phases after
    /// loading step by step — the line advances through the index phase instead of freezing — never wider than the
    /// terminal, and ends with the summary line.
    @Test func aPostgreSQLRestoreShowsTheWholeRunAndItsIndexPhase() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let archive = try TestArchives.fixtureArchive("sample_auth", in: dir)
        let database = try TestDatabase()
        defer { database.drop() }
        let columns = 60
        let (frames, status) = try Self.onTerminal(
            "\(Self.authx) restore '\(archive)' --to '\(database.url)'", columns: columns, in: dir)
        #expect(status == 0, "\(frames)")
        let progress = frames.filter { $0.hasPrefix("restore: ") }
        for frame in progress { #expect(frame.count < columns, "wider than the terminal: \(frame)") }
        #expect(progress.contains { $0.hasPrefix("restore: table 1/6 users") }, "\(progress)")
        #expect(progress.contains { $0.contains("/41 rows") }, "whole-archive rows: \(progress)")
        let indexPhase = progress.filter { $0.hasPrefix("restore: keys, checks and indexes") }
        #expect(indexPhase.count == 6, "\(progress)")
        #expect(Set(indexPhase.map { $0.prefix(38) }).count == 6, "the index phase line does not advance: \(indexPhase)")
        #expect(indexPhase.first?.contains("1/6 (users)") == true, "\(indexPhase)")
        #expect(progress.contains { $0.hasPrefix("restore: foreign keys") })
        #expect(progress.contains { $0.hasPrefix("restore: ANALYZE 6/6") })
        #expect(frames.contains { $0.hasPrefix("restored 6 tables, 41 rows") }, "the summary line: \(frames)")
    }

    /// A restore waiting for a lock another session holds says so on the progress line — which table, which
    /// session (pid) — instead of freezing, then goes on once the lock is released (issue 15). The lock is held by a
    /// second real session; it is released on every path, and the restore's own lock timeout bounds the wait.
    @Test(.timeLimit(.minutes(3)))
    func aLockWaitSaysWhatItWaitsForAndWho() throws {
        let locked = try UsersLockedByAnotherSession()
        defer { locked.close() }
        let (dir, archive, database, holder) = (locked.dir, locked.archive, locked.database, locked.holder)

        let columns = 100
        let typescript = dir.file("typescript")
        let process = try Self.startOnTerminal(
            "\(Self.authx) restore '\(archive)' --to '\(database.url)' --clean --lock-wait-timeout 90s",
            columns: columns, typescript: typescript)
        let expected = "restore: waiting for a lock on table users held by pid \(holder.backendPID)"
        let seen = Self.waitFor(expected, in: typescript, while: process)
        try locked.release()
        process.waitUntilExit()
        #expect(seen, "no '\(expected)' while the lock was held")
        #expect(process.terminationStatus == 0)
        let raw = String(decoding: try Data(contentsOf: URL(fileURLWithPath: typescript)), as: UTF8.self)
        let escapes = try Regex(#"\x1B\[[0-9;]*[A-Za-z]"#)
        let frames = raw.split(whereSeparator: { $0 == "\r" || $0 == "\n" }).map { String($0.replacing(escapes, with: "")) }
        let progress = frames.filter { $0.hasPrefix("restore: ") }
        for frame in progress { #expect(frame.count < columns, "wider than the terminal: \(frame)") }
        let waits = progress.indices.filter { progress[$0].hasPrefix(expected) }
        #expect(!waits.isEmpty, "\(progress)")
        // After the wait the line moves on to the work again, and the restore ends with its summary.
        if let last = waits.last {
            #expect(progress[(last + 1)...].contains { !$0.contains("waiting for a lock") }, "\(progress)")
        }
        #expect(frames.contains { $0.hasPrefix("restored 6 tables, 41 rows") }, "\(frames)")
        #expect(try database.value("SELECT count(*) FROM users") != "0")
    }

    /// An export whose LOCK TABLE waits for another session's exclusive lock says so on its progress line too,
    /// then exports once the lock is released.
    @Test func anExportWaitingForALockSaysSo() throws {
        let locked = try UsersLockedByAnotherSession()
        defer { locked.close() }
        let (dir, database, holder) = (locked.dir, locked.database, locked.holder)

        let output = dir.file("exported.authx.gz")
        let typescript = dir.file("typescript-export")
        let process = try Self.startOnTerminal(
            "\(Self.authx) export '\(database.url)' -o '\(output)' --lock-wait-timeout 90s", columns: 100,
            typescript: typescript)
        let expected = "export: waiting for a lock on table users held by pid \(holder.backendPID)"
        let seen = Self.waitFor(expected, in: typescript, while: process)
        try locked.release()
        process.waitUntilExit()
        #expect(seen, "no '\(expected)' while the lock was held: \((try? String(contentsOfFile: typescript, encoding: .utf8)) ?? "")")
        #expect(process.terminationStatus == 0)
        #expect(try CommandLineDefectTests.authx(["verify", output]).status == 0)
    }

    /// Two commands in a pipe on one terminal: only the reading end draws; `-q` and --json draw nothing.
    @Test func onlyTheReadingEndOfAPipeDraws() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        _ = try TestArchives.fixtureArchive("sample_auth", in: dir)
        let db = dir.file("sample_auth.sqlite")
        let (frames, status) = try Self.onTerminal(
            "\(Self.authx) export '\(db)' -o - | \(Self.authx) restore - --to '\(dir.file("copy.db"))'", columns: 80,
            in: dir)
        #expect(status == 0, "\(frames)")
        #expect(!frames.contains { $0.hasPrefix("export: ") }, "\(frames)")
        #expect(frames.contains { $0.hasPrefix("restore: table ") }, "\(frames)")
        let quiet = try Self.onTerminal(
            "\(Self.authx) verify -q '\(dir.file("sample_auth.authx.gz"))'", columns: 80, in: dir)
        #expect(!quiet.frames.contains { $0.hasPrefix("verify: ") }, "\(quiet.frames)")
        let drawn = try Self.onTerminal("\(Self.authx) verify '\(dir.file("sample_auth.authx.gz"))'", columns: 40, in: dir)
        #expect(drawn.frames.contains { $0.hasPrefix("verify: table 1/6") }, "\(drawn.frames)")
        for frame in drawn.frames where frame.hasPrefix("verify: ") { #expect(frame.count < 40, "\(frame)") }
    }
}
