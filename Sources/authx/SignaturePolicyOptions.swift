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

    /// The check made before anything else: the signature file read, its namespace and whether the policy allows
    /// its key (principal, namespaces, validity) are judged now; the signature over the bytes is judged as the
    /// reader streams (the check returned: put it in the reader's options), so the bytes used are the bytes signed.
    ///
    /// - Parameter firstReading: Also judge a regular file's bytes now, reading it once more before the reader
    ///   does: for a command that must refuse before it touches anything (restore). Without it (verify) the bytes
    ///   are judged on the reader's one read, and the caller calls ``SignatureCheck/settle()`` once it is over.
    /// - Throws: `SignatureError` (a rejection: exit 1) or a usage error for standard input without `--signature`.
    func check(file: String, firstReading: Bool) throws -> SignatureCheck? {
        guard let policy = try policy() else { return nil }
        if file == "-" && signature == nil {
            throw ValidationError("reading standard input with --allowed-signers needs --signature PATH (there is no FILE.sig beside a pipe)")
        }
        let sigPath = signaturePath(for: file)
        var signer: DetachedSignature.Signer?
        if file != "-" && firstReading {
            signer = try DetachedSignature.verify(file: file, signaturePath: sigPath, policy: policy, principal: self.signer)
        }
        let stream = try DetachedSignature.StreamCheck(
            signature: try DetachedSignature.read(signatureAt: sigPath), policy: policy, principal: self.signer, file: file)
        return SignatureCheck(checkedFirst: signer, stream: stream)
    }
}

/// What `inspect` says of the signature beside an archive.
struct SignatureStatus {
    /// One line: `none (no FILE.sig)`, `FILE.sig by ED25519 SHA256:… (not checked: …)`, `FILE.sig, signed by …`.
    var text: String
    /// The `signature` member of inspect's JSON.
    var json: JSONValue
}

extension SignaturePolicyOptions {
    /// Whether a signature sits beside `file` and, with a policy, who signed it (reading the file once).
    ///
    /// - Throws: `SignatureError` when a policy is given and rejects the signature (a missing one included).
    func status(file: String) throws -> SignatureStatus? {
        guard file != "-" else { return nil }
        let path = signaturePath(for: file)
        if let policy = try policy() {
            let signer = try DetachedSignature.verify(file: file, signaturePath: path, policy: policy, principal: signer)
            return SignatureStatus(
                text: "\(path), signed by \(signer)",
                json: .object([
                    ("path", .string(path)), ("present", .bool(true)), ("checked", .bool(true)), ("valid", .bool(true)),
                    ("principal", .string(signer.principal)), ("key_type", .string(signer.key.algorithm.displayName)),
                    ("fingerprint", .string(signer.key.fingerprint)),
                ]))
        }
        do {
            let signature = try DetachedSignature.read(signatureAt: path)
            return SignatureStatus(
                text: "\(path) by \(signature.publicKey), namespace \(signature.namespace) (not checked: pass --allowed-signers)",
                json: .object([
                    ("path", .string(path)), ("present", .bool(true)), ("checked", .bool(false)),
                    ("namespace", .string(signature.namespace)),
                    ("key_type", .string(signature.publicKey.algorithm.displayName)),
                    ("fingerprint", .string(signature.publicKey.fingerprint)),
                ]))
        } catch let error as SignatureError where error.code == .missing {
            return SignatureStatus(
                text: "none (no \(path))", json: .object([("path", .string(path)), ("present", .bool(false))]))
        } catch let error as SignatureError {
            return SignatureStatus(
                text: "\(path): \(error.message)",
                json: .object([("path", .string(path)), ("present", .bool(true)), ("error", .string(error.message))]))
        }
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

    /// Once the read is over, whatever its outcome: throws the signature's rejection, which the caller reports in
    /// place of anything else the read found (a bad signature is the first thing reported, as if judged before
    /// the read). A read that stopped early left the bytes unjudged: a file is then read again to judge them.
    func settle() throws { _ = try stream.settle() }

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
