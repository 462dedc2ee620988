/// An error signing an archive or checking its signature, with a one-line message saying what to do.
///
/// The codes split in three: the signature is rejected (``Code/isRejection``: the archive must not be trusted),
/// the policy given is unusable (a malformed `allowed_signers` file), or signing could not be done (key file, agent,
/// I/O). Messages name files, lines, principals, key types and fingerprints; never key material.
///
/// ```swift
/// do { _ = try DetachedSignature.verify(file: "app.authx.gz", policy: policy) }
/// catch let error as SignatureError where error.code.isRejection { print(error) }
/// ```
public struct SignatureError: Error, Sendable, CustomStringConvertible {
    /// What kind of problem it is. New codes may be added in any release.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The stable machine-readable name (as in `verify --json`).
        public let name: String
        /// Whether the archive's signature is rejected (as opposed to a problem with the policy, key or tools).
        public let isRejection: Bool
        private init(_ name: String, rejection: Bool) {
            self.name = name
            self.isRejection = rejection
        }
        /// The stable name.
        public var description: String { name }

        /// There is no signature file.
        public static let missing = Code("signature_missing", rejection: true)
        /// The signature file, key or agent message is not in its format.
        public static let malformed = Code("signature_malformed", rejection: true)
        /// The signature was made for another namespace than `auth_export`.
        public static let wrongNamespace = Code("signature_wrong_namespace", rejection: true)
        /// The signature does not match the file's bytes (the file changed, or the signature is of another file).
        public static let mismatch = Code("signature_mismatch", rejection: true)
        /// The signing key is not in the allowed signers.
        public static let untrustedKey = Code("signer_not_allowed", rejection: true)
        /// The signing key is allowed, but not for the principal asked for.
        public static let principalMismatch = Code("signer_principal_mismatch", rejection: true)
        /// The signing key is allowed, but its `namespaces=` option excludes `auth_export`.
        public static let namespaceNotAllowed = Code("signer_namespace_not_allowed", rejection: true)
        /// The signing key's `valid-before` time has passed.
        public static let expired = Code("signer_expired", rejection: true)
        /// The signing key's `valid-after` time has not come yet.
        public static let notYetValid = Code("signer_not_yet_valid", rejection: true)
        /// The `allowed_signers` file cannot be used (syntax, or a feature authx does not implement).
        public static let badPolicy = Code("allowed_signers_invalid", rejection: false)
        /// The signing key cannot be used (format, type, passphrase-protected without an agent).
        public static let badKey = Code("signing_key_unusable", rejection: false)
        /// The ssh-agent could not be reached or refused to sign.
        public static let agent = Code("ssh_agent_failed", rejection: false)
        /// A file could not be read or written.
        public static let io = Code("io", rejection: false)
    }

    /// What kind of problem it is.
    public var code: Code
    /// One line: what went wrong and what to do.
    public var message: String
    /// The file (and line) it concerns, such as `allowed_signers:3` or `app.authx.gz.sig`.
    public var path: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, path: String? = nil) {
        self.code = code
        self.message = message
        self.path = path
    }

    /// `path: message`.
    public var description: String { path.map { "\($0): \(message)" } ?? message }

    /// Returns a copy with `path` set where it was unset.
    func at(_ path: String) -> SignatureError {
        var copy = self
        if copy.path == nil { copy.path = path }
        return copy
    }
}
