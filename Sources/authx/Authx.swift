import ArgumentParser
import Glibc

/// The `authx` command: export, inspect, verify and restore auth_export archives.
@main
struct Authx: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "authx",
        abstract: "Export, verify and restore auth_export archives (portable, checksummed backups of relational data).",
        discussion: """
            Errors are one line, `authx COMMAND: error: WHAT`, often followed by `hint: WHAT TO DO`; with --json \
            a failure is `{"ok": false, "error": {"code", "message", "hint"}}` on standard output instead.

            \(CLIErrors.helpText)
            """,
        version: AuthxVersion.string,
        subcommands: [
            ExportCommand.self, InspectCommand.self, VerifyCommand.self, DiffCommand.self, RestoreCommand.self, SignCommand.self, KeygenCommand.self,
        ]
    )

    /// Runs the command line, mapping every failure to the documented exit codes and error style.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let invocation = Invocation(arguments)
        SafeOutput.register(arguments: arguments)
        if arguments.isEmpty {
            // A bare `authx` is a usage error (exit 2), not a success: print the help on standard error.
            printErrorBlock(helpMessage())
            Glibc.exit(CLIErrors.usage.rawValue)
        }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            guard let failure = CLIErrors.failure(for: error) else { exit(withError: error) }
            failure.report(command: invocation.command, json: invocation.wantsJSON)
            Glibc.exit(failure.exitCode.rawValue)
        }
    }
}

/// What the raw arguments say before parsing: the subcommand and whether `--json` was asked for (so that even a
/// usage error is reported as JSON).
struct Invocation {
    var command = ""
    var wantsJSON = false

    init(_ arguments: [String]) {
        let names = Authx.configuration.subcommands.compactMap { $0.configuration.commandName }
        for argument in arguments {
            if argument == "--" { break }
            if command.isEmpty, names.contains(argument) { command = argument }
            if argument == "--json" { wantsJSON = true }
        }
    }
}

/// The version printed by `--version` and written as the archive producer.
enum AuthxVersion {
    static let string = "0.1.0"
    static var producer: String { "authx \(string)" }
}
