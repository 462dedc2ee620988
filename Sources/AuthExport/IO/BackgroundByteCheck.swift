#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Runs a byte check on a thread of its own, so that its hashing is not done on the reader's calling thread (the
/// one that reads members in order and makes every ordered check: the reader's critical path).
///
/// ``update(_:)`` copies the bytes and hands them over (at most ``maxQueuedBytes`` wait; beyond that it blocks
/// until the thread catches up); ``finish()`` waits until the thread has seen every byte, then judges. The check
/// sees the same bytes in the same order as on the reader's thread. When the wrapper goes away (its reader is
/// done, however it ended), its thread stops before the deinitializer returns, so nothing touches the check
/// afterwards.
///
/// ```swift
/// options.byteCheck = BackgroundByteCheck(try DetachedSignature.StreamCheck(signature: sig, policy: policy,
///                                                                           principal: nil, file: path))
/// ```
public final class BackgroundByteCheck: ArchiveByteCheck, @unchecked Sendable {
    // @unchecked: the reader calls update() and finish() from one thread at a time; the queue is guarded by its
    // condition, and the check is touched only by the thread (update) and, once it is idle, by finish().
    private final class Queue: @unchecked Sendable {
        let condition = NSCondition()
        var blocks: [[UInt8]] = []
        var queuedBytes = 0
        var busy = false
        var closed = false
        var running = true
    }

    /// The most bytes handed over and not yet checked (8 MiB).
    public static let maxQueuedBytes = 8 << 20

    private let check: any ArchiveByteCheck
    private let queue = Queue()

    /// Runs `check` on a new thread.
    public init(_ check: any ArchiveByteCheck) {
        self.check = check
        let queue = self.queue
        let thread = Thread { Self.work(queue, check) }
        thread.start()
    }

    deinit {
        queue.condition.lock()
        queue.closed = true
        queue.condition.broadcast()
        while queue.running { queue.condition.wait() }
        queue.condition.unlock()
    }

    private static func work(_ queue: Queue, _ check: any ArchiveByteCheck) {
        FileIO.blockTerminationSignalsOnThisThread()
        queue.condition.lock()
        defer {
            queue.running = false
            queue.condition.broadcast()
            queue.condition.unlock()
        }
        while true {
            while queue.blocks.isEmpty && !queue.closed { queue.condition.wait() }
            if queue.closed { return }
            let block = queue.blocks.removeFirst()
            queue.busy = true
            queue.condition.unlock()
            block.withUnsafeBytes { check.update($0) }
            queue.condition.lock()
            queue.busy = false
            queue.queuedBytes -= block.count
            queue.condition.broadcast()
        }
    }

    /// Hands the next bytes of the file over to the thread.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        let block = [UInt8](bytes)
        queue.condition.lock()
        defer { queue.condition.unlock() }
        while queue.queuedBytes >= Self.maxQueuedBytes && !queue.blocks.isEmpty { queue.condition.wait() }
        queue.blocks.append(block)
        queue.queuedBytes += block.count
        queue.condition.broadcast()
    }

    /// Waits until the thread has seen every byte, then judges them with the check's own `finish()`.
    ///
    /// - Throws: what the check throws.
    public func finish() throws {
        queue.condition.lock()
        while !queue.blocks.isEmpty || queue.busy { queue.condition.wait() }
        queue.condition.unlock()
        try check.finish()
    }
}
