import Crypto
import _CryptoExtras

/// Who can decrypt an encrypted archive: an age X25519 public key (`age1…`) or a passphrase (age's scrypt
/// recipient, which must then be the only one).
///
/// ```swift
/// var options = ArchiveWriter.Options()
/// options.recipients = [try AgeRecipient(string: "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj")]
/// ```
///
/// Spec: C2SP age.md, "Native recipient types"
public struct AgeRecipient: Sendable, CustomStringConvertible {
    enum Kind: Sendable {
        case x25519([UInt8])
        case scrypt(passphrase: [UInt8], workFactor: Int)
    }
    let kind: Kind

    /// The default scrypt work factor (log2 N), as `age -p`.
    public static let defaultWorkFactor = 18

    /// An X25519 recipient from its `age1…` string.
    ///
    /// - Throws: `ArchiveError` `.invalidValue` if it is not a valid age X25519 recipient.
    public init(string: String) throws {
        let decoded: (hrp: String, bytes: [UInt8])
        do { decoded = try Bech32.decode(string) } catch {
            throw ArchiveError(.invalidValue, "not an age recipient (age1…): \(error.message)")
        }
        guard decoded.hrp == "age", decoded.bytes.count == 32 else {
            throw ArchiveError(.invalidValue, "not an age X25519 recipient (age1… with a 32-byte key)")
        }
        kind = .x25519(decoded.bytes)
    }

    /// A passphrase recipient (scrypt). `workFactor` is log2 of scrypt's N (age's default 18; lower only for tests).
    public static func passphrase(_ passphrase: String, workFactor: Int = defaultWorkFactor) -> AgeRecipient {
        AgeRecipient(kind: .scrypt(passphrase: Array(passphrase.utf8), workFactor: workFactor))
    }

    init(kind: Kind) { self.kind = kind }

    /// `age1…` for an X25519 recipient; `(passphrase)` for a passphrase, which is never printed.
    public var description: String {
        switch kind {
        case .x25519(let key): Bech32.encode(hrp: "age", bytes: key)
        case .scrypt: "(passphrase)"
        }
    }

    /// Reads an age recipients file: one `age1…` per line; blank lines and `#` comments ignored.
    ///
    /// - Throws: `ArchiveError` `.invalidValue` naming the line of a recipient that is not valid.
    public static func parseRecipientsFile(_ text: String, path: String) throws -> [AgeRecipient] {
        try AgeKeys.parseLines(text, path: path, none: "no recipient in the recipients file", AgeRecipient.init(string:))
    }

    /// Wraps `fileKey` in a stanza for this recipient.
    func wrap(_ fileKey: SymmetricKey) throws -> AgeHeader.Stanza {
        switch kind {
        case .x25519(let publicKey):
            let ephemeral = Curve25519.KeyAgreement.PrivateKey()
            let share = Array(ephemeral.publicKey.rawRepresentation)
            let recipientKey = try Curve25519.KeyAgreement.PublicKey(rawRepresentation: publicKey)
            let shared = try ephemeral.sharedSecretFromKeyAgreement(with: recipientKey)
            let wrapKey = shared.hkdfDerivedSymmetricKey(
                using: SHA256.self, salt: share + publicKey, sharedInfo: Array(AgeKeys.x25519Label.utf8),
                outputByteCount: 32)
            return .init(arguments: ["X25519", String(decoding: Base64Raw.encode(share), as: UTF8.self)],
                         body: try AgeKeys.seal(fileKey, with: wrapKey))
        case .scrypt(let passphrase, let workFactor):
            var salt = [UInt8](repeating: 0, count: 16)
            AgeKeys.fillRandom(&salt)
            let wrapKey = try AgeKeys.scryptKey(passphrase: passphrase, salt: salt, workFactor: workFactor)
            return .init(arguments: ["scrypt", String(decoding: Base64Raw.encode(salt), as: UTF8.self), "\(workFactor)"],
                         body: try AgeKeys.seal(fileKey, with: wrapKey))
        }
    }

    var isPassphrase: Bool { if case .scrypt = kind { true } else { false } }
}

/// A key that can decrypt an encrypted archive: an age X25519 secret key (`AGE-SECRET-KEY-1…`) or a passphrase.
///
/// - Important: the key is never printed: `description` shows only the public recipient.
public struct AgeIdentity: Sendable, CustomStringConvertible {
    enum Kind: Sendable {
        case x25519([UInt8])
        case passphrase([UInt8])
    }
    let kind: Kind

    /// An X25519 identity from its `AGE-SECRET-KEY-1…` string.
    ///
    /// - Throws: `ArchiveError` `.invalidValue` if it is not a valid age secret key (the message never repeats it).
    public init(string: String) throws {
        let decoded: (hrp: String, bytes: [UInt8])
        do { decoded = try Bech32.decode(string) } catch {
            throw ArchiveError(.invalidValue, "not an age secret key (AGE-SECRET-KEY-1…): \(error.message)")
        }
        guard decoded.hrp == "age-secret-key-", decoded.bytes.count == 32 else {
            throw ArchiveError(.invalidValue, "not an age X25519 secret key (AGE-SECRET-KEY-1… with a 32-byte key)")
        }
        kind = .x25519(decoded.bytes)
    }

    /// A passphrase identity, for files encrypted with a passphrase (scrypt).
    public static func passphrase(_ passphrase: String) -> AgeIdentity {
        AgeIdentity(kind: .passphrase(Array(passphrase.utf8)))
    }

    init(kind: Kind) { self.kind = kind }

    /// A new random X25519 identity.
    public static func generate() -> AgeIdentity {
        AgeIdentity(kind: .x25519(Array(Curve25519.KeyAgreement.PrivateKey().rawRepresentation)))
    }

    /// The `AGE-SECRET-KEY-1…` string (nil for a passphrase). Handle with care: this is the secret.
    public var secretKeyString: String? {
        guard case .x25519(let key) = kind else { return nil }
        return Bech32.encode(hrp: "AGE-SECRET-KEY-", bytes: key, uppercase: true)
    }

    /// The matching recipient (public key); nil for a passphrase.
    public var recipient: AgeRecipient? {
        guard case .x25519(let key) = kind, let privateKey = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: key)
        else { return nil }
        return AgeRecipient(kind: .x25519(Array(privateKey.publicKey.rawRepresentation)))
    }

    /// The public recipient, or `(passphrase)`; never the secret.
    public var description: String { recipient?.description ?? "(passphrase)" }

    /// Reads an age identity file: `AGE-SECRET-KEY-1…` lines; blank lines and `#` comments ignored.
    ///
    /// - Throws: `ArchiveError` `.invalidValue` naming the line that is not a key (never its text).
    public static func parseIdentityFile(_ text: String, path: String) throws -> [AgeIdentity] {
        try AgeKeys.parseLines(
            text, path: path, none: "no AGE-SECRET-KEY-1… line in the identity file", AgeIdentity.init(string:))
    }

    /// What unwrapping a stanza gave.
    enum Unwrap {
        case notMine
        case fileKey(SymmetricKey)
    }

    /// Tries to unwrap the file key from `stanza`.
    ///
    /// - Throws: `AgeHeader.Failure` for a stanza of this identity's type that is malformed.
    func unwrap(_ stanza: AgeHeader.Stanza, offset: Int) throws(AgeHeader.Failure) -> Unwrap {
        func malformed(_ what: String) -> AgeHeader.Failure { .init(message: "malformed \(what) stanza", offset: offset) }
        switch kind {
        case .x25519(let secret):
            guard stanza.type == "X25519" else { return .notMine }
            guard stanza.arguments.count == 2, let share = Base64Raw.decode(Array(stanza.arguments[1].utf8)),
                share.count == 32, stanza.body.count == 32
            else { throw malformed("X25519") }
            do {
                let privateKey = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: secret)
                let shared = try privateKey.sharedSecretFromKeyAgreement(
                    with: try Curve25519.KeyAgreement.PublicKey(rawRepresentation: share))
                let isZero = shared.withUnsafeBytes { $0.allSatisfy { $0 == 0 } }
                if isZero { throw malformed("X25519 (low-order share)") }
                let wrapKey = shared.hkdfDerivedSymmetricKey(
                    using: SHA256.self, salt: share + Array(privateKey.publicKey.rawRepresentation),
                    sharedInfo: Array(AgeKeys.x25519Label.utf8), outputByteCount: 32)
                guard let fileKey = AgeKeys.open(stanza.body, with: wrapKey) else { return .notMine }
                return .fileKey(fileKey)
            } catch let failure as AgeHeader.Failure {
                throw failure
            } catch {
                throw malformed("X25519 (low-order share)")  // BoringSSL refuses an all-zero shared secret
            }
        case .passphrase(let passphrase):
            guard stanza.type == "scrypt" else { return .notMine }
            guard stanza.arguments.count == 3, let salt = Base64Raw.decode(Array(stanza.arguments[1].utf8)),
                salt.count == 16, stanza.body.count == 32
            else { throw malformed("scrypt") }
            let factor = stanza.arguments[2]
            guard let first = factor.utf8.first, first >= UInt8(ascii: "1"), first <= UInt8(ascii: "9"),
                factor.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), factor.utf8.count <= 2,
                let workFactor = Int(factor)
            else { throw malformed("scrypt") }
            guard workFactor <= AgeKeys.maxWorkFactor else {
                throw .init(message: "scrypt work factor \(workFactor) is above the limit of \(AgeKeys.maxWorkFactor)",
                            offset: offset)
            }
            guard let wrapKey = try? AgeKeys.scryptKey(passphrase: passphrase, salt: salt, workFactor: workFactor),
                let fileKey = AgeKeys.open(stanza.body, with: wrapKey)
            else { return .notMine }
            return .fileKey(fileKey)
        }
    }

    var isPassphrase: Bool { if case .passphrase = kind { true } else { false } }
}

/// The primitives under age's stanzas, header MAC and payload key.
enum AgeKeys {
    static let x25519Label = "age-encryption.org/v1/X25519"
    static let scryptLabel = "age-encryption.org/v1/scrypt"
    /// The highest scrypt work factor read (as age; 2^22 × 1 KiB = 4 GiB of memory would be refused anyway).
    static let maxWorkFactor = 22

    /// Parses age's key-file lines (recipients or identities): one key per line, blank lines and `#` comments
    /// ignored; an error names the line, never its text.
    static func parseLines<Key>(
        _ text: String, path: String, none: String, _ parse: (String) throws -> Key
    ) throws -> [Key] {
        var keys: [Key] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = trimmed(line)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            do { keys.append(try parse(String(trimmed))) } catch let error as ArchiveError {
                throw ArchiveError(.invalidValue, error.message, location: .init(path: path, line: Int64(number + 1)))
            }
        }
        guard !keys.isEmpty else { throw ArchiveError(.invalidValue, none, location: .init(path: path)) }
        return keys
    }

    /// A line without surrounding spaces, tabs and carriage return.
    static func trimmed(_ line: Substring) -> Substring {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let start = line.firstIndex(where: { !blank($0) }), let end = line.lastIndex(where: { !blank($0) }) else {
            return ""
        }
        return line[start...end]
    }

    static func fillRandom(_ bytes: inout [UInt8]) {
        var generator = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = generator.next() }
    }

    static func scryptKey(passphrase: [UInt8], salt: [UInt8], workFactor: Int) throws -> SymmetricKey {
        try KDF.Scrypt.deriveKey(
            from: passphrase, salt: Array(scryptLabel.utf8) + salt, outputByteCount: 32, rounds: 1 << workFactor,
            blockSize: 8, parallelism: 1)
    }

    /// ChaCha20-Poly1305 with the all-zero nonce (stanza bodies): ciphertext ‖ tag.
    static func seal(_ fileKey: SymmetricKey, with key: SymmetricKey) throws -> [UInt8] {
        let box = try fileKey.withUnsafeBytes { plain in
            // swift-format-ignore: NeverForceTry
            try ChaChaPoly.seal(plain, using: key, nonce: try ChaChaPoly.Nonce(data: [UInt8](repeating: 0, count: 12)))
        }
        return Array(box.ciphertext) + Array(box.tag)
    }

    static func open(_ body: [UInt8], with key: SymmetricKey) -> SymmetricKey? {
        guard body.count == 32,
            let nonce = try? ChaChaPoly.Nonce(data: [UInt8](repeating: 0, count: 12)),
            let box = try? ChaChaPoly.SealedBox(nonce: nonce, ciphertext: body[0..<16], tag: body[16...]),
            let plain = try? ChaChaPoly.open(box, using: key)
        else { return nil }
        return SymmetricKey(data: plain)
    }

    static func hkdf(_ fileKey: SymmetricKey, salt: [UInt8], info: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: fileKey, salt: salt, info: Array(info.utf8), outputByteCount: 32)
    }

    static func headerMAC(fileKey: SymmetricKey, macInput: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: macInput, using: hkdf(fileKey, salt: [], info: "header")))
    }
}
