import Foundation

/// A first-in, first-out queue of batches between one producing and one consuming thread, bounded in bytes.
///
/// The restores read an archive on one thread and write to the database on another; this queue is what
/// they hand batches over with, so that memory stays bounded whatever the archive. The producer waits while
/// the queued batches hold `maxBytes` (a batch always fits an empty queue); the consumer waits while the queue
/// is empty. Either side may cancel: the producer's next ``push(_:bytes:)`` then returns false and the
/// consumer's ``pop()`` returns nil.
///
/// Spent batches can travel back with ``recycle(_:)`` and ``takeRecycled()``, so that their memory is freed
/// (or reused) on the thread that allocated it: freeing across threads contends on the allocator's arenas.
package final class BoundedBatchQueue<Batch>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [(batch: Batch, bytes: Int)] = []
    private var queuedBytes = 0
    private var isCancelled = false
    private var recycled: [Batch] = []
    private let maxBytes: Int

    /// A queue whose batches may hold `maxBytes` in all (as the producer counts them).
    package init(maxBytes: Int) { self.maxBytes = maxBytes }

    /// Adds a batch of about `bytes` bytes, waiting while the queue is full.
    ///
    /// - Returns: false once the queue was cancelled (the batch is dropped).
    package func push(_ batch: Batch, bytes: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !items.isEmpty && queuedBytes + bytes > maxBytes && !isCancelled { condition.wait() }
        guard !isCancelled else { return false }
        items.append((batch, bytes))
        queuedBytes += bytes
        condition.broadcast()
        return true
    }

    /// Takes the oldest batch, waiting while the queue is empty.
    ///
    /// - Returns: nil once the queue was cancelled.
    package func pop() -> Batch? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !isCancelled { condition.wait() }
        guard !isCancelled else { return nil }
        // removeFirst (not an advancing index): a taken batch must not stay referenced here. The queue holds a
        // few dozen batches at most, so moving the rest down costs nothing.
        let item = items.removeFirst()
        queuedBytes -= item.bytes
        condition.broadcast()
        return item.batch
    }

    /// Hands a spent batch back to the producer (see ``takeRecycled()``).
    package func recycle(_ batch: Batch) {
        condition.lock()
        recycled.append(batch)
        condition.unlock()
    }

    /// The spent batches handed back since the last call, for the producer to free or reuse.
    package func takeRecycled() -> [Batch] {
        condition.lock()
        defer { condition.unlock() }
        let spent = recycled
        recycled = []
        return spent
    }

    /// Stops both sides for good and drops what is queued.
    package func cancel() {
        condition.lock()
        isCancelled = true
        items.removeAll()
        queuedBytes = 0
        recycled.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}
