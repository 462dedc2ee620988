import ArgumentParser
import AuthExport
import Glibc

/// `authx keygen -o key.txt`: a new age X25519 identity, in age-keygen's format.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Generate an age identity (X25519 key) for encrypted archives, like age-keygen.",
        discussion: """
            Writes the secret key file (mode 0600, never overwriting a file) and prints its public key (age1…) on \
            standard error: give the public key to `authx export --recipient`, keep the file for `--identity`.
            """
    )

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the key file here (default or -: standard output).", valueName: "FILE"))
    var output: String?

    func run() throws {
        let identity = AgeIdentity.generate()
        guard let secret = identity.secretKeyString, let recipient = identity.recipient else {
            throw CommandFailure(code: "io", message: "cannot derive the public key", exitCode: CLIErrors.runtime)
        }
        let created = String(ArchiveHeader.timestampNow().prefix(19)) + "Z"
        let text = "# created: \(created)\n# public key: \(recipient)\n\(secret)\n"
        if let output, output != "-" {
            do {
                try AtomicFile.write(Array(text.utf8), to: output, overwrite: false)
            } catch {
                let exists = FileIO.fileExists(output)
                throw CommandFailure(
                    code: "io", message: exists ? "\(output) already exists: authx keygen never overwrites a key file" : error.description,
                    exitCode: CLIErrors.runtime)
            }
            printError("Public key: \(recipient)")
        } else {
            printBlock(text, terminator: "")
            if isatty(1) == 0 { printError("Public key: \(recipient)") }
        }
    }
}
