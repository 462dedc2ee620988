import AuthExport
internal import Foundation

/// Reads an archive on a second thread while the restore writes to SQLite on the calling one.
///
/// Reading (gzip inflation, checksums, JSON parsing and validation, converting each value to its stored
/// representation) runs side by side with SQLite's inserts, so the writing thread does nothing but bind and step. Records are handed over in batches through a
/// queue bounded in bytes (``queueBytes``), so memory stays bounded whatever the archive. Each record keeps the reader's location, so errors name the same line and byte
/// offset as a plain reader would. A reader error is delivered in order, after the records before it.
final class PrefetchingRecordSource: RestoreInputSource {
    /// One input with where it was read.
    struct Item {
        var input: RestoreInput
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

    /// Memory the queued batches may use: enough for the reading thread to keep going while the writing thread
    /// builds a table's indexes.
    static let queueBytes = 64 << 20
    /// Records per batch at most.
    static let batchRecords = 2048
    /// Bytes of cell data per batch at most.
    static let batchBytes = 4 << 20

    private let queue = BoundedBatchQueue<Batch>(maxBytes: queueBytes)
    private let path: String
    private var current: [Item] = []
    private var index = 0
    private var isDone = false

    private(set) var location: ArchiveError.Location
    private(set) var bytesRead: Int64 = 0

    /// Starts reading `input` on a new thread.
    ///
    /// The input must not be used by anyone else afterwards.
    init(input: RestoreInputReader, path: String) {
        self.path = path
        self.location = .init(path: path)
        let queue = self.queue
        let box = ReaderBox(input)
        Thread.detachNewThread {
            Self.produce(box.reader, into: queue)
        }
    }

    deinit { queue.cancel() }

    func next() throws -> RestoreInput? {
        while index >= current.count {
            guard !isDone else { return nil }
            switch queue.pop() ?? .failure(CancellationError()) {
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
        return item.input
    }

    /// The memory a batch holds, approximately: its items, cells and bytes.
    private static func size(_ items: [Item], _ input: RestoreInputReader) -> Int {
        items.count * MemoryLayout<Item>.stride + input.batch.cells.count * MemoryLayout<BoundCell>.stride
            + input.batch.bytes.count
    }

    /// The producer loop, on its own thread.
    private static func produce(_ input: RestoreInputReader, into queue: BoundedBatchQueue<Batch>) {
        var items: [Item] = []
        items.reserveCapacity(batchRecords)
        input.startBatch(capacity: batchRecords * 8)
        while true {
            let next: RestoreInput?
            do {
                next = try input.next()
            } catch {
                if !items.isEmpty { guard queue.push(.records(items), bytes: size(items, input)) else { return } }
                _ = queue.push(.failure(error), bytes: 0)
                return
            }
            guard let next else {
                if !items.isEmpty { guard queue.push(.records(items), bytes: size(items, input)) else { return } }
                _ = queue.push(.finished, bytes: 0)
                return
            }
            let location = input.location
            items.append(
                Item(input: next, line: location.line, byteOffset: location.byteOffset, bytesRead: input.bytesRead))
            if items.count >= batchRecords || input.batch.bytes.count >= batchBytes {
                guard queue.push(.records(items), bytes: size(items, input)) else { return }
                items = []
                items.reserveCapacity(batchRecords)
                input.startBatch(capacity: batchRecords * 8)
            }
        }
    }
}

@available(*, unavailable)
extension PrefetchingRecordSource: Sendable {}

/// Hands the input reader to the producer thread, which becomes its only user.
private final class ReaderBox: @unchecked Sendable {
    let reader: RestoreInputReader
    init(_ reader: RestoreInputReader) { self.reader = reader }
}
