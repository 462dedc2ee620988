import AuthExport
internal import Foundation

/// Reads an archive on a second thread while the restore writes to SQLite on the calling one.
///
/// Reading (gzip inflation, checksums, JSON parsing and validation) and inserting cost about the same, so running
/// them side by side nearly halves a restore's wall time on two cores. Records are handed over in batches through a
/// small bounded queue, so memory stays bounded (at most ``depth`` batches of at most ``batchRecords`` records or
/// about ``batchBytes`` bytes). Each record keeps the reader's location, so errors name the same line and byte
/// offset as a plain reader would. A reader error is delivered in order, after the records before it.
final class PrefetchingRecordSource: RestoreRecordSource {
    /// One record with where it was read.
    struct Item {
        var record: ArchiveRecord
        var line: Int64?
        var byteOffset: Int64?
        var bytesRead: Int64
    }

    /// What travels through the queue.
    enum Batch {
        case records([Item])
        case failure(any Error)
        case finished
    }

    /// Batches in flight at most.
    static let depth = 4
    /// Records per batch at most.
    static let batchRecords = 512
    /// Approximate bytes of cell data per batch at most.
    static let batchBytes = 4 << 20

    private let queue = BatchQueue(capacity: depth)
    private let path: String
    private var current: [Item] = []
    private var index = 0
    private var isDone = false

    private(set) var location: ArchiveError.Location
    private(set) var bytesRead: Int64 = 0

    /// Starts reading `reader` on a new thread. The reader must not be used by anyone else afterwards.
    init(reader: ArchiveReader, path: String) {
        self.path = path
        self.location = .init(path: path)
        let queue = self.queue
        let box = ReaderBox(reader)
        Thread.detachNewThread {
            Self.produce(box.reader, into: queue)
        }
    }

    deinit { queue.cancel() }

    func next() throws -> ArchiveRecord? {
        while index >= current.count {
            guard !isDone else { return nil }
            switch queue.pop() {
            case .records(let items):
                current = items
                index = 0
            case .failure(let error):
                isDone = true
                throw error
            case .finished:
                isDone = true
                return nil
            }
        }
        let item = current[index]
        index += 1
        location = .init(path: path, line: item.line, byteOffset: item.byteOffset)
        bytesRead = item.bytesRead
        return item.record
    }

    /// The producer loop, on its own thread.
    private static func produce(_ reader: ArchiveReader, into queue: BatchQueue) {
        var batch: [Item] = []
        var bytes = 0
        batch.reserveCapacity(batchRecords)
        while true {
            let record: ArchiveRecord?
            do {
                record = try reader.next()
            } catch {
                if !batch.isEmpty { guard queue.push(.records(batch)) else { return } }
                _ = queue.push(.failure(error))
                return
            }
            guard let record else {
                if !batch.isEmpty { guard queue.push(.records(batch)) else { return } }
                _ = queue.push(.finished)
                return
            }
            let location = reader.location
            batch.append(Item(record: record, line: location.line, byteOffset: location.byteOffset, bytesRead: reader.bytesRead))
            if case .row(let values) = record {
                for value in values {
                    switch value {
                    case .text(let s), .json(let s): bytes += s.utf8.count
                    case .bytes(let b), .invalidText(let b): bytes += b.count
                    default: bytes += 8
                    }
                }
            }
            if batch.count >= batchRecords || bytes >= batchBytes {
                guard queue.push(.records(batch)) else { return }
                batch = []
                batch.reserveCapacity(batchRecords)
                bytes = 0
            }
        }
    }
}

@available(*, unavailable)
extension PrefetchingRecordSource: Sendable {}

/// Hands the reader to the producer thread, which becomes its only user.
private final class ReaderBox: @unchecked Sendable {
    let reader: ArchiveReader
    init(_ reader: ArchiveReader) { self.reader = reader }
}

/// A bounded FIFO of batches between one producer and one consumer thread.
private final class BatchQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [PrefetchingRecordSource.Batch] = []
    private var isCancelled = false
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// Adds a batch, waiting while the queue is full; false when the consumer has gone away.
    func push(_ batch: PrefetchingRecordSource.Batch) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !isCancelled { condition.wait() }
        guard !isCancelled else { return false }
        items.append(batch)
        condition.broadcast()
        return true
    }

    /// Takes the oldest batch, waiting while the queue is empty.
    func pop() -> PrefetchingRecordSource.Batch {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty { condition.wait() }
        let batch = items.removeFirst()  // at most `capacity` items: cheap
        condition.broadcast()
        return batch
    }

    /// Stops the producer: its next push returns false.
    func cancel() {
        condition.lock()
        isCancelled = true
        items.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}
