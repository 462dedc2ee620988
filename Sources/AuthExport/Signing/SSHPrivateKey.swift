import Crypto
import Foundation
import _CryptoExtras

/// An unencrypted OpenSSH private key (`openssh-key-v1`, as `ssh-keygen` writes without a passphrase), able to sign.
///
/// Ed25519, ECDSA P-256 and RSA keys are read. A passphrase-protected key is not decrypted here: its public half
/// is readable in the clear (``SSHPrivateKeyFile/encrypted(publicKey:cipher:)``), so the caller can ask ssh-agent
/// to sign with it instead, as `ssh-keygen -Y sign` and git do.
///
/// Spec: OpenSSH PROTOCOL.key.
public struct SSHPrivateKey: Sendable {
    // @unchecked: swift-crypto's key structs are immutable values that do not declare Sendable.
    enum Secret: @unchecked Sendable {
        case ed25519(Curve25519.Signing.PrivateKey)
        case p256(P256.Signing.PrivateKey)
        case rsa(_RSA.Signing.PrivateKey)
    }

    /// The public half.
    public let publicKey: SSHPublicKey
    /// The key's comment (often `user@host`).
    public let comment: String
    let secret: Secret

    /// Signs `data` the way SSH does for this key type; returns the signature blob (algorithm name + signature):
    /// `ssh-ed25519`, `ecdsa-sha2-nistp256` (over SHA-256) or `rsa-sha2-512`.
    ///
    /// - Throws: ``SignatureError`` `.badKey` if the cryptographic library refuses the key.
    func sign(_ data: [UInt8]) throws(SignatureError) -> [UInt8] {
        var writer = SSHWireWriter()
        do {
            switch secret {
            case .ed25519(let key):
                writer.string("ssh-ed25519")
                writer.string(Array(try key.signature(for: data)))
            case .p256(let key):
                let raw = Array(try key.signature(for: SHA256.hash(data: data)).rawRepresentation)
                var inner = SSHWireWriter()
                inner.mpint(Array(raw[0..<32]))
                inner.mpint(Array(raw[32..<64]))
                writer.string("ecdsa-sha2-nistp256")
                writer.string(inner.bytes)
            case .rsa(let key):
                let signature = try key.signature(for: SHA512.hash(data: data), padding: .insecurePKCS1v1_5)
                writer.string("rsa-sha2-512")
                writer.string(Array(signature.rawRepresentation))
            }
        } catch {
            throw SignatureError(.badKey, "cannot sign with the \(publicKey.algorithm.displayName) key: \(error)")
        }
        return writer.bytes
    }
}

/// What an OpenSSH private key file holds: a usable key, or the public half of a passphrase-protected one.
public enum SSHPrivateKeyFile: Sendable {
    /// An unencrypted key.
    case unencrypted(SSHPrivateKey)
    /// A passphrase-protected key: only its public half can be read without the passphrase.
    case encrypted(publicKey: SSHPublicKey, cipher: String)

    static let beginLine = "-----BEGIN OPENSSH PRIVATE KEY-----"
    static let endLine = "-----END OPENSSH PRIVATE KEY-----"
    private static let magic = Array("openssh-key-v1\0".utf8)

    /// Whether `text` looks like an OpenSSH private key file.
    static func isPrivateKey(_ text: String) -> Bool {
        text.drop { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }.hasPrefix(beginLine)
    }

    /// Parses an armored `openssh-key-v1` file.
    ///
    /// - Throws: ``SignatureError`` `.badKey` naming what is wrong (not OpenSSH format, PEM/PKCS#8 keys, key type,
    ///   corrupt data), never key material.
    public static func parse(_ text: String) throws(SignatureError) -> SSHPrivateKeyFile {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let begin = lines.firstIndex(of: beginLine), let end = lines.firstIndex(of: endLine), begin < end else {
            if text.contains("-----BEGIN") && text.contains("PRIVATE KEY-----") {
                throw SignatureError(.badKey, "a PEM private key, not OpenSSH format; convert it with `ssh-keygen -p -f KEY` (it rewrites the key in OpenSSH format)")
            }
            throw SignatureError(.badKey, "not an OpenSSH private key (expected \(beginLine))")
        }
        guard let decoded = Data(base64Encoded: lines[(begin + 1)..<end].joined()) else {
            throw SignatureError(.badKey, "the OpenSSH private key's base64 is corrupt")
        }
        let bytes = Array(decoded)
        guard bytes.starts(with: magic) else { throw SignatureError(.badKey, "not an openssh-key-v1 private key") }
        do {
            return try parseBody(Array(bytes[magic.count...]))
        } catch where error.code == .malformed {
            throw SignatureError(.badKey, error.message)
        }
    }

    private static func parseBody(_ bytes: [UInt8]) throws(SignatureError) -> SSHPrivateKeyFile {
        var reader = SSHWireReader(bytes, what: "OpenSSH private key")
        let cipher = try reader.text("cipher name")
        let kdf = try reader.text("KDF name")
        _ = try reader.string("KDF options")
        let count = try reader.uint32("key count")
        guard count == 1 else { throw SignatureError(.badKey, "the file holds \(count) keys; authx reads files with one key") }
        let publicKey = try SSHPublicKey(blob: try reader.string("public key"))
        let sealed = try reader.string("private section")
        if cipher != "none" || kdf != "none" {
            return .encrypted(publicKey: publicKey, cipher: SSHPublicKey.printable(cipher))
        }
        var inner = SSHWireReader(sealed, what: "OpenSSH private key")
        guard try inner.uint32("check") == (try inner.uint32("check")) else {
            throw SignatureError(.badKey, "the private key's check values differ (corrupt key file)")
        }
        let type = try inner.text("key type")
        guard type == publicKey.algorithm.rawValue else {
            throw SignatureError(.badKey, "the private key is of type \(SSHPublicKey.printable(type)), its public key \(publicKey.algorithm.rawValue)")
        }
        let secret: SSHPrivateKey.Secret
        let mismatch = SignatureError(.badKey, "the private key does not match its public key (corrupt key file)")
        switch publicKey.algorithm {
        case .ed25519:
            let pub = try inner.string("Ed25519 public key")
            let pair = try inner.string("Ed25519 private key")
            guard pair.count == 64, pub == publicKey.keyBytes, Array(pair[32...]) == pub,
                let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: pair[0..<32]),
                Array(key.publicKey.rawRepresentation) == pub
            else { throw mismatch }
            secret = .ed25519(key)
        case .ecdsaP256:
            _ = try inner.text("curve")
            let point = try inner.string("ECDSA point")
            let scalar = try inner.mpint("ECDSA private scalar")
            guard point == publicKey.keyBytes, scalar.count <= 32,
                let key = try? P256.Signing.PrivateKey(
                    rawRepresentation: [UInt8](repeating: 0, count: 32 - scalar.count) + scalar),
                Array(key.publicKey.x963Representation) == point
            else { throw mismatch }
            secret = .p256(key)
        case .rsa:
            let n = try inner.mpint("RSA modulus")
            let e = try inner.mpint("RSA exponent")
            let d = try inner.mpint("RSA private exponent")
            _ = try inner.mpint("RSA iqmp")
            let p = try inner.mpint("RSA p")
            let q = try inner.mpint("RSA q")
            guard n == publicKey.keyBytes, e == publicKey.rsaExponent,
                let key = try? _RSA.Signing.PrivateKey(n: n, e: e, d: d, p: p, q: q)
            else { throw mismatch }
            secret = .rsa(key)
        }
        let comment = (try? inner.text("comment")) ?? ""
        return .unencrypted(SSHPrivateKey(publicKey: publicKey, comment: comment, secret: secret))
    }
}
