#if canImport(Glibc)
import Glibc
#endif

/// Detached SSHSIG signatures of archive files, as `ssh-keygen -Y sign -n auth_export FILE` makes them.
///
/// The signature covers the exact bytes of the file (whatever they are: a plain archive, or one encrypted under
/// the writer), hashed with SHA-512, in namespace `auth_export`; it sits beside the file as `FILE.sig`, armored.
/// It is checked against an OpenSSH ``AllowedSigners`` policy, so `ssh-keygen -Y verify` accepts the same files.
///
/// ```swift
/// let key = try SigningKey(path: "id_ed25519")
/// try DetachedSignature.sign(file: "app.authx.gz", with: key)          // writes app.authx.gz.sig
/// let policy = try AllowedSigners(path: "allowed_signers")
/// let signer = try DetachedSignature.verify(file: "app.authx.gz", policy: policy)
/// print("signed by \(signer)")   // signed by alice@example.com (ED25519 SHA256:…)
/// ```
///
/// Spec: spec/FORMAT.md, "Signatures"; OpenSSH PROTOCOL.sshsig.
public enum DetachedSignature {
    /// The SSHSIG namespace of auth_export archives.
    public static let namespace = "auth_export"
    /// The hash authx signs with: SHA-256, one of the two of PROTOCOL.sshsig, which `ssh-keygen -Y verify`
    /// accepts like SHA-512. Checking it costs the verifying read about 4 % more CPU where SHA-512 cost 28 %
    /// (this CPU has SHA-256 instructions; swift-crypto's SHA-512 runs at about 255 MB/s here): bench/RESULTS.md,
    /// "Signing". Signatures made with SHA-512 (ssh-keygen's default) are checked as well.
    public static let hashAlgorithm = SSHSignature.HashAlgorithm.sha256

    /// Who signed a file, once the policy accepted it.
    public struct Signer: Sendable, CustomStringConvertible {
        /// The principal: the one asked for, or the principals field of the allowed-signers line.
        public var principal: String
        /// The signing key.
        public var key: SSHPublicKey
        /// `alice@example.com (ED25519 SHA256:…)`.
        public var description: String { "\(SSHPublicKey.printable(principal)) (\(key))" }
    }

    /// The default signature path of a file: `FILE.sig`.
    public static func signaturePath(for file: String) -> String { file + signatureSuffix }

    /// `.sig`: what ``signaturePath(for:)`` appends.
    public static let signatureSuffix = ".sig"

    /// Signs a message hash.
    static func signature(digest: [UInt8], with key: SigningKey) throws(SignatureError) -> SSHSignature {
        try SSHSignature.make(
            digest: digest, hashAlgorithm: hashAlgorithm, namespace: namespace, publicKey: key.publicKey,
            sign: key.sign)
    }

    /// Signs the file's bytes and writes the armored signature (0600, atomically; replaced if it exists).
    ///
    /// - Parameters:
    ///   - file: The file to sign (read once).
    ///   - key: The key.
    ///   - signaturePath: Where to write the signature; default `FILE.sig`.
    /// - Returns: the signature.
    /// - Throws: ``SignatureError`` `.io` when the file cannot be read or the signature written, `.agent` or
    ///   `.badKey` when signing fails.
    @discardableResult
    public static func sign(file: String, with key: SigningKey, signaturePath: String? = nil) throws(SignatureError)
        -> SSHSignature
    {
        let signature = try signature(digest: try digest(ofFile: file, hashAlgorithm), with: key)
        let path = signaturePath ?? Self.signaturePath(for: file)
        do {
            try AtomicFile.write(Array(signature.armored.utf8), to: path, overwrite: true)
        } catch {
            throw SignatureError(.io, error.message, path: path)
        }
        return signature
    }

    /// Reads an armored signature file.
    ///
    /// - Throws: ``SignatureError`` `.missing` when there is no such file (the archive is unsigned),
    ///   `.malformed` when it is not an SSH signature.
    public static func read(signatureAt path: String) throws(SignatureError) -> SSHSignature {
        do {
            let bytes = try SmallFile.read(path, limit: 1 << 20)
            return try SSHSignature(armored: String(decoding: bytes, as: UTF8.self))
        } catch where error.code == .missing {
            throw SignatureError(.missing, "no signature: the archive is unsigned (sign it with `authx sign FILE --key KEY`)", path: path)
        } catch {
            throw error.at(path)
        }
    }

    /// Checks the file against its signature and the policy: the signature's namespace, then whether the policy
    /// allows its key (principal, namespaces, validity), then the signature over the file's bytes (read once).
    ///
    /// - Parameters:
    ///   - file: The signed file.
    ///   - signaturePath: The signature; default `FILE.sig`.
    ///   - policy: Who may sign.
    ///   - principal: The principal the signer must be allowed as (`ssh-keygen -Y verify -I`); nil accepts any
    ///     principal the policy lists for the key.
    /// - Returns: who signed.
    /// - Throws: ``SignatureError`` with a rejection code (``SignatureError/Code/isRejection``) and its own message
    ///   for each reason; `.io` when a file cannot be read.
    public static func verify(file: String, signaturePath: String? = nil, policy: AllowedSigners, principal: String? = nil)
        throws(SignatureError) -> Signer
    {
        let path = signaturePath ?? Self.signaturePath(for: file)
        let signature = try read(signatureAt: path)
        try checkNamespace(signature, path: path)
        let signer = try authorize(signature, policy: policy, principal: principal, file: file)
        try checkDigest(signature, digest: try digest(ofFile: file, signature.hashAlgorithm), file: file)
        return signer
    }

    static func checkNamespace(_ signature: SSHSignature, path: String) throws(SignatureError) {
        guard signature.namespace == namespace else {
            throw SignatureError(
                .wrongNamespace,
                "the signature is for namespace \"\(SSHPublicKey.printable(signature.namespace))\", not \"\(namespace)\" (sign with `ssh-keygen -Y sign -n \(namespace)` or `authx sign`)",
                path: path)
        }
    }

    /// Whether the policy allows the signature's key (principal, namespaces, validity): everything but the
    /// signature over the bytes, so it is judged before the file is read.
    static func authorize(_ signature: SSHSignature, policy: AllowedSigners, principal: String?, file: String)
        throws(SignatureError) -> Signer
    {
        do {
            let who = try policy.authorize(signature.publicKey, namespace: namespace, principal: principal)
            return Signer(principal: who, key: signature.publicKey)
        } catch {
            throw error.at(file)
        }
    }

    /// Checks the signature over the hash of the file's bytes.
    static func checkDigest(_ signature: SSHSignature, digest: [UInt8], file: String) throws(SignatureError) {
        guard try signature.isValid(forDigest: digest) else {
            throw SignatureError(
                .mismatch,
                "the signature by \(signature.publicKey) does not match the file: it was changed after it was signed, or the signature is of another file",
                path: file)
        }
    }

    /// The hash of a whole file (read once).
    static func digest(ofFile file: String, _ algorithm: SSHSignature.HashAlgorithm) throws(SignatureError) -> [UInt8] {
        do { return try MessageDigest.ofFile(file, algorithm) } catch {
            throw SignatureError(.io, error.message, path: file)
        }
    }

    /// A signature made as an archive is written: the writer feeds it the file's bytes (no second pass) and it
    /// becomes `FILE.sig` beside the archive. Put it in ``ArchiveWriter/Options/sidecars``.
    public final class Sidecar: ArchiveSidecar, @unchecked Sendable {
        // @unchecked: the writer calls update() and contents() from its one calling thread, never concurrently.
        private let key: SigningKey
        private var digest = MessageDigest(DetachedSignature.hashAlgorithm)
        /// The signature, once ``contents()`` made it.
        public private(set) var signature: SSHSignature?

        /// Signs with `key`.
        public init(key: SigningKey) { self.key = key }

        /// `.sig`.
        public var suffix: String { DetachedSignature.signatureSuffix }

        /// Starts a new file.
        public func start() {
            digest = MessageDigest(DetachedSignature.hashAlgorithm)
            signature = nil
        }

        /// Adds bytes of the file.
        public func update(_ bytes: UnsafeRawBufferPointer) { digest.update(bytes) }

        /// Signs the bytes seen; returns the armored signature.
        public func contents() throws -> [UInt8] {
            let made = try DetachedSignature.signature(digest: digest.finalize(), with: key)
            signature = made
            return Array(made.armored.utf8)
        }
    }

    /// A signature checked as the archive is read — the one read of the file, or a pipe that cannot be read twice:
    /// the reader feeds it every byte and, at the end, before it returns the `end` record, it must hold, or the
    /// reader fails with ``ArchiveError/Code/badSignature`` — a restore then rolls back. Put it in
    /// ``ArchiveReader/Options/byteCheck``.
    ///
    /// Everything but the signature over the bytes (the namespace, whether the policy allows the key) is judged
    /// when it is made, before the read. After the read, whatever its outcome, ``settle()`` gives the verdict: a
    /// read that stopped early (a damaged archive) did not judge the bytes, and a file is then hashed once more.
    public final class StreamCheck: ArchiveByteCheck, @unchecked Sendable {
        // @unchecked: the reader calls update() and finish() from one thread at a time.
        private let signature: SSHSignature
        private let file: String
        private var digest: MessageDigest
        /// Who signed, if the signature over the bytes holds.
        private let authorized: Signer
        /// Who signed, once the signature over the bytes read was found to hold.
        public private(set) var signer: Signer?
        /// Why the signature was refused, once the bytes read were judged and it did not hold.
        public private(set) var rejection: SignatureError?

        /// Checks `signature` against `policy` (and `principal`) once the reader has read `file` to its end.
        ///
        /// - Parameters:
        ///   - signature: The parsed detached signature (`FILE.sig`).
        ///   - policy: The allowed signers the signature's key must be among.
        ///   - principal: The principal the key must be allowed as (`--signer`), or `nil` for any of its principals.
        ///   - file: The file read (`-`: standard input, which ``settle()`` cannot read again).
        /// - Throws: ``SignatureError`` at once, before anything is read, when the signature is not for `auth_export`
        ///   or the policy does not allow its key (its own code and message for each reason, as
        ///   ``DetachedSignature/verify(file:signaturePath:policy:principal:)``).
        public init(signature: SSHSignature, policy: AllowedSigners, principal: String?, file: String) throws(SignatureError) {
            try DetachedSignature.checkNamespace(signature, path: file)
            self.authorized = try DetachedSignature.authorize(signature, policy: policy, principal: principal, file: file)
            self.signature = signature
            self.file = file
            self.digest = MessageDigest(signature.hashAlgorithm)
        }

        /// Adds bytes of the file.
        public func update(_ bytes: UnsafeRawBufferPointer) { digest.update(bytes) }

        /// Judges the signature over everything read.
        ///
        /// - Throws: ``SignatureError`` `.mismatch` when it does not hold.
        public func finish() throws {
            _ = try judge(digest.finalize())
        }

        /// The verdict once the read is over, whatever its outcome: who signed, or the rejection thrown. When the
        /// read stopped before its end (the archive is damaged, or the reader gave up), the bytes were not judged:
        /// the file is read and hashed once more (nil for standard input, which cannot be).
        ///
        /// A caller that reports a rejection in place of anything else the read found keeps "a bad signature is
        /// the first thing reported" with one read of an intact file.
        ///
        /// - Throws: ``SignatureError`` `.mismatch` when the signature does not hold, `.io` when the file cannot be
        ///   read again.
        public func settle() throws(SignatureError) -> Signer? {
            if let rejection { throw rejection }
            if let signer { return signer }
            guard file != "-" else { return nil }
            return try judge(DetachedSignature.digest(ofFile: file, signature.hashAlgorithm))
        }

        private func judge(_ digest: [UInt8]) throws(SignatureError) -> Signer {
            do {
                try DetachedSignature.checkDigest(signature, digest: digest, file: file)
            } catch {
                rejection = error
                throw error
            }
            signer = authorized
            return authorized
        }
    }
}
