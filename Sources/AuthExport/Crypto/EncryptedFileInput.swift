import Foundation

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

    private enum ChunkState {
        case queued
        case decrypting
        case ready([UInt8])
        case failed(any Error)
    }
    /// Guards the chunk table and the queue; signalled when a chunk is decrypted.
    private let condition = NSCondition()
    /// The chunks decrypted, being decrypted or queued: those ahead of the reads (``willRead(from:)``), and the
    /// few most recently read (the listing visits a handful of places). Everything else is dropped as reads move on.
    private var chunks: [Int64: ChunkState] = [:]
    /// Chunks queued for ``runPendingWork()``, in file order, from `queueHead` on (entries no longer queued are skipped).
    private var queue: [Int64] = []
    private var queueHead = 0
    /// The chunks most recently read, most recent last.
    private var recent: [Int64] = []
    /// How many chunks ahead of a read ``willRead(from:)`` queues: 2 MiB of plaintext, a few members.
    static let readAheadChunks: Int64 = 32
    /// Chunks decrypted by ``runPendingWork()`` (other threads) rather than by a read (for tests).
    private(set) var chunksDecryptedAhead = 0

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

    /// Reads and opens chunk `index` (any thread; no lock held).
    private func decrypt(_ index: Int64) throws -> [UInt8] {
        let last = index == chunkCount - 1
        let count = last ? lastSealedSize : AgePayload.sealedChunkSize
        let offset = payloadStart + index * Int64(AgePayload.sealedChunkSize)
        var sealed = [UInt8](repeating: 0, count: count)
        let got = try sealed.withUnsafeMutableBytes { try file.read(into: $0, at: offset) }
        guard got == count else {
            throw ArchiveError(.truncated, "age file shrank while being read", location: .init(path: path, byteOffset: offset + Int64(got)))
        }
        return try sealed.withUnsafeBytes { buffer in
            try AgeStreamGeometry.open(payload, buffer, index: index, last: last, fileOffset: offset, path: path)
        }
    }

    /// The plaintext of chunk `index`: decrypted by a worker already, or waited for while one decrypts it, or
    /// decrypted here. Its failure is thrown only here, when the chunk is read (in file order).
    private func chunk(_ index: Int64) throws -> [UInt8] {
        condition.lock()
        defer { condition.unlock() }
        if let at = recent.firstIndex(of: index) { recent.remove(at: at) }
        recent.append(index)
        if recent.count > 4 { recent.removeFirst() }
        while true {
            switch chunks[index] {
            case .ready(let plain): return plain
            case .failed(let error): throw error
            case .decrypting: condition.wait()
            case .queued, nil:
                chunks[index] = .decrypting
                condition.unlock()
                let result = Result { try decrypt(index) }
                condition.lock()
                store(result, index)
            }
        }
    }

    /// Records a decryption's result (lock held) and wakes whoever waits for it.
    private func store(_ result: Result<[UInt8], any Error>, _ index: Int64) {
        switch result {
        case .success(let plain): chunks[index] = .ready(plain)
        case .failure(let error): chunks[index] = .failed(error)
        }
        condition.broadcast()
    }

    /// Drops the chunks that are neither among the 4 most recently read nor within the read-ahead window that
    /// starts at chunk `first` (lock held). Chunks being decrypted stay until stored.
    private func evict(outside first: Int64) {
        let end = first + Self.readAheadChunks
        let dropped = chunks.compactMap { index, state -> Int64? in
            if case .decrypting = state { return nil }
            return (index < first || index >= end) && !recent.contains(index) ? index : nil
        }
        for index in dropped { chunks[index] = nil }
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
        condition.lock()
        evict(outside: offset / Int64(AgePayload.chunkSize))
        condition.unlock()
        return filled
    }

    // MARK: Decryption on other threads

    /// Queues the chunks from the one holding `offset` through ``readAheadChunks`` ahead (those not yet decrypted,
    /// queued or being decrypted), so the reader's worker threads decrypt them (``runPendingWork()``) while the
    /// reading thread does the rest.
    @discardableResult
    func willRead(from offset: Int64) -> Bool {
        let first = max(0, offset / Int64(AgePayload.chunkSize))
        let end = min(chunkCount, first + Self.readAheadChunks)
        guard first < end else { return false }
        condition.lock()
        defer { condition.unlock() }
        var queued = false
        for index in first..<end where chunks[index] == nil {
            chunks[index] = .queued
            queue.append(index)
            queued = true
        }
        return queued
    }

    var hasPendingWork: Bool {
        condition.lock()
        defer { condition.unlock() }
        return nextQueued(take: false) != nil
    }

    /// Decrypts the next queued chunk, on the calling thread (a worker's).
    func runPendingWork() -> Bool {
        condition.lock()
        guard let index = nextQueued(take: true) else {
            condition.unlock()
            return false
        }
        chunks[index] = .decrypting
        condition.unlock()
        let result = Result { try decrypt(index) }
        condition.lock()
        store(result, index)
        chunksDecryptedAhead += 1
        condition.unlock()
        return true
    }

    /// The first chunk in the queue still queued (lock held); with `take`, removed from the queue.
    private func nextQueued(take: Bool) -> Int64? {
        while queueHead < queue.count {
            let index = queue[queueHead]
            if case .queued = chunks[index] {
                if take { queueHead += 1 }
                compactQueue()
                return index
            }
            queueHead += 1
        }
        compactQueue()
        return nil
    }

    private func compactQueue() {
        if queueHead >= 1024 || queueHead == queue.count {
            queue.removeFirst(queueHead)
            queueHead = 0
        }
    }
}

// Thread-safe: the chunk table is guarded by `condition`; the file is read with pread.
extension EncryptedFileInput: @unchecked Sendable {}
