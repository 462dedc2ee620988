#if canImport(Glibc)
import Glibc
#endif
import Crypto

/// The running hash of a message being signed or checked: SHA-512 (what authx signs with) or SHA-256.
struct MessageDigest {
    // One of the two is set. Each is updated in place (optional chaining): binding the hash out of an enum case to
    // update it would hold a second reference to its context, which swift-crypto then copies on every update.
    private var sha512: SHA512?
    private var sha256: SHA256?

    init(_ algorithm: SSHSignature.HashAlgorithm) {
        switch algorithm {
        case .sha512: sha512 = SHA512()
        case .sha256: sha256 = SHA256()
        }
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        sha512?.update(bufferPointer: bytes)
        sha256?.update(bufferPointer: bytes)
    }

    func finalize() -> [UInt8] {
        if let sha512 { return Array(sha512.finalize()) }
        return sha256.map { Array($0.finalize()) } ?? []
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
