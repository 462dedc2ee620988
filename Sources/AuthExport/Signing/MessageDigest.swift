#if canImport(Glibc)
import Glibc
#endif
import Crypto

/// The running hash of a message being signed or checked: SHA-512 (what authx signs with) or SHA-256.
struct MessageDigest {
    private enum State {
        case sha512(SHA512)
        case sha256(SHA256)
    }

    private var state: State

    init(_ algorithm: SSHSignature.HashAlgorithm) {
        switch algorithm {
        case .sha512: state = .sha512(SHA512())
        case .sha256: state = .sha256(SHA256())
        }
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        switch state {
        case .sha512(var hash):
            hash.update(bufferPointer: bytes)
            state = .sha512(hash)
        case .sha256(var hash):
            hash.update(bufferPointer: bytes)
            state = .sha256(hash)
        }
    }

    func finalize() -> [UInt8] {
        switch state {
        case .sha512(let hash): Array(hash.finalize())
        case .sha256(let hash): Array(hash.finalize())
        }
    }

    /// The hash of a whole file, read once in 1 MiB blocks.
    static func ofFile(_ path: String, _ algorithm: SSHSignature.HashAlgorithm) throws(SignatureError) -> [UInt8] {
        let fd = try SmallFile.open(path)
        defer { close(fd) }
        var digest = MessageDigest(algorithm)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = try SmallFile.read(fd, into: &buffer, path: path)
            if count == 0 { break }
            buffer.withUnsafeBytes { digest.update(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
        }
        return digest.finalize()
    }
}
