#if canImport(Glibc)
import Glibc
#endif
import Crypto
import Foundation

/// A SHA-256 over byte ranges handed over in order, computed on the calling thread or on a thread of its own.
///
/// The reader hashes every row line (each table's checksum) and every byte of the file (the file checksum): about
/// a tenth of what its calling thread does, the thread that makes every ordered check and is the restore's
/// critical path. In the background mode the ranges are hashed on a second thread while that thread goes on;
/// ``finish()`` waits for the ranges handed over so far and returns their digest. The bytes are not copied: the
/// arrays handed over are kept (shared, copy-on-write) until hashed, ranges of at most ``maxQueuedBytes`` in all
/// (or one larger range), so memory stays bounded whatever the members' sizes. The owner calls ``close()``,
/// which stops the thread (it holds the stream until then).
///
/// ```swift
/// let digest = DigestStream(background: true)
/// digest.update(member, 0..<member.count)
/// let hex = digest.finish()  // then starts over
/// ```
final class DigestStream: @unchecked Sendable {
    // @unchecked: one caller thread at a time calls update() and finish(); the queue and the hash state are
    // guarded by the condition (the worker hashes with the lock released, on a state only it touches until done).
    private let condition = NSCondition()
    private var queue: [([UInt8], Range<Int>)] = []
    private var queuedBytes = 0
    private var hashing = false
    private var hash = SHA256()
    private var closed = false
    private var running = false
    private let background: Bool

    /// The most bytes handed over and not yet hashed (unless a single range is larger); beyond, ``update(_:_:)``
    /// waits. Hashing is some ten times faster than reading the rows, so the queue is short in practice.
    static let maxQueuedBytes = 8 << 20

    /// A digest computed on a thread of its own when `background`, else on the caller's.
    init(background: Bool) {
        self.background = background
        guard background else { return }
        running = true
        let thread = Thread { [self] in work() }
        thread.start()
    }

    /// Stops the thread (if any) and waits until it has exited.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        while running { condition.wait() }
        condition.unlock()
    }

    deinit { close() }

    private func work() {
        FileIO.blockTerminationSignalsOnThisThread()
        condition.lock()
        defer {
            running = false
            condition.broadcast()
            condition.unlock()
        }
        while true {
            while queue.isEmpty && !closed { condition.wait() }
            if closed { return }
            let (bytes, range) = queue.removeFirst()
            hashing = true
            var state = hash
            condition.unlock()
            bytes.withUnsafeBytes { state.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[range])) }
            condition.lock()
            hash = state
            hashing = false
            queuedBytes -= range.count
            condition.broadcast()
        }
    }

    /// Adds `bytes[range]` to the digest (kept, not copied, until hashed).
    func update(_ bytes: [UInt8], _ range: Range<Int>) {
        guard !range.isEmpty else { return }
        guard background else {
            bytes.withUnsafeBytes { hash.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[range])) }
            return
        }
        condition.lock()
        defer { condition.unlock() }
        while !queue.isEmpty && queuedBytes + range.count > Self.maxQueuedBytes && !closed { condition.wait() }
        queue.append((bytes, range))
        queuedBytes += range.count
        condition.broadcast()
    }

    /// The hex SHA-256 of everything handed over since the start (or the last `finish()`), which starts over.
    func finish() -> String {
        condition.lock()
        while (!queue.isEmpty || hashing) && running { condition.wait() }
        let digest = hex(hash.finalize())
        hash = SHA256()
        condition.unlock()
        return digest
    }
}
