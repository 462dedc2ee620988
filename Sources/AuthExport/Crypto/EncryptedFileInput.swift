/// The plaintext of an age-encrypted regular file, readable at any offset: each read decrypts (and authenticates)
/// only the 64 KiB chunks it touches, so reading the header, the end record and the index costs a few chunks
/// whatever the file size.
///
/// Opening reads the header, unwraps the file key, checks the header MAC, and decrypts the last chunk, which must be
/// marked final (the age spec's rule before trusting the file size): a file cut at a chunk boundary is refused at once.
final class EncryptedFileInput: RandomAccessInput {
    private let file: PlainFileInput
    private let path: String
    private let payload: AgePayload
    private let payloadStart: Int64
    private let chunkCount: Int64
    private let lastSealedSize: Int
    let size: Int64
    let encryption: String?
    /// A few recently decrypted chunks (the reader moves forward; the listing visits a handful of places).
    private var cache: [(index: Int64, plain: [UInt8])] = []

    var bytesRead: Int64 { file.bytesRead }

    init(file: PlainFileInput, path: String, decryption: ArchiveDecryption?) throws {
        self.file = file
        self.path = path
        let header = try AgeStreamGeometry.readHeader(path: path) { offset, count in
            var bytes = [UInt8](repeating: 0, count: count)
            let got = try bytes.withUnsafeMutableBytes { try file.read(into: $0, at: offset) }
            return Array(bytes[..<got])
        }
        encryption = AgeStreamGeometry.describe(header)
        let fileKey = try (decryption ?? ArchiveDecryption()).fileKey(for: header, path: path)
        var nonce = [UInt8](repeating: 0, count: AgePayload.nonceSize)
        let got = try nonce.withUnsafeMutableBytes { try file.read(into: $0, at: Int64(header.length)) }
        guard got == AgePayload.nonceSize else {
            throw ArchiveError(.truncated, "age file ends before its payload (truncated)", location: .init(path: path, byteOffset: file.size))
        }
        payload = AgePayload(fileKey: fileKey, nonce: nonce)
        payloadStart = Int64(header.length + AgePayload.nonceSize)
        let sealed = file.size - payloadStart
        let full = Int64(AgePayload.sealedChunkSize)
        chunkCount = max(1, (sealed + full - 1) / full)
        lastSealedSize = Int(sealed - (chunkCount - 1) * full)
        guard lastSealedSize >= 16, lastSealedSize > 16 || chunkCount == 1 else {
            throw ArchiveError(
                .truncated, "age payload ends inside a chunk (truncated file)", location: .init(path: path, byteOffset: file.size))
        }
        size = sealed - 16 * chunkCount
        _ = try chunk(chunkCount - 1)
    }

    func close() { file.close() }

    private func chunk(_ index: Int64) throws -> [UInt8] {
        if let hit = cache.first(where: { $0.index == index }) { return hit.plain }
        let last = index == chunkCount - 1
        let count = last ? lastSealedSize : AgePayload.sealedChunkSize
        let offset = payloadStart + index * Int64(AgePayload.sealedChunkSize)
        var sealed = [UInt8](repeating: 0, count: count)
        let got = try sealed.withUnsafeMutableBytes { try file.read(into: $0, at: offset) }
        guard got == count else {
            throw ArchiveError(.truncated, "age file shrank while being read", location: .init(path: path, byteOffset: offset + Int64(got)))
        }
        let plain = try sealed.withUnsafeBytes { buffer in
            try AgeStreamGeometry.open(payload, buffer, index: index, last: last, fileOffset: offset, path: path)
        }
        if cache.count >= 4 { cache.removeFirst() }
        cache.append((index, plain))
        return plain
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        var filled = 0
        var position = offset
        while filled < buffer.count && position < size {
            let index = position / Int64(AgePayload.chunkSize)
            let within = Int(position % Int64(AgePayload.chunkSize))
            let plain = try chunk(index)
            let n = min(buffer.count - filled, plain.count - within)
            guard n > 0 else { break }
            plain.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(rebasing: buffer[filled..<(filled + n)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[within..<(within + n)]))
            }
            filled += n
            position += Int64(n)
        }
        return filled
    }
}

@available(*, unavailable)
extension EncryptedFileInput: Sendable {}
