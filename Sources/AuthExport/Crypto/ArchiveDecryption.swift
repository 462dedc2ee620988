import Crypto
import Foundation

/// The keys a reader may use for an age-encrypted archive: identities, and a way to ask for a passphrase.
///
/// Give it to ``ArchiveReader/Options/decryption``; every reader (verify, inspect, restore) then reads an encrypted
/// file or stream as if it were plain. One instance may serve several readers of the same file: the file key is
/// unwrapped once (a passphrase is asked for and scrypt run once).
///
/// ```swift
/// var options = ArchiveReader.Options()
/// options.decryption = ArchiveDecryption(identities: try AgeIdentity.parseIdentityFile(text, path: "key.txt"))
/// let reader = try ArchiveReader(path: "app.authx.gz.age", options: options)
/// ```
///
/// Spec: spec/FORMAT.md#14-encrypted-archives
public final class ArchiveDecryption: @unchecked Sendable {
    private let identities: [AgeIdentity]
    private let passphrase: (@Sendable () throws -> String)?
    private let lock = NSLock()
    private var fileKeys: [[UInt8]: SymmetricKey] = [:]
    /// Headers no key fits, so a second reader of the same file does not ask or run scrypt again.
    private var failures: [[UInt8]: ArchiveError] = [:]

    /// - Parameters:
    ///   - identities: X25519 secret keys (and passphrases) to try.
    ///   - passphrase: called at most once per file, only for a passphrase-encrypted archive when `identities`
    ///     holds no passphrase (for example, to ask on the terminal).
    public init(identities: [AgeIdentity] = [], passphrase: (@Sendable () throws -> String)? = nil) {
        self.identities = identities
        self.passphrase = passphrase
    }

    /// The file key of the age file whose header is `header`, with the header MAC checked.
    func fileKey(for header: AgeHeader, path: String) throws -> SymmetricKey {
        let cacheKey = header.macInput + header.mac
        lock.lock()
        let cached = fileKeys[cacheKey]
        let failed = failures[cacheKey]
        lock.unlock()
        if let cached { return cached }
        if let failed { throw failed }
        let key: SymmetricKey
        do {
            key = try unwrap(header, path: path)
        } catch let error as ArchiveError where error.code == .noIdentity {
            lock.lock()
            failures[cacheKey] = error
            lock.unlock()
            throw error
        }
        let expected = AgeKeys.headerMAC(fileKey: key, macInput: header.macInput)
        guard expected == header.mac else {
            throw ArchiveError(
                .badEncryption, "age header MAC does not match: the header was modified or damaged",
                location: .init(path: path, byteOffset: Int64(header.macInput.count - 3)))
        }
        lock.lock()
        fileKeys[cacheKey] = key
        lock.unlock()
        return key
    }

    private func unwrap(_ header: AgeHeader, path: String) throws -> SymmetricKey {
        func failure(_ f: AgeHeader.Failure) -> ArchiveError {
            ArchiveError(.badEncryption, f.message, location: .init(path: path, byteOffset: Int64(f.offset)))
        }
        let stanzas = header.stanzas
        if let scrypt = stanzas.first(where: { $0.type == "scrypt" }) {
            guard stanzas.count == 1 else {
                throw failure(.init(message: "an scrypt (passphrase) stanza must be the only one in the header", offset: scrypt.offset))
            }
            var candidates = identities.filter(\.isPassphrase)
            if candidates.isEmpty, let passphrase { candidates = [.passphrase(try passphrase())] }
            guard !candidates.isEmpty else {
                throw ArchiveError(
                    .noIdentity,
                    "passphrase-encrypted (age scrypt) auth_export archive and no passphrase given "
                        + "(pass --passphrase-file FILE or set AUTHX_PASSPHRASE_FILE, or run on a terminal to be asked)",
                    location: .init(path: path))
            }
            for identity in candidates {
                do {
                    if case .fileKey(let key) = try identity.unwrap(scrypt, offset: scrypt.offset) { return key }
                } catch { throw failure(error) }
            }
            throw ArchiveError(
                .noIdentity, "wrong passphrase for this passphrase-encrypted (age scrypt) auth_export archive",
                location: .init(path: path))
        }
        let keys = identities.filter { !$0.isPassphrase }
        for stanza in stanzas {
            for identity in keys {
                do {
                    if case .fileKey(let key) = try identity.unwrap(stanza, offset: stanza.offset) { return key }
                } catch { throw failure(error) }
            }
        }
        let x25519 = stanzas.filter { $0.type == "X25519" }.count
        let others = Set(stanzas.map(\.type)).subtracting(["X25519"]).sorted()
        var recipients = "\(stanzas.count) recipient\(stanzas.count == 1 ? "" : "s")"
        if !others.isEmpty {
            recipients += " (\(x25519) X25519; other types authx cannot read: \(others.joined(separator: ", ")))"
        }
        let given = keys.isEmpty
            ? "no identity given (pass --identity KEYFILE, an age identity file with an AGE-SECRET-KEY-1… line)"
            : "none of the \(keys.count) identit\(keys.count == 1 ? "y" : "ies") given matches (wrong key? pass "
                + "--identity KEYFILE with the key of one of its recipients)"
        throw ArchiveError(
            .noIdentity, "age-encrypted auth_export archive for \(recipients): \(given)", location: .init(path: path))
    }
}
