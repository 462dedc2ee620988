import ArgumentParser

/// `authx restore` (placeholder until its issue lands).
struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "restore", abstract: "Not implemented yet.")
    func run() throws { throw CleanExit.message("authx restore is not implemented yet") }
}
