/// The plaintext of an age-encrypted stream (standard input, a pipe), decrypted chunk by chunk in order. The end of
/// the stream must come right after a chunk marked final.
final class EncryptedStreamInput: SequentialInput {
    private let raw: StreamInput
    private let path: String
    private let payload: AgePayload
    private let payloadStart: Int64
    private var index: Int64 = 0
    private var plain: [UInt8] = []
    private var position = 0
    private var finished = false
    private var sealed = [UInt8](repeating: 0, count: AgePayload.sealedChunkSize)
    /// The error of the chunk just released: a full chunk that authenticates, but with the wrong final flag for where
    /// it sits (the stream ends after a chunk not marked final, or goes on after one marked final). As age does, its
    /// authenticated plaintext is released and the error comes with the next read (C2SP/CCTV `stream_no_final_*`,
    /// `stream_trailing_garbage_*`); every reader reads to the end of the file, so it always comes.
    private var pendingError: ArchiveError?

    init(raw: StreamInput, path: String, decryption: ArchiveDecryption?) throws {
        self.raw = raw
        self.path = path
        var consumed: [UInt8] = []
        let header = try AgeStreamGeometry.readHeader(path: path) { offset, count in
            // The stream only moves forward: serve the bytes already taken, then read on.
            while consumed.count < Int(offset) + count {
                var more = [UInt8](repeating: 0, count: Int(offset) + count - consumed.count)
                let got = try more.withUnsafeMutableBytes { try raw.read(into: $0) }
                consumed += more[..<got]
                if got < more.count { break }
            }
            return Array(consumed[min(consumed.count, Int(offset))..<min(consumed.count, Int(offset) + count)])
        }
        raw.pushBack(Array(consumed[header.length...]))
        let fileKey = try (decryption ?? ArchiveDecryption()).fileKey(for: header, path: path)
        var nonce = [UInt8](repeating: 0, count: AgePayload.nonceSize)
        let got = try nonce.withUnsafeMutableBytes { try raw.read(into: $0) }
        guard got == AgePayload.nonceSize else {
            throw ArchiveError(
                .truncated, "age stream ends before its payload (truncated)",
                location: .init(path: path, byteOffset: Int64(header.length + got)))
        }
        payload = AgePayload(fileKey: fileKey, nonce: nonce)
        payloadStart = Int64(header.length + AgePayload.nonceSize)
    }

    private func nextChunk() throws {
        if let pendingError { throw pendingError }
        let offset = payloadStart + index * Int64(AgePayload.sealedChunkSize)
        let got = try sealed.withUnsafeMutableBytes { try raw.read(into: $0) }
        var last = got < sealed.count
        if !last {
            var byte: UInt8 = 0
            let more = try withUnsafeMutableBytes(of: &byte) { try raw.read(into: $0) }
            if more == 0 { last = true } else { raw.pushBack([byte]) }
        }
        if got < 16 || (got == 16 && index > 0) {
            throw ArchiveError(
                .truncated,
                got == 0 ? "age stream ends without a final chunk (truncated)" : "age stream ends inside chunk \(index) (truncated)",
                location: .init(path: path, byteOffset: offset + Int64(got)))
        }
        do {
            plain = try sealed.withUnsafeBytes { buffer in
                try AgeStreamGeometry.open(
                    payload, UnsafeRawBufferPointer(rebasing: buffer[0..<got]), index: index, last: last, fileOffset: offset,
                    path: path)
            }
            finished = last
        } catch let error as ArchiveError {
            let other = got == sealed.count
                ? sealed.withUnsafeBytes { payload.open(UnsafeRawBufferPointer(rebasing: $0[0..<got]), index: index, last: !last) }
                : nil
            guard let other else { throw error }
            plain = other
            pendingError = error
            finished = false
        }
        position = 0
        index += 1
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var filled = 0
        while filled < buffer.count {
            if position == plain.count {
                if finished { break }
                try nextChunk()
                continue
            }
            let n = min(buffer.count - filled, plain.count - position)
            plain.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(rebasing: buffer[filled..<(filled + n)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[position..<(position + n)]))
            }
            filled += n
            position += n
        }
        return filled
    }
}

@available(*, unavailable)
extension EncryptedStreamInput: Sendable {}
