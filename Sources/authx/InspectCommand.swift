import ArgumentParser

/// `authx inspect` (placeholder until its issue lands).
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Not implemented yet.")
    func run() throws { throw CleanExit.message("authx inspect is not implemented yet") }
}
