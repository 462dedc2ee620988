import AuthExport
internal import Foundation

/// Reads an archive on a second thread while the restore writes to SQLite on the calling one.
///
/// Reading (gzip inflation, checksums, JSON parsing and validation, converting each value to its stored
/// representation) runs side by side with SQLite's inserts, so the writing thread does nothing but bind and step.
/// Records are handed over in batches through a queue bounded in bytes (``queueBytes``), so memory stays bounded
/// whatever the archive. Each record keeps the reader's location, so errors name the same line and byte offset as
/// a plain reader would. A reader error is delivered in order, after the records before it.
final class PrefetchingRecordSource: RestoreInputSource {
    /// Records, or a run of rows, with where they were read.
    struct Item {
        enum Input {
            case record(ArchiveRecord)
            /// `count` consecutive rows of one gzip member, each `cellsPerRow` cells of the batch from `firstCell`
            /// on; row `k` is on line `line + k`.
            case rows(firstCell: Int, cellsPerRow: Int, count: Int)
        }
        var input: Input
        /// The line of the record, or of the first row.
        var line: Int64?
        var byteOffset: Int64?
        var bytesRead: Int64
    }

    /// What travels through the queue.
    enum Batch {
        /// Records and row runs, with the encoded rows they refer to.
        case records([Item], EncodedBatch)
        case failure(any Error)
        case finished
    }

    /// Memory the queued batches may use (as ``EncodedBatch/memoryBytes`` counts it: allocated capacity). The
    /// writing thread is the slower one (SQLite's inserts and index builds), so a short queue keeps it fed: when it
    /// comes back from building a table's indexes the reading thread, which waited meanwhile, refills the queue
    /// faster than it drains. A long one only held the rows read ahead in memory: 128 MiB (counted by length, up
    /// to twice that allocated) made the restore peak at 230–340 MB; with 8 MiB it stays under 70 MB at 200k
    /// Django users and 1M generated users, in the same time (see bench/RESULTS.md, 2026-12-04).
    static let queueBytes = 8 << 20
    /// Rows per batch at most.
    static let batchRows = 4096
    /// Bytes of cell data per batch at most.
    static let batchBytes = 4 << 20

    private let queue = BoundedBatchQueue<Batch>(maxBytes: queueBytes)
    private let path: String
    private var current: [Item] = []
    private var currentRows = EncodedBatch(cells: [], bytes: [])
    private var index = 0
    /// The next row of the current run.
    private var rowInRun = 0
    private var isDone = false
    private var line: Int64?
    private var byteOffset: Int64?

    /// Where the last input returned was read.
    var location: ArchiveError.Location { .init(path: path, line: line, byteOffset: byteOffset) }
    private(set) var bytesRead: Int64 = 0

    /// Starts reading `input` on a new thread.
    ///
    /// The input must not be used by anyone else afterwards.
    init(input: RestoreInputReader, path: String) {
        self.path = path
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
            case .records(let items, let rows):
                current = items
                currentRows = rows
                index = 0
                rowInRun = 0
            case .failure(let error):
                isDone = true
                throw error
            case .finished:
                isDone = true
                return nil
            }
        }
        let item = current[index]
        byteOffset = item.byteOffset
        bytesRead = item.bytesRead
        switch item.input {
        case .record(let record):
            index += 1
            line = item.line
            return .record(record)
        case .rows(let firstCell, let cellsPerRow, let count):
            let k = rowInRun
            rowInRun += 1
            if rowInRun == count {
                index += 1
                rowInRun = 0
            }
            line = item.line.map { $0 + Int64(k) }
            return .row(EncodedRow(batch: currentRows, start: firstCell + k * cellsPerRow, count: cellsPerRow))
        }
    }

    /// The producer loop, on its own thread.
    private static func produce(_ input: RestoreInputReader, into queue: BoundedBatchQueue<Batch>) {
        var items: [Item] = []
        var rows = 0
        _ = input.takeBatch(reservingCells: 0)
        /// Hands the items read so far and their rows to the writing thread; false once cancelled.
        func push() -> Bool {
            let batch = input.takeBatch(reservingCells: input.openCells)
            let bytes = items.count * MemoryLayout<Item>.stride + batch.memoryBytes
            guard queue.push(.records(items, batch), bytes: bytes) else { return false }
            items = []
            rows = 0
            return true
        }
        while true {
            let next: RestoreInputReader.Input?
            do {
                next = try input.read()
            } catch {
                if !items.isEmpty { guard push() else { return } }
                _ = queue.push(.failure(error), bytes: 0)
                return
            }
            guard let next else {
                if !items.isEmpty { guard push() else { return } }
                _ = queue.push(.finished, bytes: 0)
                return
            }
            let location = input.location
            switch next {
            case .record(let record):
                items.append(
                    Item(
                        input: .record(record), line: location.line, byteOffset: location.byteOffset,
                        bytesRead: input.bytesRead))
            case .encodedRow(let start, let count):
                rows += 1
                // The row continues the last run when it is the next line of the same member with as many cells.
                if let last = items.last, case .rows(let first, let perRow, let runLength) = last.input,
                    perRow == count, first + runLength * perRow == start, last.byteOffset == location.byteOffset,
                    let runLine = last.line, location.line == runLine + Int64(runLength)
                {
                    items[items.count - 1].input = .rows(firstCell: first, cellsPerRow: perRow, count: runLength + 1)
                } else {
                    items.append(
                        Item(
                            input: .rows(firstCell: start, cellsPerRow: count, count: 1), line: location.line,
                            byteOffset: location.byteOffset, bytesRead: input.bytesRead))
                }
            }
            if rows >= batchRows || items.count >= batchRows || input.openBytes >= batchBytes {
                guard push() else { return }
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
