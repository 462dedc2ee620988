import ArgumentParser
import Glibc
import AuthExport

/// Maps errors to the documented exit codes: 1 invalid archive or mismatch, 2 usage, 3 runtime.
enum CLIErrors {
    /// Exit code 1: the archive is invalid or a check found a mismatch.
    static let invalid = ExitCode(1)
    /// Exit code 2: usage error.
    static let usage = ExitCode(2)
    /// Exit code 3: other runtime error (I/O, database).
    static let runtime = ExitCode(3)

    /// Turns any error into something `exit(withError:)` prints and exits with correctly.
    static func map(_ error: any Error) -> any Error {
        if let exit = error as? ExitCode { return exit }
        if error is CleanExit { return error }
        if let archiveError = error as? ArchiveError {
            printError(archiveError.description)
            // A file that cannot be read or written, or a valid value the target cannot store: not the archive's fault.
            return [.io, .unsupportedValue].contains(archiveError.code) ? runtime : invalid
        }
        if let failure = error as? CommandFailure {
            printError(failure.message)
            return failure.exitCode
        }
        let parserCode = Authx.exitCode(for: error)
        if parserCode == .success { return error }  // --help, --version: ArgumentParser prints them
        if parserCode == .validationFailure {
            // ArgumentParser's usage message, but exit 2 instead of its default 64.
            printError(Authx.fullMessage(for: error))
            return usage
        }
        printError("error: \(error)")
        return runtime
    }
}

/// A failure the CLI reports with its own message and exit code.
struct CommandFailure: Error {
    var message: String
    var exitCode: ExitCode
}

/// Writes a line to standard error.
func printError(_ message: String) {
    var stderr = StandardError()
    print(message, to: &stderr)
}

/// Standard error as a `TextOutputStream`.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        var string = string
        string.withUTF8 { buffer in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(2, base + offset, buffer.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }
}
