#if canImport(Glibc)
import Glibc
#endif

/// A client of a running ssh-agent (OpenSSH PROTOCOL.agent): lists its keys and asks it to sign.
///
/// Used when the signing key is passphrase-protected or hardware-backed: the agent holds it and signs, the key
/// never reaches authx. The socket is `SSH_AUTH_SOCK`, as for ssh, git and `ssh-keygen -Y sign`.
struct SSHAgentClient {
    let socketPath: String
    /// How long to wait for the agent to accept a message and to answer it.
    let timeoutSeconds: Int

    private static let requestIdentities: UInt8 = 11
    private static let identitiesAnswer: UInt8 = 12
    private static let signRequest: UInt8 = 13
    private static let signResponse: UInt8 = 14
    private static let failure: UInt8 = 5
    /// `SSH_AGENT_RSA_SHA2_512`: sign RSA with rsa-sha2-512, not SHA-1.
    private static let rsaSHA512Flag: UInt32 = 4
    private static let maxMessage = 256 << 10
    /// The default wait for an answer: long enough for a user to confirm a key added with `ssh-add -c`.
    static let defaultTimeoutSeconds = 120
    /// The environment variable that sets another wait, in whole seconds (1...3600).
    static let timeoutVariable = "AUTHX_SSH_AGENT_TIMEOUT"

    /// The agent of `SSH_AUTH_SOCK`, waited for as long as `AUTHX_SSH_AGENT_TIMEOUT` says (else 120 s).
    ///
    /// - Throws: ``SignatureError`` `.agent` when `SSH_AUTH_SOCK` is not set, or `AUTHX_SSH_AGENT_TIMEOUT` is not a
    ///   whole number of seconds from 1 to 3600.
    static func fromEnvironment(for key: SSHPublicKey) throws(SignatureError) -> SSHAgentClient {
        guard let path = getenv("SSH_AUTH_SOCK").map({ String(cString: $0) }), !path.isEmpty else {
            throw SignatureError(.agent, "signing with the key \(key) needs the ssh-agent holding it, but SSH_AUTH_SOCK is not set (start ssh-agent and ssh-add the key, or pass an unencrypted private key)")
        }
        var timeout = defaultTimeoutSeconds
        if let text = getenv(timeoutVariable).map({ String(cString: $0) }), !text.isEmpty {
            guard let seconds = Int(text), (1...3600).contains(seconds) else {
                throw SignatureError(.agent, "\(timeoutVariable) must be a whole number of seconds from 1 to 3600, not '\(text)'")
            }
            timeout = seconds
        }
        return SSHAgentClient(socketPath: path, timeoutSeconds: timeout)
    }

    /// Asks the agent to sign `data` with `key`; returns the signature blob.
    ///
    /// - Throws: ``SignatureError`` `.agent` when the agent cannot be reached, does not hold the key, or refuses.
    func sign(_ data: [UInt8], with key: SSHPublicKey) throws(SignatureError) -> [UInt8] {
        var request = SSHWireWriter()
        request.byte(Self.signRequest)
        request.string(key.blob)
        request.string(data)
        request.uint32(key.algorithm == .rsa ? Self.rsaSHA512Flag : 0)
        let reply = try exchange(request.bytes)
        if reply.first == Self.failure {
            let held = (try? identities()) ?? []
            if !held.contains(key.blob) {
                throw SignatureError(.agent, "ssh-agent (\(socketPath)) does not hold the key \(key); add it with `ssh-add KEY`")
            }
            throw SignatureError(.agent, "ssh-agent refused to sign with the key \(key) (confirmation denied, or the key's constraints)")
        }
        guard reply.first == Self.signResponse else {
            throw SignatureError(.agent, "ssh-agent answered a sign request with message type \(reply.first ?? 0)")
        }
        var reader = SSHWireReader(Array(reply.dropFirst()), what: "ssh-agent sign response")
        do { return try reader.string("signature") } catch { throw SignatureError(.agent, error.message) }
    }

    /// The public key blobs the agent holds.
    func identities() throws(SignatureError) -> [[UInt8]] {
        let reply = try exchange([Self.requestIdentities])
        guard reply.first == Self.identitiesAnswer else {
            throw SignatureError(.agent, "ssh-agent did not list its keys (message type \(reply.first ?? 0))")
        }
        var reader = SSHWireReader(Array(reply.dropFirst()), what: "ssh-agent identities answer")
        do {
            let count = try reader.uint32("key count")
            var keys: [[UInt8]] = []
            for _ in 0..<min(count, 4096) {
                keys.append(try reader.string("key"))
                _ = try reader.string("comment")
            }
            return keys
        } catch {
            throw SignatureError(.agent, error.message)
        }
    }

    /// Sends one message and reads one reply (each framed by a uint32 length), on a fresh connection.
    private func exchange(_ message: [UInt8]) throws(SignatureError) -> [UInt8] {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw failure("cannot create a socket") }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(socketPath.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw SignatureError(.agent, "SSH_AUTH_SOCK is too long for a socket path")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (i, byte) in pathBytes.enumerated() { buffer[i] = byte }
        }
        // A stopped or busy agent must not hang authx: every send and receive (and connect) waits at most the
        // timeout; read and write then fail with EAGAIN, reported as "did not answer within N s".
        var timeout = timeval(tv_sec: time_t(timeoutSeconds), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINPROGRESS { throw timedOut() }
            throw failure("cannot connect to ssh-agent at \(socketPath) (SSH_AUTH_SOCK)")
        }
        var framed = SSHWireWriter()
        framed.string(message)
        let written = framed.bytes.withUnsafeBytes { buffer in
            Result { () throws(ArchiveError) in try FileIO.writeAll(fd, buffer, path: socketPath) }
        }
        if case .failure(let error) = written {
            if Self.isTimeout(error) { throw timedOut() }
            throw SignatureError(.agent, "cannot write to ssh-agent: \(error.message)")
        }
        let header = try read(fd, count: 4)
        let length = Int(header[0]) << 24 | Int(header[1]) << 16 | Int(header[2]) << 8 | Int(header[3])
        guard length > 0, length <= Self.maxMessage else {
            throw SignatureError(.agent, "ssh-agent sent a message of \(length) bytes")
        }
        return try read(fd, count: length)
    }

    private func read(_ fd: Int32, count: Int) throws(SignatureError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let result = bytes.withUnsafeMutableBytes { buffer in
            Result { () throws(ArchiveError) in try FileIO.readFully(fd, into: buffer, path: socketPath) }
        }
        let got: Int
        switch result {
        case .success(let count): got = count
        case .failure(let error):
            if Self.isTimeout(error) { throw timedOut() }
            throw SignatureError(.agent, "cannot read from ssh-agent: \(error.message)")
        }
        guard got == count else { throw SignatureError(.agent, "ssh-agent closed the connection mid-message") }
        return bytes
    }

    private static func isTimeout(_ error: ArchiveError) -> Bool {
        guard let code = (error.underlying as? SystemErrno)?.code else { return false }
        return code == EAGAIN || code == EWOULDBLOCK
    }

    private func timedOut() -> SignatureError {
        SignatureError(.agent, "ssh-agent at \(socketPath) (SSH_AUTH_SOCK) did not answer within \(timeoutSeconds) s (is it stopped, or waiting for a confirmation? \(Self.timeoutVariable) sets the wait)")
    }

    private func failure(_ what: String) -> SignatureError {
        SignatureError(.agent, "\(what): \(FileIO.errnoMessage())")
    }
}
