import Crypto
import Foundation

/// An SSHSIG signature (OpenSSH PROTOCOL.sshsig): what `ssh-keygen -Y sign` writes, detached and armored.
///
/// The signature covers a hash of the message (`sha512` or `sha256`) together with a namespace, so a signature
/// made for one purpose (git commits: `git`) is never accepted for another (archives: `auth_export`).
///
/// ```swift
/// let signature = try SSHSignature(armored: String(decoding: sigFileBytes, as: UTF8.self))
/// print(signature.publicKey, signature.namespace)   // ED25519 SHA256:… auth_export
/// ```
///
/// Spec: OpenSSH PROTOCOL.sshsig.
public struct SSHSignature: Sendable, Hashable {
    /// The hash algorithms of PROTOCOL.sshsig.
    public enum HashAlgorithm: String, Sendable, Hashable {
        /// `sha512`: what `ssh-keygen -Y sign` signs with by default.
        case sha512
        /// `sha256`: what authx signs with (`ssh-keygen -Y sign -O hashalg=sha256`); every checker accepts both.
        case sha256
    }

    /// The signer's public key.
    public let publicKey: SSHPublicKey
    /// The namespace the signature was made for.
    public let namespace: String
    /// The hash of the message that was signed.
    public let hashAlgorithm: HashAlgorithm
    /// The SSH signature blob (algorithm name + signature) over ``signedData(digest:)``.
    let signature: [UInt8]

    static let magic = Array("SSHSIG".utf8)
    static let version: UInt32 = 1
    static let beginLine = "-----BEGIN SSH SIGNATURE-----"
    static let endLine = "-----END SSH SIGNATURE-----"

    init(publicKey: SSHPublicKey, namespace: String, hashAlgorithm: HashAlgorithm, signature: [UInt8]) {
        self.publicKey = publicKey
        self.namespace = namespace
        self.hashAlgorithm = hashAlgorithm
        self.signature = signature
    }

    /// What is signed: the preamble, the namespace, the (empty) reserved field, the hash name and the message hash.
    static func signedData(namespace: String, hashAlgorithm: HashAlgorithm, digest: [UInt8]) -> [UInt8] {
        var writer = SSHWireWriter()
        writer.raw(magic)
        writer.string(namespace)
        writer.string([UInt8]())
        writer.string(hashAlgorithm.rawValue)
        writer.string(digest)
        return writer.bytes
    }

    /// Signs a message hash with `sign` (a private key or the agent), for `namespace`.
    static func make(
        digest: [UInt8], hashAlgorithm: HashAlgorithm, namespace: String, publicKey: SSHPublicKey,
        sign: ([UInt8]) throws(SignatureError) -> [UInt8]
    ) throws(SignatureError) -> SSHSignature {
        let data = signedData(namespace: namespace, hashAlgorithm: hashAlgorithm, digest: digest)
        let blob = try sign(data)
        // Whoever signed (an agent may hold another key under the same public key blob only by a bug, but an agent
        // can sign RSA with SHA-1 if asked wrongly): check before anything is written.
        guard try publicKey.isValidSignature(blob, for: data) else {
            throw SignatureError(.badKey, "the signature made with \(publicKey) does not verify; nothing was written")
        }
        return SSHSignature(publicKey: publicKey, namespace: namespace, hashAlgorithm: hashAlgorithm, signature: blob)
    }

    /// Whether the signature is the signer's over a message with this hash, for the namespace it names.
    func isValid(forDigest digest: [UInt8]) throws(SignatureError) -> Bool {
        try publicKey.isValidSignature(
            signature, for: Self.signedData(namespace: namespace, hashAlgorithm: hashAlgorithm, digest: digest))
    }

    /// The binary blob of PROTOCOL.sshsig §2.
    public var blob: [UInt8] {
        var writer = SSHWireWriter()
        writer.raw(Self.magic)
        writer.uint32(Self.version)
        writer.string(publicKey.blob)
        writer.string(namespace)
        writer.string([UInt8]())
        writer.string(hashAlgorithm.rawValue)
        writer.string(signature)
        return writer.bytes
    }

    /// The armored text, as `ssh-keygen -Y sign` writes it (base64 lines of 70 characters).
    public var armored: String {
        let text = Data(blob).base64EncodedString()
        var lines = [Self.beginLine]
        var start = text.startIndex
        while start < text.endIndex {
            let end = text.index(start, offsetBy: 70, limitedBy: text.endIndex) ?? text.endIndex
            lines.append(String(text[start..<end]))
            start = end
        }
        lines.append(Self.endLine)
        return lines.joined(separator: "\n") + "\n"
    }

    /// Parses an armored signature.
    ///
    /// - Throws: ``SignatureError`` `.malformed` when the text is not an SSH signature (naming what is wrong),
    ///   `.badKey` when it is made with a key type authx does not support.
    public init(armored text: String) throws(SignatureError) {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        guard lines.first == Self.beginLine else {
            throw SignatureError(.malformed, "not an SSH signature (expected \(Self.beginLine) on the first line)")
        }
        guard let end = lines.firstIndex(of: Self.endLine) else {
            throw SignatureError(.malformed, "SSH signature without its \(Self.endLine) line (truncated)")
        }
        guard let decoded = Data(base64Encoded: lines[1..<end].joined()) else {
            throw SignatureError(.malformed, "the SSH signature's base64 is corrupt")
        }
        try self.init(blob: Array(decoded))
    }

    /// Parses the binary blob.
    init(blob: [UInt8]) throws(SignatureError) {
        var reader = SSHWireReader(blob, what: "SSH signature")
        guard try reader.raw(6, "preamble") == Self.magic else {
            throw SignatureError(.malformed, "not an SSH signature (no SSHSIG preamble)")
        }
        let version = try reader.uint32("version")
        guard version == Self.version else {
            throw SignatureError(.malformed, "SSH signature version \(version) is not supported (version 1)")
        }
        let key = try reader.string("public key")
        let namespace = try reader.text("namespace")
        _ = try reader.string("reserved")
        let hashName = try reader.text("hash algorithm")
        let signature = try reader.string("signature")
        guard reader.isAtEnd else { throw SignatureError(.malformed, "SSH signature has bytes after its end") }
        guard !namespace.isEmpty else { throw SignatureError(.malformed, "SSH signature with an empty namespace") }
        guard let hash = HashAlgorithm(rawValue: hashName) else {
            throw SignatureError(.malformed, "SSH signature hash \(SSHPublicKey.printable(hashName)) is not sha512 or sha256")
        }
        self.init(publicKey: try SSHPublicKey(blob: key), namespace: namespace, hashAlgorithm: hash, signature: signature)
    }
}
