import Foundation

/// Runs the programs the end-to-end tests drive — the built `authx`, and the peer tools (`age`, `ssh-keygen`,
/// `psql`…) — with real pipes, and returns what they printed. One runner for every suite of this target.
enum TestProgram {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The debug build of authx that `swift build` (run by scripts/test) made.
    static var authx: String { TestArchives.repositoryRoot() + "/.build/debug/authx" }

    /// Runs `program`: `"authx"` is the debug build, a path is run as it is, any other name is looked up on PATH
    /// (exit 127, not installed, is a test failure that says so).
    ///
    /// - Parameters:
    ///   - directory: the working directory; default the test process's.
    ///   - stdin: a file given as standard input; default /dev/null.
    ///   - environment: variables set on top of the test process's, after the ones `unset` names were taken away.
    @discardableResult
    static func run(
        _ program: String, _ arguments: [String], in directory: String? = nil, stdin: String? = nil,
        environment: [String: String] = [:], unset: [String] = []
    ) throws -> Result {
        let process = Process()
        if program == "authx" || program.contains("/") {
            let path = program == "authx" ? authx : program
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw TestFailure("\(path) not found: run `swift build` first (scripts/test does)")
            }
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [program] + arguments
        }
        var env = ProcessInfo.processInfo.environment
        for name in unset { env.removeValue(forKey: name) }
        process.environment = env.merging(environment) { $1 }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin.map { FileHandle(forReadingAtPath: $0) ?? FileHandle.nullDevice } ?? FileHandle.nullDevice
        try process.run()
        // Both pipes are drained at once, so a child filling one cannot block on it while the other is read.
        nonisolated(unsafe) var errData = Data()
        let errRead = DispatchWorkItem { errData = err.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(execute: errRead)
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        errRead.wait()
        process.waitUntilExit()
        if process.terminationStatus == 127 && !(program == "authx" || program.contains("/")) {
            throw TestFailure("\(program) is not installed: run the tests with scripts/test, which installs it")
        }
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }
}
