import Foundation
import Testing

/// Runs OpenSSH's own tools (`ssh-keygen`), which the test command installs: a missing tool fails the test.
enum SSHTools {
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `program` (looked up on PATH) with `arguments`, feeding `input` (a file path) on standard input.
    @discardableResult
    static func run(_ program: String, _ arguments: [String], stdinFile: String? = nil, environment: [String: String] = [:])
        throws -> Outcome
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        if let stdinFile { process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: stdinFile)) }
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus == 127 {
            Issue.record("\(program) is not installed: run the tests with scripts/test (it installs openssh-client)")
        }
        return Outcome(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Makes a key with `ssh-keygen -t TYPE` (no passphrase unless given) at `path`; returns the public key line.
    static func keygen(_ path: String, type: String = "ed25519", bits: Int? = nil, passphrase: String = "", comment: String = "test")
        throws -> String
    {
        var arguments = ["-q", "-t", type, "-N", passphrase, "-C", comment, "-f", path]
        if let bits { arguments += ["-b", String(bits)] }
        let result = try run("ssh-keygen", arguments)
        #expect(result.status == 0, "ssh-keygen -t \(type): \(result.stderr)")
        return try String(contentsOfFile: path + ".pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "authx-sig-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
