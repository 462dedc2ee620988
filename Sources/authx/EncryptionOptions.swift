import ArgumentParser
import AuthExport

/// `export`'s encryption options: with any of them the archive is written as an age file readable by its
/// recipients only (and by plain `age -d`).
struct EncryptionOptions: ParsableArguments {
    @Option(
        name: .customLong("recipient"),
        help: ArgumentHelp("Encrypt the archive to this age public key (age1…; repeatable).", valueName: "RECIPIENT"))
    var recipients: [String] = []

    @Option(
        name: .customLong("recipients-file"),
        help: ArgumentHelp("Encrypt to every age1… recipient in FILE (one per line, # comments; repeatable).", valueName: "FILE"))
    var recipientsFiles: [String] = []

    @Flag(
        name: .customLong("passphrase"),
        help: "Encrypt with a passphrase (age scrypt), asked twice on the terminal, or read from --passphrase-file or $AUTHX_PASSPHRASE_FILE.")
    var passphrase = false

    @Option(
        name: .customLong("passphrase-file"),
        help: ArgumentHelp("Encrypt with the passphrase on the first line of FILE (implies --passphrase).", valueName: "FILE"))
    var passphraseFile: String?

    func validate() throws {
        if (passphrase || passphraseFile != nil) && !(recipients.isEmpty && recipientsFiles.isEmpty) {
            throw ValidationError("--passphrase cannot be combined with --recipient or --recipients-file (age allows a passphrase only alone)")
        }
    }

    /// The recipients to encrypt to; empty for a plain archive.
    func resolve() throws -> [AgeRecipient] {
        if passphrase || passphraseFile != nil {
            if let file = Passphrase.file(option: passphraseFile) { return [.passphrase(try Passphrase.fromFile(file))] }
            return [.passphrase(try Passphrase.ask("Enter passphrase: ", confirm: true))]
        }
        var result: [AgeRecipient] = []
        do {
            for string in recipients { result.append(try AgeRecipient(string: string)) }
            for path in recipientsFiles {
                result += try AgeRecipient.parseRecipientsFile(try Passphrase.readText(path, what: "recipients file"), path: path)
            }
        } catch let error as ArchiveError {
            throw CommandFailure(code: "usage", message: "\(error.description)", exitCode: CLIErrors.usage)
        }
        return result
    }
}
