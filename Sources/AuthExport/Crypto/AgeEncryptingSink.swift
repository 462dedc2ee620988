import Crypto

/// Encrypts everything written through it as one age v1 file to the given recipients: the header first, then the
/// payload in 64 KiB chunks, the last one (written by ``finish()``) marked final.
///
/// Spec: C2SP age.md
final class AgeEncryptingSink: ByteSink {
    private let next: any ByteSink
    private let payload: AgePayload
    private var pending: [UInt8] = []
    private var sealed: [UInt8] = []
    private var index: Int64 = 0

    /// Writes the header and payload nonce to `next`.
    ///
    /// - Throws: `ArchiveError` `.invalidValue` for no recipient, or a passphrase with other recipients.
    init(recipients: [AgeRecipient], next: any ByteSink) throws {
        guard !recipients.isEmpty else { throw ArchiveError(.invalidValue, "encryption needs at least one recipient") }
        if recipients.contains(where: \.isPassphrase) && recipients.count > 1 {
            throw ArchiveError(.invalidValue, "a passphrase cannot be combined with other recipients (age's rule)")
        }
        self.next = next
        let fileKey = SymmetricKey(size: .bits128)
        var header = AgeHeader.encodeWithoutMAC(try recipients.map { try $0.wrap(fileKey) })
        let mac = AgeKeys.headerMAC(fileKey: fileKey, macInput: header)
        header += [UInt8(ascii: " ")] + Base64Raw.encode(mac) + [0x0A]
        var nonce = [UInt8](repeating: 0, count: AgePayload.nonceSize)
        AgeKeys.fillRandom(&nonce)
        payload = AgePayload(fileKey: fileKey, nonce: nonce)
        try (header + nonce).withUnsafeBytes { try next.write($0) }
        pending.reserveCapacity(AgePayload.chunkSize * 2)
        sealed.reserveCapacity(AgePayload.sealedChunkSize)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        pending.append(contentsOf: bytes)
        // A chunk goes out only once more bytes follow it: the final chunk must carry the flag.
        var start = 0
        while pending.count - start > AgePayload.chunkSize {
            try emit(start..<(start + AgePayload.chunkSize), last: false)
            start += AgePayload.chunkSize
        }
        if start > 0 { pending.removeFirst(start) }
    }

    func finish() throws {
        try emit(0..<pending.count, last: true)
        pending.removeAll()
        try next.finish()
    }

    private func emit(_ range: Range<Int>, last: Bool) throws {
        sealed.removeAll(keepingCapacity: true)
        pending.withUnsafeBytes { payload.seal(UnsafeRawBufferPointer(rebasing: $0[range]), index: index, last: last, into: &sealed) }
        index += 1
        try sealed.withUnsafeBytes { try next.write($0) }
    }
}

@available(*, unavailable)
extension AgeEncryptingSink: Sendable {}
