import Crypto
import Foundation
import _CryptoExtras

/// An SSH public key: Ed25519, ECDSA P-256 or RSA, in its wire encoding (RFC 4253 §6.6, RFC 5656, RFC 8709).
///
/// Parsed from an OpenSSH public key line (`ssh-ed25519 AAAAC3… comment`, as in `id_ed25519.pub` or an
/// `allowed_signers` file) or from a wire blob (inside a signature or private key); verifies SSH signatures.
///
/// ```swift
/// let key = try SSHPublicKey(openSSH: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI… alice@example.com")
/// print(key.fingerprint)   // SHA256:…
/// ```
public struct SSHPublicKey: Sendable, Hashable, CustomStringConvertible {
    /// The key algorithms authx signs and verifies with.
    public enum Algorithm: String, Sendable, Hashable {
        /// `ssh-ed25519`.
        case ed25519 = "ssh-ed25519"
        /// `ecdsa-sha2-nistp256`.
        case ecdsaP256 = "ecdsa-sha2-nistp256"
        /// `ssh-rsa` keys, signing with `rsa-sha2-512`.
        case rsa = "ssh-rsa"

        /// The name ssh-keygen prints (`ED25519`, `ECDSA`, `RSA`).
        public var displayName: String {
            switch self {
            case .ed25519: "ED25519"
            case .ecdsaP256: "ECDSA"
            case .rsa: "RSA"
            }
        }
    }

    /// The key's algorithm.
    public let algorithm: Algorithm
    /// The wire encoding (what a signature embeds and an `allowed_signers` line holds in base64).
    public let blob: [UInt8]
    /// Ed25519: the 32-byte key; ECDSA: the uncompressed point; RSA: the modulus.
    let keyBytes: [UInt8]
    /// RSA: the public exponent.
    let rsaExponent: [UInt8]

    /// Parses a wire blob.
    ///
    /// - Throws: ``SignatureError`` `.malformed` for a truncated blob, `.badKey` for a key type authx does not
    ///   support (DSA, ECDSA P-384/P-521, security keys, certificates).
    public init(blob: [UInt8]) throws(SignatureError) {
        var reader = SSHWireReader(blob, what: "SSH public key")
        let type = try reader.text("key type")
        switch type {
        case Algorithm.ed25519.rawValue:
            let key = try reader.string("Ed25519 key")
            guard key.count == 32 else { throw SignatureError(.malformed, "Ed25519 public key is \(key.count) bytes, expected 32") }
            self.init(algorithm: .ed25519, blob: blob, keyBytes: key, rsaExponent: [])
        case Algorithm.ecdsaP256.rawValue:
            let curve = try reader.text("curve")
            guard curve == "nistp256" else { throw SignatureError(.malformed, "ECDSA key names curve \(curve), expected nistp256") }
            let point = try reader.string("ECDSA point")
            guard (try? P256.Signing.PublicKey(x963Representation: point)) != nil else {
                throw SignatureError(.malformed, "ECDSA P-256 public key is not a point on the curve")
            }
            self.init(algorithm: .ecdsaP256, blob: blob, keyBytes: point, rsaExponent: [])
        case Algorithm.rsa.rawValue:
            let e = try reader.mpint("RSA exponent")
            let n = try reader.mpint("RSA modulus")
            guard n.count * 8 >= 2048 else {
                throw SignatureError(.badKey, "RSA key of \(n.count * 8) bits is too small (2048 at least)")
            }
            self.init(algorithm: .rsa, blob: blob, keyBytes: n, rsaExponent: e)
        default:
            throw SignatureError(.badKey, "\(Self.printable(type)) keys are not supported (use ssh-ed25519, ecdsa-sha2-nistp256 or ssh-rsa)")
        }
        guard reader.isAtEnd else { throw SignatureError(.malformed, "SSH public key has bytes after its end") }
    }

    private init(algorithm: Algorithm, blob: [UInt8], keyBytes: [UInt8], rsaExponent: [UInt8]) {
        self.algorithm = algorithm
        self.blob = blob
        self.keyBytes = keyBytes
        self.rsaExponent = rsaExponent
    }

    /// Parses an OpenSSH public key line: `TYPE BASE64 [COMMENT]` (as in `id_ed25519.pub`).
    ///
    /// - Throws: ``SignatureError`` `.malformed` when the line is not a public key, `.badKey` for an unsupported type.
    public init(openSSH line: String) throws(SignatureError) {
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count >= 2, let blob = Data(base64Encoded: fields[1]) else {
            throw SignatureError(.malformed, "not an OpenSSH public key (expected `TYPE BASE64 [COMMENT]`)")
        }
        try self.init(blob: Array(blob))
        guard algorithm.rawValue == fields[0] else {
            throw SignatureError(.malformed, "public key says type \(Self.printable(fields[0])) but holds a \(algorithm.rawValue) key")
        }
    }

    /// `TYPE BASE64`, as in a `.pub` file or an `allowed_signers` line.
    public var openSSH: String { "\(algorithm.rawValue) \(Data(blob).base64EncodedString())" }

    /// `SHA256:` and the unpadded base64 of the SHA-256 of the blob, as `ssh-keygen -l` prints.
    public var fingerprint: String {
        var text = Data(SHA256.hash(data: blob)).base64EncodedString()
        while text.hasSuffix("=") { text.removeLast() }
        return "SHA256:" + text
    }

    /// `ED25519 SHA256:…`.
    public var description: String { "\(algorithm.displayName) \(fingerprint)" }

    /// Whether `signature` (an SSH signature blob: algorithm name and signature) is this key's signature of `data`.
    ///
    /// - Throws: ``SignatureError`` `.malformed` when the blob is not a signature of this key's type (an RSA
    ///   signature must be `rsa-sha2-512` or `rsa-sha2-256`, never SHA-1 `ssh-rsa`).
    func isValidSignature(_ signature: [UInt8], for data: [UInt8]) throws(SignatureError) -> Bool {
        var reader = SSHWireReader(signature, what: "SSH signature")
        let name = try reader.text("signature algorithm")
        let body = try reader.string("signature")
        guard reader.isAtEnd else { throw SignatureError(.malformed, "SSH signature has bytes after its end") }
        switch algorithm {
        case .ed25519:
            guard name == Algorithm.ed25519.rawValue, body.count == 64 else {
                throw SignatureError(.malformed, "expected an ssh-ed25519 signature of 64 bytes, found \(Self.printable(name)) of \(body.count)")
            }
            guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: keyBytes) else { return false }
            return key.isValidSignature(body, for: data)
        case .ecdsaP256:
            guard name == Algorithm.ecdsaP256.rawValue else {
                throw SignatureError(.malformed, "expected an ecdsa-sha2-nistp256 signature, found \(Self.printable(name))")
            }
            var inner = SSHWireReader(body, what: "ECDSA signature")
            let r = try inner.mpint("r")
            let s = try inner.mpint("s")
            guard inner.isAtEnd, r.count <= 32, s.count <= 32 else {
                throw SignatureError(.malformed, "ECDSA signature values are out of range")
            }
            let raw = [UInt8](repeating: 0, count: 32 - r.count) + r + [UInt8](repeating: 0, count: 32 - s.count) + s
            guard let key = try? P256.Signing.PublicKey(x963Representation: keyBytes),
                let parsed = try? P256.Signing.ECDSASignature(rawRepresentation: raw)
            else { return false }
            return key.isValidSignature(parsed, for: SHA256.hash(data: data))
        case .rsa:
            guard let key = try? _RSA.Signing.PublicKey(n: keyBytes, e: rsaExponent) else { return false }
            let parsed = _RSA.Signing.RSASignature(rawRepresentation: body)
            switch name {
            case "rsa-sha2-512": return key.isValidSignature(parsed, for: SHA512.hash(data: data), padding: .insecurePKCS1v1_5)
            case "rsa-sha2-256": return key.isValidSignature(parsed, for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5)
            default:
                throw SignatureError(.malformed, "RSA signature algorithm \(Self.printable(name)) is not accepted (rsa-sha2-512 or rsa-sha2-256)")
            }
        }
    }

    /// A name from a file, safe to print: at most 64 characters, control characters escaped.
    static func printable(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars.prefix(64) {
            if scalar.value < 0x20 || scalar.value == 0x7F { out += "\\u{\(String(scalar.value, radix: 16))}" } else { out.unicodeScalars.append(scalar) }
        }
        return text.unicodeScalars.count > 64 ? out + "…" : out
    }
}
