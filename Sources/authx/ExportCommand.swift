import ArgumentParser

/// `authx export` (placeholder until its issue lands).
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Not implemented yet.")
    func run() throws { throw CleanExit.message("authx export is not implemented yet") }
}
