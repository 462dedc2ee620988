import ArgumentParser
import AuthExport

/// `authx sign FILE --key KEY`: a detached SSH signature of an existing archive.
struct SignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign an archive with an SSH key: writes FILE.sig (SSHSIG, namespace auth_export, as ssh-keygen -Y sign).",
        discussion: """
            The signature covers the exact bytes of FILE (a plain or an encrypted archive). KEY is an unencrypted \
            OpenSSH private key, or a public key (KEY.pub) whose private key the running ssh-agent holds \
            (SSH_AUTH_SOCK) — the way for a passphrase-protected or hardware-backed key. Check it with \
            `authx verify FILE --allowed-signers PATH`, or with OpenSSH alone: \
            `ssh-keygen -Y verify -f allowed_signers -I PRINCIPAL -n auth_export -s FILE.sig < FILE`.
            """)

    @Argument(help: "The archive file to sign.")
    var file: String

    @Option(
        help: ArgumentHelp(
            "The SSH key: an unencrypted OpenSSH private key, or a public key (.pub) the running ssh-agent holds.",
            valueName: "KEY"))
    var key: String

    @Option(help: ArgumentHelp("Where to write the signature (default FILE.sig).", valueName: "PATH"))
    var signature: String?

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    func validate() throws {
        if file == "-" { throw ValidationError("sign needs a file, not standard input (the signature is written beside it)") }
    }

    func run() throws {
        let signingKey = try SigningKey(path: key)
        let path = signature ?? DetachedSignature.signaturePath(for: file)
        try DetachedSignature.sign(file: file, with: signingKey, signaturePath: path)
        if !quiet { printError("signed \(file) with \(signingKey.publicKey): \(path)") }
    }
}
