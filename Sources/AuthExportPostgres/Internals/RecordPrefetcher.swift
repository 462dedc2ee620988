import AuthExport
internal import Foundation

/// Reads an archive on its own thread while the restore encodes and sends rows on the calling one (`--jobs`),
/// or on the calling thread, where rows can go straight into a sink (``next(rowsInto:)``) without values.
///
/// Threaded, inflating, checksumming, parsing and validating run side by side with COPY encoding and the
/// server's work. Records travel in batches through a queue bounded in bytes, so memory stays bounded whatever
/// the archive. A reader error is delivered in order, after the records before it.
final class RecordPrefetcher {
    enum Batch {
        case records([ArchiveRecord], bytesRead: Int64)
        case failure(any Error)
        case finished
    }

    /// Memory the queued batches may hold (row values, approximately).
    static let queueBytes = 8 << 20
    static let batchRecords = 512
    static let batchBytes = 1 << 20

    private let queue: BoundedBatchQueue<Batch>
    private var current: [ArchiveRecord] = []
    private var index = 0
    private var isDone = false
    /// Archive bytes read by the time the current batch was complete.
    private(set) var bytesRead: Int64 = 0

    /// Starts reading on a new thread; `reader` must not be used by anyone else afterwards. `materialize` is
    /// asked, on the reading thread, whether a table's rows are needed (others are validated but not decoded).
    /// When not threaded: the reader, read on the caller's thread.
    private let inline: ArchiveReader?
    private let materialize: @Sendable (TableSchema) -> Bool

    init(reader: ArchiveReader, threaded: Bool = true, materialize: @escaping @Sendable (TableSchema) -> Bool) {
        let queue = BoundedBatchQueue<Batch>(maxBytes: Self.queueBytes)
        self.queue = queue
        self.materialize = materialize
        guard threaded else {
            inline = reader
            return
        }
        inline = nil
        let box = ReaderBox(reader)
        let thread = Thread { Self.produce(box.reader, materialize: materialize, into: queue) }
        thread.stackSize = 4 << 20
        thread.start()
    }

    deinit { queue.cancel() }

    /// Stops the reading thread (it exits at its next batch).
    func cancel() { queue.cancel() }

    /// The next record, or nil after the end record.
    func next() throws -> ArchiveRecord? {
        if let reader = inline {
            let record = try reader.next()
            readInline(record, from: reader)
            return record
        }
        while index >= current.count {
            guard !isDone else { return nil }
            if !current.isEmpty {
                // Hand the spent batch back: its strings are freed on the reading thread, which allocated them
                // (freeing across threads contends on the allocator's arenas).
                queue.recycle(.records(current, bytesRead: 0))
                current = []
            }
            switch queue.pop() ?? .failure(CancellationError()) {
            case .records(let records, let bytes):
                current = records
                index = 0
                bytesRead = bytes
            case .failure(let error):
                isDone = true
                throw error
            case .finished:
                isDone = true
                return nil
            }
        }
        let record = current[index]
        index += 1
        return record
    }

    /// Whether rows can be read straight into a sink (``next(rowsInto:)``): only when reading on the caller's thread.
    var readsRowsIntoSinks: Bool { inline != nil }

    /// The next record like ``next()``, but a row's cells go straight to `sink` as the reader validates them (the
    /// record returned is then `.row([])`). Only when ``readsRowsIntoSinks``.
    func next<Sink: RowCellSink>(rowsInto sink: inout Sink) throws -> ArchiveRecord? {
        guard let reader = inline else { preconditionFailure("rows go into sinks only when reading inline") }
        let record = try reader.next(rowsInto: &sink)
        readInline(record, from: reader)
        return record
    }

    /// After a record read on the caller's thread: whether the next table's rows are decoded, and the position.
    private func readInline(_ record: ArchiveRecord?, from reader: ArchiveReader) {
        switch record {
        case .table(let table): reader.materializeRows = materialize(table)
        case .tableEnd: reader.materializeRows = true
        default: break
        }
        bytesRead = reader.bytesRead
    }

    /// The row the last ``next(rowsInto:)`` read, decoded again as values.
    func lastRowValues() throws -> [Value] {
        guard let reader = inline else { preconditionFailure("rows go into sinks only when reading inline") }
        return try reader.lastRowValues()
    }

    /// The approximate memory of a row's values.
    static func size(_ row: [Value]) -> Int {
        // The array, each enum cell, and each heap string or array with its header.
        var total = 32 + 24 * row.count
        for value in row {
            switch value {
            case .text(let s), .json(let s): total += s.utf8.count > 15 ? 48 + s.utf8.count : 0
            case .bytes(let b), .invalidText(let b): total += 48 + b.count
            default: break
            }
        }
        return total
    }

    private static func produce(
        _ reader: ArchiveReader, materialize: @Sendable (TableSchema) -> Bool, into queue: BoundedBatchQueue<Batch>
    ) {
        var records: [ArchiveRecord] = []
        records.reserveCapacity(batchRecords)
        var bytes = 0
        while true {
            let record: ArchiveRecord?
            do {
                record = try reader.next()
            } catch {
                if !records.isEmpty { guard queue.push(.records(records, bytesRead: reader.bytesRead), bytes: bytes) else { return } }
                _ = queue.push(.failure(error), bytes: 0)
                return
            }
            guard let record else {
                if !records.isEmpty { guard queue.push(.records(records, bytesRead: reader.bytesRead), bytes: bytes) else { return } }
                _ = queue.push(.finished, bytes: 0)
                return
            }
            switch record {
            case .table(let table): reader.materializeRows = materialize(table)
            case .tableEnd: reader.materializeRows = true
            case .row(let row): bytes += size(row)
            default: break
            }
            records.append(record)
            if records.count >= batchRecords || bytes >= batchBytes {
                _ = queue.takeRecycled()  // freed here, on the thread that allocated them
                guard queue.push(.records(records, bytesRead: reader.bytesRead), bytes: bytes) else { return }
                records = []
                records.reserveCapacity(batchRecords)
                bytes = 0
            }
        }
    }
}

@available(*, unavailable)
extension RecordPrefetcher: Sendable {}

/// Hands the reader to the producer thread, which becomes its only user.
private final class ReaderBox: @unchecked Sendable {
    let reader: ArchiveReader
    init(_ reader: ArchiveReader) { self.reader = reader }
}
