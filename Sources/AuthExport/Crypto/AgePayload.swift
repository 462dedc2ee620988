import Crypto

/// age's STREAM payload: 64 KiB chunks sealed with ChaCha20-Poly1305 under the payload key, with a nonce made of an
/// 11-byte big-endian chunk counter and a last-chunk flag. Chunks are independent, so any one can be decrypted alone.
///
/// Spec: C2SP age.md, "Payload"
struct AgePayload {
    /// Plaintext bytes per chunk.
    static let chunkSize = 64 * 1024
    /// Ciphertext bytes per full chunk (the chunk and its 16-byte tag).
    static let sealedChunkSize = chunkSize + 16
    /// The random nonce that starts the payload.
    static let nonceSize = 16

    let key: SymmetricKey

    /// The payload key for a file key and the payload's nonce.
    init(fileKey: SymmetricKey, nonce: [UInt8]) {
        key = AgeKeys.hkdf(fileKey, salt: nonce, info: "payload")
    }

    private static func nonce(_ index: Int64, last: Bool) -> ChaChaPoly.Nonce {
        var bytes = [UInt8](repeating: 0, count: 12)
        var counter = UInt64(index)
        for i in stride(from: 10, through: 3, by: -1) {
            bytes[i] = UInt8(truncatingIfNeeded: counter)
            counter >>= 8
        }
        bytes[11] = last ? 1 : 0
        // swift-format-ignore: NeverForceTry
        return try! ChaChaPoly.Nonce(data: bytes)  // 12 bytes is always a valid nonce
    }

    /// Seals one chunk; appends ciphertext and tag to `out`.
    func seal(_ plain: UnsafeRawBufferPointer, index: Int64, last: Bool, into out: inout [UInt8]) {
        // swift-format-ignore: NeverForceTry
        let box = try! ChaChaPoly.seal(plain, using: key, nonce: Self.nonce(index, last: last))  // cannot fail for 32-byte keys
        out.append(contentsOf: box.ciphertext)
        out.append(contentsOf: box.tag)
    }

    /// Opens one sealed chunk (ciphertext and tag); nil when it does not authenticate with this index and flag.
    func open(_ sealed: UnsafeRawBufferPointer, index: Int64, last: Bool) -> [UInt8]? {
        guard sealed.count >= 16,
            let box = try? ChaChaPoly.SealedBox(
                nonce: Self.nonce(index, last: last), ciphertext: sealed[0..<(sealed.count - 16)],
                tag: sealed[(sealed.count - 16)...]),
            let plain = try? ChaChaPoly.open(box, using: key)
        else { return nil }
        return Array(plain)
    }
}
