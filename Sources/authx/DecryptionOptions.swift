import ArgumentParser
import AuthExport

/// `--identity` and `--passphrase-file`: the keys every command that reads an archive takes, for an age-encrypted
/// archive (file or standard input). A plain archive ignores them.
struct DecryptionOptions: ParsableArguments {
    @Option(
        name: .customLong("identity"),
        help: ArgumentHelp(
            "Decrypt an encrypted archive with this age identity file (AGE-SECRET-KEY-1… lines, as written by authx keygen or age-keygen; repeatable).",
            valueName: "KEYFILE"))
    var identityFiles: [String] = []

    @Option(
        name: .customLong("passphrase-file"),
        help: ArgumentHelp(
            "For a passphrase-encrypted archive: read the passphrase from the first line of FILE (default: $AUTHX_PASSPHRASE_FILE, else asked on the terminal).",
            valueName: "FILE"))
    var passphraseFile: String?

    /// The keys for the reader: identity files loaded (with a warning for a file others can read); a passphrase is
    /// read from its file, or asked on the terminal, only if the archive turns out to need one.
    func decryption(command: String) throws -> ArchiveDecryption {
        var identities: [AgeIdentity] = []
        for path in identityFiles {
            let text = try Passphrase.readText(path, what: "identity file")
            Passphrase.warnIfExposed(path, command: command)
            do {
                identities += try AgeIdentity.parseIdentityFile(text, path: path)
            } catch let error as ArchiveError {
                throw CommandFailure(code: "usage", message: error.description, exitCode: CLIErrors.usage)
            }
        }
        let file = Passphrase.file(option: passphraseFile)
        return ArchiveDecryption(identities: identities) {
            if let file { return try Passphrase.fromFile(file) }
            return try Passphrase.ask("Enter passphrase: ", confirm: false)
        }
    }
}
