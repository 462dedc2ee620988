/// A key to sign archives with: an unencrypted OpenSSH private key, or a key held by ssh-agent.
///
/// ``init(path:)`` takes what `ssh-keygen -Y sign -f` takes: a private key file (`id_ed25519`), or a public key file
/// (`id_ed25519.pub`) whose private half the running ssh-agent holds. A passphrase-protected private key file is
/// signed with through the agent too (its public half is readable without the passphrase).
///
/// ```swift
/// let key = try SigningKey(path: "~/.ssh/id_ed25519.pub")   // the agent signs
/// let signature = try DetachedSignature.sign(file: "app.authx.gz", with: key)
/// ```
public struct SigningKey: Sendable {
    enum Signer: Sendable {
        case privateKey(SSHPrivateKey)
        case agent(SSHAgentClient)
    }

    /// The public half.
    public let publicKey: SSHPublicKey
    let signer: Signer

    /// Whether ssh-agent does the signing.
    public var usesAgent: Bool {
        if case .agent = signer { return true }
        return false
    }

    /// An unencrypted private key.
    public init(_ privateKey: SSHPrivateKey) {
        publicKey = privateKey.publicKey
        signer = .privateKey(privateKey)
    }

    /// Loads a private or public key file; for a key the agent must use, checks now that the agent holds it.
    ///
    /// - Throws: ``SignatureError`` `.badKey` when the file is neither an OpenSSH private key nor a public key
    ///   (or of an unsupported type), `.agent` when the agent is needed but unreachable or lacks the key, `.io`
    ///   when the file cannot be read.
    public init(path: String) throws(SignatureError) {
        let bytes: [UInt8]
        do { bytes = try SmallFile.read(path, limit: 1 << 20) } catch {
            throw error.code == .missing ? SignatureError(.io, error.message, path: path) : error
        }
        let text = String(decoding: bytes, as: UTF8.self)
        do {
            if SSHPrivateKeyFile.isPrivateKey(text) {
                switch try SSHPrivateKeyFile.parse(text) {
                case .unencrypted(let key):
                    self.init(key)
                    return
                case .encrypted(let publicKey, _):
                    try self.init(agentKey: publicKey, passphraseProtected: true)
                    return
                }
            }
            guard let line = text.split(whereSeparator: \.isNewline).first(where: { !$0.hasPrefix("#") && !$0.isEmpty }),
                let publicKey = try? SSHPublicKey(openSSH: String(line))
            else {
                if text.contains("PRIVATE KEY-----") { _ = try SSHPrivateKeyFile.parse(text) }  // its own message
                throw SignatureError(.badKey, "not an OpenSSH private key or public key file")
            }
            try self.init(agentKey: publicKey, passphraseProtected: false)
        } catch let error as SignatureError {
            throw error.at(path)
        } catch {
            throw SignatureError(.badKey, "\(error)", path: path)
        }
    }

    private init(agentKey publicKey: SSHPublicKey, passphraseProtected: Bool) throws(SignatureError) {
        let agent: SSHAgentClient
        do {
            agent = try SSHAgentClient.fromEnvironment(for: publicKey)
        } catch where passphraseProtected {
            throw SignatureError(.badKey, "the private key is passphrase-protected: authx signs with such a key through ssh-agent (`ssh-add KEY`, then pass KEY or KEY.pub with SSH_AUTH_SOCK set)")
        }
        guard try agent.identities().contains(publicKey.blob) else {
            throw SignatureError(.agent, "ssh-agent (SSH_AUTH_SOCK) does not hold the key \(publicKey); add it with `ssh-add` first")
        }
        self.publicKey = publicKey
        self.signer = .agent(agent)
    }

    /// Signs `data` (SSH signature blob).
    func sign(_ data: [UInt8]) throws(SignatureError) -> [UInt8] {
        switch signer {
        case .privateKey(let key): try key.sign(data)
        case .agent(let agent): try agent.sign(data, with: publicKey)
        }
    }
}
