import ArgumentParser

/// The `authx` command: export, inspect, verify and restore auth_export archives.
@main
struct Authx: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "authx",
        abstract: "Export, verify and restore auth_export archives (portable, checksummed backups of relational data).",
        discussion: """
            Exit codes: 0 success; 1 the archive is invalid or a check found a mismatch; \
            2 usage error; 3 other runtime error (I/O, database).
            """,
        version: AuthxVersion.string,
        subcommands: [ExportCommand.self, InspectCommand.self, VerifyCommand.self, RestoreCommand.self]
    )

    /// Runs the command line, mapping every failure to the documented exit codes.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: CLIErrors.map(error))
        }
    }
}

/// The version printed by `--version` and written as the archive producer.
enum AuthxVersion {
    static let string = "0.1.0"
    static var producer: String { "authx \(string)" }
}
