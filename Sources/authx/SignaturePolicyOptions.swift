import ArgumentParser
import AuthExport

#if canImport(Glibc)
    import Glibc
#endif

/// `--allowed-signers PATH [--signer PRINCIPAL] [--signature PATH]`, shared by `verify`, `restore` and `inspect`:
/// the archive must carry a detached SSH signature (`FILE.sig`) by a key the OpenSSH allowed-signers file allows.
struct SignaturePolicyOptions: ParsableArguments {
    /// The environment variable that sets `--allowed-signers` (for cron jobs).
    static let environmentVariable = "AUTHX_ALLOWED_SIGNERS"

    @Option(
        name: .customLong("allowed-signers"),
        help: ArgumentHelp(
            "Require a signature (FILE.sig, SSHSIG as ssh-keygen -Y sign makes it) by a key this OpenSSH allowed_signers file allows, checked before anything else; default: $AUTHX_ALLOWED_SIGNERS.",
            valueName: "PATH"))
    var allowedSignersOption: String?

    @Option(
        help: ArgumentHelp(
            "With --allowed-signers: the signer must be allowed as PRINCIPAL (like ssh-keygen -Y verify -I).",
            valueName: "PRINCIPAL"))
    var signer: String?

    @Option(
        help: ArgumentHelp("With --allowed-signers: the signature file (default FILE.sig; required for standard input).", valueName: "PATH"))
    var signature: String?

    /// The policy file: `--allowed-signers`, else `$AUTHX_ALLOWED_SIGNERS` when set and not empty.
    var allowedSignersPath: String? {
        if let allowedSignersOption { return allowedSignersOption }
        guard let value = getenv(Self.environmentVariable).map({ String(cString: $0) }), !value.isEmpty else { return nil }
        return value
    }

    func validate() throws {
        if allowedSignersOption?.isEmpty == true { throw ValidationError("--allowed-signers needs a file path") }
        if allowedSignersPath == nil && (signer != nil || signature != nil) {
            throw ValidationError("--signer and --signature need --allowed-signers (or \(Self.environmentVariable))")
        }
    }

    /// The signature path of `file`.
    func signaturePath(for file: String) -> String { signature ?? DetachedSignature.signaturePath(for: file) }

    /// Loads the policy, or nil when none is asked for.
    func policy() throws -> AllowedSigners? {
        guard let path = allowedSignersPath else { return nil }
        return try AllowedSigners(path: path)
    }

    /// The check made before anything else. A regular file is checked now, read once (nil returned after it
    /// passes: `signer` holds who signed); standard input, or any file, also gets a check made as the reader streams
    /// (returned), so the bytes restored are the bytes signed even if the file changes meanwhile.
    ///
    /// - Throws: `SignatureError` (a rejection: exit 1) or a usage error for standard input without `--signature`.
    func check(file: String) throws -> SignatureCheck? {
        guard let policy = try policy() else { return nil }
        if file == "-" && signature == nil {
            throw ValidationError("reading standard input with --allowed-signers needs --signature PATH (there is no FILE.sig beside a pipe)")
        }
        let sigPath = signaturePath(for: file)
        var signer: DetachedSignature.Signer?
        if file != "-" {
            signer = try DetachedSignature.verify(file: file, signaturePath: sigPath, policy: policy, principal: self.signer)
        }
        let stream = try DetachedSignature.StreamCheck(
            signature: try DetachedSignature.read(signatureAt: sigPath), policy: policy, principal: self.signer, file: file)
        return SignatureCheck(checkedFirst: signer, stream: stream)
    }
}

/// A signature check in progress: done before reading (regular files) and as the reader streams (always).
struct SignatureCheck {
    /// Who signed, as checked before the archive was read (nil for standard input).
    var checkedFirst: DetachedSignature.Signer?
    /// The check the reader runs at the end; put it in the reader's options.
    var stream: DetachedSignature.StreamCheck

    /// Who signed, once known.
    var signer: DetachedSignature.Signer? { stream.signer ?? checkedFirst }

    /// `signed by alice@example.com (ED25519 SHA256:…)`.
    var line: String? { signer.map { "signed by \($0)" } }

    /// The `signature` member of a JSON report: whether it held and, if so, who signed.
    var jsonMember: [(String, JSONValue)] {
        guard let signer else { return [("signature", .object([("valid", .bool(false))]))] }
        return [("signature", .object([
            ("valid", .bool(true)), ("principal", .string(signer.principal)),
            ("key_type", .string(signer.key.algorithm.displayName)), ("fingerprint", .string(signer.key.fingerprint)),
        ]))]
    }
}
