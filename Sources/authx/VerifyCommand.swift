import ArgumentParser

/// `authx verify` (placeholder until its issue lands).
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify", abstract: "Not implemented yet.")
    func run() throws { throw CleanExit.message("authx verify is not implemented yet") }
}
