internal import CSQLite
internal import Foundation

/// Values a row loop can read: the current row of a statement, or a row copied into a ``RowBatch``.
protocol RowSource {
    /// The storage class of column `i` (`StorageClass`).
    func storageClass(_ i: Int32) -> Int32
    func integer(_ i: Int32) -> Int64
    func real(_ i: Int32) -> Double
    /// The bytes of a TEXT value (storage class TEXT only).
    func text(_ i: Int32) -> UnsafeRawBufferPointer
    /// The bytes of a BLOB value (storage class BLOB only).
    func blob(_ i: Int32) -> UnsafeRawBufferPointer
}

extension RowSource {
    /// A borrowed view of column `i`'s value.
    @inline(__always)
    func ref(_ i: Int32) -> StoredValueRef {
        switch storageClass(i) {
        case StorageClass.integer: return .integer(integer(i))
        case StorageClass.real: return .real(real(i))
        case StorageClass.text: return .text(text(i))
        case StorageClass.blob: return .blob(blob(i))
        default: return .null
        }
    }
}

extension ExportCursor: RowSource {}

/// Rows copied out of SQLite: storage classes, numbers, and the bytes of texts and blobs.
///
/// A struct, moved between the threads under the reader's lock (a class would pay a dynamic exclusivity check on
/// every append).
struct RowBatch {
    let columns: Int
    var rows = 0
    /// rows × columns storage classes.
    var classes: [Int32] = []
    /// rows × columns: the integer, the double's bits, or the offset of the bytes in `bytes`.
    var values: [Int64] = []
    /// rows × columns: byte lengths of texts and blobs.
    var lengths: [Int32] = []
    var bytes: [UInt8] = []

    init(columns: Int, capacityRows: Int) {
        self.columns = columns
        classes.reserveCapacity(columns * capacityRows)
        values.reserveCapacity(columns * capacityRows)
        lengths.reserveCapacity(columns * capacityRows)
        bytes.reserveCapacity(256 << 10)
    }

    mutating func reset() {
        rows = 0
        classes.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        lengths.removeAll(keepingCapacity: true)
        if bytes.capacity > 8 << 20 { bytes = [] } else { bytes.removeAll(keepingCapacity: true) }
    }

    /// Copies the statement's current row.
    @inline(__always)
    mutating func append(_ stmt: OpaquePointer) {
        for i in 0..<Int32(columns) {
            let type = sqlite3_column_type(stmt, i)
            classes.append(type)
            switch type {
            case SQLITE_INTEGER:
                values.append(sqlite3_column_int64(stmt, i))
                lengths.append(0)
            case SQLITE_FLOAT:
                values.append(Int64(bitPattern: sqlite3_column_double(stmt, i).bitPattern))
                lengths.append(0)
            case SQLITE_TEXT, SQLITE_BLOB:
                let pointer: UnsafeRawPointer? =
                    type == SQLITE_TEXT
                    ? sqlite3_column_text(stmt, i).map { UnsafeRawPointer($0) } : sqlite3_column_blob(stmt, i)
                let count = Int(sqlite3_column_bytes(stmt, i))
                values.append(Int64(bytes.count))
                lengths.append(Int32(count))
                if count > 0, let pointer {
                    bytes.append(contentsOf: UnsafeRawBufferPointer(start: pointer, count: count))
                }
            default:
                values.append(0)
                lengths.append(0)
            }
        }
        rows += 1
    }

    /// Calls `body` with a view of the batch valid during the call.
    func withView<R>(_ body: (BatchView) throws -> R) rethrows -> R {
        try classes.withUnsafeBufferPointer { classes in
            try values.withUnsafeBufferPointer { values in
                try lengths.withUnsafeBufferPointer { lengths in
                    try bytes.withUnsafeBytes { bytes in
                        try body(
                            BatchView(
                                columns: columns, classes: classes, values: values, lengths: lengths, bytes: bytes))
                    }
                }
            }
        }
    }
}

/// A borrowed view of a ``RowBatch``.
struct BatchView {
    let columns: Int
    let classes: UnsafeBufferPointer<Int32>
    let values: UnsafeBufferPointer<Int64>
    let lengths: UnsafeBufferPointer<Int32>
    let bytes: UnsafeRawBufferPointer

    /// Row `r` of the batch.
    @inline(__always)
    func row(_ r: Int) -> BatchRow { BatchRow(view: self, base: r * columns) }
}

/// One row of a ``BatchView``.
struct BatchRow: RowSource {
    let view: BatchView
    let base: Int

    @inline(__always) func storageClass(_ i: Int32) -> Int32 { view.classes[base + Int(i)] }
    @inline(__always) func integer(_ i: Int32) -> Int64 { view.values[base + Int(i)] }
    @inline(__always) func real(_ i: Int32) -> Double {
        Double(bitPattern: UInt64(bitPattern: view.values[base + Int(i)]))
    }
    @inline(__always) func text(_ i: Int32) -> UnsafeRawBufferPointer { bytes(i) }
    @inline(__always) func blob(_ i: Int32) -> UnsafeRawBufferPointer { bytes(i) }

    @inline(__always)
    private func bytes(_ i: Int32) -> UnsafeRawBufferPointer {
        let count = Int(view.lengths[base + Int(i)])
        guard count > 0, let base = view.bytes.baseAddress else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + Int(view.values[self.base + Int(i)]), count: count)
    }
}

/// Steps a statement on its own thread and hands the rows over in batches, so reading SQLite (page reads,
/// record decoding) runs in parallel with encoding the archive.
///
/// Memory is bounded: a few batches circulate.
///
/// The connection must not be used by anyone else until ``finish()`` returns.
final class RowReader: @unchecked Sendable {
    private let statement: SQLiteStatement
    private let stmt: OpaquePointer
    private let condition = NSCondition()
    private var free: [RowBatch] = []
    private var ready: [RowBatch] = []
    private var done = false
    private var failure: SQLiteError?
    private var stopping = false
    private var running = false
    private let batchRows: Int
    private let batchBytes = 512 << 10
    private let columns: Int
    /// Batches added by ``lendBatch()`` and not yet given back: recycled ones are dropped until none is left, so
    /// the pool returns to its size.
    private var lent = 0

    init(statement: SQLiteStatement, columns: Int, batchRows: Int = 256, batches: Int = 4) {
        self.statement = statement
        self.stmt = statement.stmt
        self.batchRows = batchRows
        self.columns = columns
        for _ in 0..<batches { free.append(RowBatch(columns: columns, capacityRows: batchRows)) }
    }

    /// Starts the reading thread.
    func start() {
        running = true
        let thread = Thread { [self] in self.run() }
        thread.stackSize = 1 << 20
        thread.start()
    }

    private func run() {
        while true {
            condition.lock()
            while free.isEmpty && !stopping { condition.wait() }
            if stopping {
                running = false
                condition.broadcast()
                condition.unlock()
                return
            }
            var batch = free.removeLast()
            condition.unlock()
            batch.reset()
            var finished = false
            var error: SQLiteError?
            while batch.rows < batchRows && batch.bytes.count < batchBytes {
                do {
                    guard try statement.step() else {
                        finished = true
                        break
                    }
                } catch let e {
                    error = e
                    break
                }
                batch.append(stmt)
            }
            condition.lock()
            if batch.rows > 0 { ready.append(batch) } else { free.append(batch) }
            if finished || error != nil {
                done = true
                failure = error
                running = false
            }
            condition.broadcast()
            condition.unlock()
            if finished || error != nil { return }
        }
    }

    /// The next batch, nil at the end.
    ///
    /// Give it back with ``recycle(_:)``.
    func next() throws(SQLiteError) -> RowBatch? {
        condition.lock()
        defer { condition.unlock() }
        while ready.isEmpty && !done { condition.wait() }
        if !ready.isEmpty { return ready.removeFirst() }
        if let failure { throw failure }
        return nil
    }

    /// Adds a batch to the pool in place of one the caller keeps for a while (a sample written later), so the
    /// reading thread goes on. As many recycled batches are then dropped.
    func lendBatch() {
        let batch = RowBatch(columns: columns, capacityRows: batchRows)
        condition.lock()
        lent += 1
        free.append(batch)
        condition.broadcast()
        condition.unlock()
    }

    /// Returns a batch for reuse.
    func recycle(_ batch: RowBatch) {
        condition.lock()
        defer { condition.unlock() }
        if lent > 0 {
            lent -= 1
            return
        }
        free.append(batch)
        condition.broadcast()
    }

    /// Stops the thread (if still reading) and waits for it; the statement is then free to use or finalize.
    func finish() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while running { condition.wait() }
        condition.unlock()
    }
}
