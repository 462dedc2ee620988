import ArgumentParser
import AuthExport
import AuthExportPostgres
import Foundation
import Glibc

/// The exit-code rule of every command, and the mapping of every error to it.
///
/// One rule for all commands and targets (README "Exit codes", `authx --help`):
/// 0 success; 1 the archive is invalid or inconsistent, or a check found a mismatch (also when a target database
/// finds it: a duplicate key or dangling reference of the archive); 2 usage error (options, names, URLs, a pattern
/// matching nothing), found before anything is written; 3 another runtime error (I/O, the database, a value the
/// target cannot store, a clash with rows already in the target); 130 interrupted (Ctrl-C, SIGTERM), nothing changed.
enum CLIErrors {
    /// Exit code 1: the archive is invalid or a check found a mismatch.
    static let invalid = ExitCode(1)
    /// Exit code 2: usage error.
    static let usage = ExitCode(2)
    /// Exit code 3: other runtime error (I/O, database).
    static let runtime = ExitCode(3)
    /// Exit code 130: interrupted by Ctrl-C or SIGTERM; nothing was written or changed.
    static let interrupted = ExitCode(130)

    /// The rule as `--help` shows it.
    static let helpText = """
        Exit codes (every command, every backend): 0 success; 1 the archive is invalid or inconsistent, or a check \
        found a mismatch (also a duplicate key or dangling reference the target database finds); 2 usage error \
        (options, names, URLs, a --table pattern matching nothing, an encrypted archive without a usable \
        --identity or passphrase), nothing was done; 3 other runtime error (I/O, \
        the database, a value the target cannot store, rows clashing with rows already in the target); \
        130 interrupted (Ctrl-C, SIGTERM), nothing was written or changed.
        """

    /// The failure to report for `error`, or nil when ArgumentParser prints it itself (help, version).
    static func failure(for error: any Error) -> CommandFailure? {
        switch error {
        case let failure as CommandFailure:
            return failure
        case let exit as ExitCode:
            return exit == .success ? nil : CommandFailure(code: "failed", message: "", exitCode: exit)
        case let archiveError as ArchiveError:
            // A file that cannot be read or written, or a valid value the target cannot store: not the archive's
            // fault. Option problems found once the schema is known (`--table`, `--type`) are usage errors.
            let exitCode: ExitCode
            if archiveError.code == .invalidValue && archiveError.message.hasPrefix("--") {
                exitCode = usage
            } else if archiveError.code == .noIdentity {
                // An encrypted archive and no key that fits: the fix is on the command line (--identity).
                exitCode = usage
            } else if [.io, .unsupportedValue].contains(archiveError.code) {
                exitCode = runtime
            } else {
                exitCode = invalid
            }
            return CommandFailure(
                code: exitCode == usage && archiveError.code != .noIdentity ? "usage" : archiveError.code.name,
                message: archiveError.description,
                exitCode: exitCode)
        case let pgError as PostgresError:
            return failure(for: pgError, verbose: false)
        case let signatureError as SignatureError:
            // A rejected signature is an untrusted archive (1); an unusable policy or key file is a usage error (2);
            // an agent or file that fails is a runtime error (3).
            let exitCode =
                signatureError.code.isRejection
                ? invalid : [.badPolicy, .badKey].contains(signatureError.code) ? usage : runtime
            return CommandFailure(code: signatureError.code.name, message: signatureError.description, exitCode: exitCode)
        case is CleanExit:
            return nil
        default:
            let parserCode = Authx.exitCode(for: error)
            if parserCode == .success { return nil }  // --help, --version: ArgumentParser prints them
            if parserCode == .validationFailure {
                return CommandFailure(
                    code: "usage", message: withoutDestructiveSuggestion(Authx.message(for: error)).lowercasedFirst,
                    hint: usageHint(for: error), exitCode: usage)
            }
            return CommandFailure(code: "runtime", message: "\(error)", exitCode: runtime)
        }
    }

    /// A PostgreSQL error: usage for bad options; 1 for a duplicate key or dangling reference of the archive itself
    /// (as the SQLite restore and `verify --keys` report them); 3 otherwise. `canCreate`: the command has
    /// `-C/--create` (restore), which a missing database's hint then names.
    static func failure(
        for error: PostgresError, verbose: Bool, dataOnly: Bool = false, canCreate: Bool = false
    ) -> CommandFailure {
        var exitCode = runtime
        if error.code == .invalidOptions {
            exitCode = usage
        } else if !dataOnly, let state = error.sqlState, ["23503", "23505"].contains(state) {
            exitCode = invalid
        }
        var copy = error
        let hint = copy.hint
        copy.hint = nil
        var message = verbose ? copy.debugDescription : copy.description
        var extraHint: String?
        if !verbose && (error.detail != nil || error.context != nil) {
            extraHint = "--verbose shows PostgreSQL's detail (it may quote row values)"
        }
        if canCreate, error.code == .connection, error.message.contains("does not exist"), error.message.contains("database") {
            extraHint = "add -C/--create to create the database, then restore into it"
        }
        if message.isEmpty { message = error.message }
        let hints = [hint, extraHint].compactMap { $0 }
        return CommandFailure(
            code: exitCode == usage ? "usage" : (error.sqlState.map { _ in "database" } ?? error.code.name),
            message: message, hint: hints.isEmpty ? nil : hints.joined(separator: "; "), exitCode: exitCode)
    }

    /// Flags that replace or drop data: never proposed for a mistyped flag (`--create` must not become `--clean`).
    static let destructiveFlags: Set<String> = ["--clean", "-c", "--force"]

    /// ArgumentParser's message without its "Did you mean '--clean'?" when the suggestion is destructive.
    static func withoutDestructiveSuggestion(_ message: String) -> String {
        guard let range = message.range(of: " Did you mean '") else { return message }
        let suggestion = message[range.upperBound...].prefix { $0 != "'" }
        return destructiveFlags.contains(String(suggestion)) ? String(message[..<range.lowerBound]) : message
    }

    /// ArgumentParser's usage line and where the help is, for a usage error's hint.
    private static func usageHint(for error: any Error) -> String? {
        let full = Authx.fullMessage(for: error)
        let lines = full.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        var hint: [String] = []
        if let usageLine = lines.first(where: { $0.hasPrefix("Usage:") }) {
            hint.append(usageLine.replacingOccurrences(of: "Usage: ", with: "usage: "))
        }
        if let help = lines.first(where: { $0.hasPrefix("See '") }) { hint.append(help.lowercasedFirst) }
        return hint.isEmpty ? nil : hint.joined(separator: "; ")
    }
}

/// A failure the CLI reports: `authx <command>: error: <message>`, then `hint: <hint>`, and an exit code; with
/// `--json`, `{"ok": false, "error": {"code", "message", "hint"}}` on the JSON stream instead.
struct CommandFailure: Error {
    /// A stable machine-readable name: an `ArchiveError`/`PostgresError` code, `usage`, `interrupted`, `database`…
    var code: String
    /// One line: what went wrong (empty: already reported).
    var message: String
    /// One line: what to do, where there is something to say.
    var hint: String?
    var exitCode: ExitCode

    init(code: String, message: String, hint: String? = nil, exitCode: ExitCode) {
        self.code = code
        self.message = message
        self.hint = hint
        self.exitCode = exitCode
    }

    /// A usage error (exit 2).
    static func usage(_ message: String, hint: String? = nil) -> CommandFailure {
        CommandFailure(code: "usage", message: message, hint: hint, exitCode: CLIErrors.usage)
    }

    /// An interruption (exit 130): `what` says what did not happen.
    static func interrupted(_ what: String) -> CommandFailure {
        CommandFailure(code: "interrupted", message: "interrupted; \(what)", exitCode: CLIErrors.interrupted)
    }

    /// The failure with `hint` added (after any hint it has).
    func adding(hint extra: String?) -> CommandFailure {
        guard let extra else { return self }
        var copy = self
        copy.hint = hint.map { $0 + "; " + extra } ?? extra
        return copy
    }

    /// The JSON report: `{"ok": false, "command": …, "json_version": 1, "error": {"code", "message", "hint"}}`.
    func json(command: String) -> JSONValue {
        .object([
            ("ok", .bool(false)), ("command", .string(command)), ("json_version", .integer(CLIOutput.jsonVersion)),
            ("error", .object([
                ("code", .string(code)), ("message", .string(message)), ("hint", hint.map { .string($0) } ?? .null),
            ])),
        ])
    }

    /// Prints the failure the way the command line reports it.
    func report(command: String, json: Bool) {
        guard !message.isEmpty else { return }  // already reported (verify's report of an invalid archive)
        if json {
            CLIOutput.printJSONDocument(self.json(command: command))
            return
        }
        let prefix = command.isEmpty ? "authx" : "authx \(command)"
        printError("\(prefix): error: \(message)")
        if let hint { printError("hint: \(hint)") }
    }
}

/// Where the command line writes: the command being run, and where its JSON goes.
enum CLIOutput {
    /// The version of every `--json` document's shape (`json_version`); documented in docs/cli.md.
    static let jsonVersion: Int64 = 1

    /// Whether JSON documents go to standard error (export `-o -`, whose standard output is the archive).
    nonisolated(unsafe) static var jsonToStandardError = false

    /// Prints one JSON document on standard output (standard error when ``jsonToStandardError``).
    static func printJSONDocument(_ value: JSONValue) {
        let text = SafeOutput.json(value.compactText)
        if jsonToStandardError { writeStandardError(text) } else { print(text) }
    }
}

/// Writes a one-line message to standard error (masked, control characters escaped: ``SafeOutput``).
func printError(_ message: String) {
    writeStandardError(SafeOutput.line(message))
}

/// Writes multi-line text (the help) to standard error (masked, escaped but for line breaks).
func printErrorBlock(_ text: String) {
    writeStandardError(SafeOutput.block(text))
}

/// Writes `text` and a newline to standard error as it is: only for text ``SafeOutput`` made safe.
private func writeStandardError(_ text: String) {
    var stderr = StandardError()
    print(text, to: &stderr)
}

/// A warning or note on standard error: `authx <command>: warning: <message>`.
func printWarning(_ command: String, _ kind: String, _ message: String) {
    printError("authx \(command): \(kind): \(message)")
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

extension String {
    /// The string with its first character lowercased (ArgumentParser's messages start in uppercase).
    var lowercasedFirst: String {
        guard let first else { return self }
        return first.lowercased() + dropFirst()
    }
}
