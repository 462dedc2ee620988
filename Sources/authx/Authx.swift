import ArgumentParser

@main
struct Authx: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "authx: export, verify and restore auth_export archives.")
}
