import Foundation

// The parts of a comparison (``RecordComparator``) that carry rows: each side is read on its own thread into cell
// digests (`ComparedSide`), and the rows one side has and the other has not yet are kept by key digest
// (`PendingRows`) until their match comes.

/// How a side digests the rows of one table, decided when its table record is read.
struct DigestPlan: Sendable {
    /// The table is not compared: its rows are only read.
    var skip = false
    /// The logical form each column's cells are digested in.
    var forms: [CellDigester.LogicalForm] = []
    /// The columns whose cells are kept with each row, to name it in messages (the primary key); none for a
    /// table whose rows are named by number.
    var keyColumns: [Int] = []
    /// Integer columns whose highest value is wanted (identity/serial columns of a restored table).
    var sequenceColumns: [Int] = []

    static let skipped = DigestPlan(skip: true)
}

/// Rows of one table as their digests: `width` cell digests per row, row after row, and each row's key cells.
struct DigestBatch {
    var width: Int
    var rows = 0
    var digests: [UInt64] = []
    var keyBytes: [UInt8] = []
    /// `keyEnds[r]` is where row r's key cells end in `keyBytes`.
    var keyEnds: [Int] = []

    init(width: Int, capacity: Int = 0) {
        self.width = width
        digests.reserveCapacity(width * capacity)
        keyEnds.reserveCapacity(capacity)
    }

    /// The key cells of row `row`.
    func key(_ row: Int) -> ArraySlice<UInt8> { keyBytes[(row == 0 ? 0 : keyEnds[row - 1])..<keyEnds[row]] }

    /// About how many bytes the batch holds.
    var bytes: Int { digests.count * 8 + keyBytes.count + keyEnds.count * 8 + 64 }
}

/// The cell sink of a side: digests each cell (``CellDigester``), keeps the key cells as they are, and the highest
/// value of the sequence columns.
struct DigestSink: RowCellSink {
    var cells = CellDigester()
    var width = 0
    /// For each column, its position among the key columns, or -1.
    var keyPosition: [Int] = []
    /// The current row's key cells (`RecordComparator.appendKeyCell`), by key position.
    var keyCells: [[UInt8]] = []
    var sequenceColumns: [Int] = []
    var maxima: [Int64?] = []

    mutating func begin(_ schema: TableSchema, plan: DigestPlan) {
        width = schema.columns.count
        cells.reset(schema.columns, forms: plan.forms)
        keyPosition = Array(repeating: -1, count: width)
        for (position, column) in plan.keyColumns.enumerated() { keyPosition[column] = position }
        keyCells = Array(repeating: [], count: plan.keyColumns.count)
        sequenceColumns = plan.sequenceColumns
        maxima = Array(repeating: nil, count: sequenceColumns.count)
    }

    mutating func cell(_ view: CellView, column: Int) {
        cells.take(view, column: column)
        let position = keyPosition[column]
        if position >= 0 {
            keyCells[position].removeAll(keepingCapacity: true)
            RecordComparator.appendKeyCell(view, to: &keyCells[position])
        }
    }

    /// Adds the row read to `batch` and readies for the next.
    mutating func endRow(into batch: inout DigestBatch) {
        for column in 0..<width { batch.digests.append(cells.columnDigest(column)) }
        for position in keyCells.indices { batch.keyBytes.append(contentsOf: keyCells[position]) }
        batch.keyEnds.append(batch.keyBytes.count)
        batch.rows += 1
        for (index, column) in sequenceColumns.enumerated() where !cells.isNull[column] {
            if let value = RecordComparator.integer(cells.cells[column]) { maxima[index] = max(maxima[index] ?? value, value) }
        }
        cells.clear()
    }
}

/// One side of a comparison, read on its own thread: its records in order, each table's rows as digests
/// (``DigestBatch``), through a queue bounded in bytes. A table is digested by the plan `localPlan` gives, or, when
/// there is none, by the one the comparator sends with ``send(_:)`` after it saw the table record.
final class ComparedSide: @unchecked Sendable {
    enum Event {
        case header(ArchiveHeader)
        case table(TableSchema)
        case rows(DigestBatch)
        /// The table ended; the highest value of each sequence column of its plan.
        case tableEnd(maxima: [Int64?])
        case end
        case failed(any Error)
    }

    /// Rows per batch.
    static let batchRows = 4096
    private let events = BoundedBatchQueue<Event>(maxBytes: 8 << 20)
    private let plans = BoundedBatchQueue<DigestPlan>(maxBytes: 1)
    private let ended = DispatchSemaphore(value: 0)

    /// The reader, released by the thread when it ends.
    private final class ReaderBox: @unchecked Sendable {
        var reader: ArchiveReader?
        init(_ reader: ArchiveReader) { self.reader = reader }
    }

    /// Starts reading `reader` on a thread of its own.
    init(
        _ reader: ArchiveReader, isCancelled: (@Sendable () -> Bool)?,
        localPlan: (@Sendable (TableSchema) -> DigestPlan)?
    ) {
        let box = ReaderBox(reader)
        let events = self.events
        let plans = self.plans
        let ended = self.ended
        let thread = Thread {
            do {
                try Self.run(box, events: events, plans: plans, isCancelled: isCancelled, localPlan: localPlan)
            } catch {
                _ = events.push(.failed(error), bytes: 0)
            }
            box.reader = nil
            ended.signal()
        }
        thread.stackSize = 4 << 20
        thread.start()
    }

    /// The next event; waits for it.
    ///
    /// - Throws: the side's error (an invalid archive, a read error), in the order of its records.
    func next() throws -> Event {
        guard let event = events.pop() else { throw ArchiveError(.io, "comparison cancelled") }
        if case .failed(let error) = event { throw error }
        return event
    }

    /// Sends the plan for the table just returned by ``next()`` (a side without `localPlan`).
    func send(_ plan: DigestPlan) { _ = plans.push(plan, bytes: 1) }

    /// Stops the thread (if still reading) and waits for it to end. Call once.
    func stop() {
        events.cancel()
        plans.cancel()
        ended.wait()
    }

    private static func run(
        _ box: ReaderBox, events: BoundedBatchQueue<Event>, plans: BoundedBatchQueue<DigestPlan>,
        isCancelled: (@Sendable () -> Bool)?, localPlan: (@Sendable (TableSchema) -> DigestPlan)?
    ) throws {
        guard let reader = box.reader else { return }
        var sink = DigestSink()
        var digesting = false
        var batch = DigestBatch(width: 0)
        func push(_ event: Event, _ bytes: Int) -> Bool { events.push(event, bytes: bytes) }
        while true {
            guard let record = digesting ? try reader.next(rowsInto: &sink) : try reader.next() else { return }
            switch record {
            case .header(let header):
                guard push(.header(header), 256) else { return }
            case .table(let schema):
                guard push(.table(schema), 1024) else { return }
                guard let plan = localPlan?(schema) ?? plans.pop() else { return }
                digesting = !plan.skip
                if digesting { sink.begin(schema, plan: plan) }
                batch = DigestBatch(width: schema.columns.count, capacity: batchRows)
            case .row:
                guard digesting else { continue }
                sink.endRow(into: &batch)
                if batch.rows == batchRows {
                    if isCancelled?() == true { throw ArchiveError(.io, "comparison cancelled") }
                    guard push(.rows(batch), batch.bytes) else { return }
                    batch = DigestBatch(width: batch.width, capacity: batchRows)
                }
            case .tableEnd:
                if digesting && batch.rows > 0 {
                    guard push(.rows(batch), batch.bytes) else { return }
                }
                guard push(.tableEnd(maxima: digesting ? sink.maxima : []), 0) else { return }
                digesting = false
            case .end:
                _ = push(.end, 0)
                return
            default:
                continue
            }
        }
    }
}

/// The rows of one side of a table not matched yet, findable by key digest: per row its cell digests (8 bytes a
/// column), its row number, its key cells and the links of the lookup. Slots of matched rows are reused; rows
/// with equal keys are matched first in, first out.
struct PendingRows {
    let width: Int
    private(set) var digests: [UInt64] = []
    private(set) var rowNumbers: [Int64] = []
    private var keyStarts: [Int] = []
    private var keyEnds: [Int] = []
    private var keyBytes: [UInt8] = []
    /// The next slot with the same key, or -1.
    private var nextSlot: [Int32] = []
    private var live: [Bool] = []
    private var free: [Int32] = []
    private var index: [KeyChecker.Digest: (head: Int32, tail: Int32)] = [:]
    /// Rows held.
    private(set) var count = 0
    private var deadKeyBytes = 0

    init(width: Int) { self.width = width }

    /// Adds a row: its digests are `source[base..<base + width]`; `key` nil leaves it out of the lookup (see
    /// ``reindex(_:)``).
    mutating func add(key: KeyChecker.Digest?, _ source: [UInt64], at base: Int, row: Int64, keyCells: ArraySlice<UInt8>) {
        let slot: Int
        if let reused = free.popLast() {
            slot = Int(reused)
            for column in 0..<width { digests[slot * width + column] = source[base + column] }
            rowNumbers[slot] = row
            keyStarts[slot] = keyBytes.count
            keyBytes.append(contentsOf: keyCells)
            keyEnds[slot] = keyBytes.count
            nextSlot[slot] = -1
            live[slot] = true
        } else {
            slot = rowNumbers.count
            digests.append(contentsOf: source[base..<(base + width)])
            rowNumbers.append(row)
            keyStarts.append(keyBytes.count)
            keyBytes.append(contentsOf: keyCells)
            keyEnds.append(keyBytes.count)
            nextSlot.append(-1)
            live.append(true)
        }
        count += 1
        if let key { link(Int32(slot), key) }
    }

    private mutating func link(_ slot: Int32, _ key: KeyChecker.Digest) {
        if let chain = index[key] {
            nextSlot[Int(chain.tail)] = slot
            index[key] = (chain.head, slot)
        } else {
            index[key] = (slot, slot)
        }
    }

    /// Takes the first row added with `key` out of the lookup; its slot stays readable until ``release(_:)``.
    mutating func take(_ key: KeyChecker.Digest) -> Int? {
        guard let chain = index[key] else { return nil }
        let next = nextSlot[Int(chain.head)]
        if next < 0 { index[key] = nil } else { index[key] = (next, chain.tail) }
        return Int(chain.head)
    }

    /// Frees a slot taken with ``take(_:)``.
    mutating func release(_ slot: Int) {
        live[slot] = false
        free.append(Int32(slot))
        count -= 1
        deadKeyBytes += keyEnds[slot] - keyStarts[slot]
        if deadKeyBytes > 1 << 20 && deadKeyBytes * 2 > keyBytes.count { compactKeys() }
    }

    private mutating func compactKeys() {
        var compacted: [UInt8] = []
        compacted.reserveCapacity(keyBytes.count - deadKeyBytes)
        for slot in live.indices where live[slot] {
            let start = compacted.count
            compacted.append(contentsOf: keyBytes[keyStarts[slot]..<keyEnds[slot]])
            keyStarts[slot] = start
            keyEnds[slot] = compacted.count
        }
        keyBytes = compacted
        deadKeyBytes = 0
    }

    /// Puts every row held into the lookup under the digest of its cells at `columns` (rows added without a key,
    /// before the columns that match them were known).
    mutating func reindex(_ columns: [Int]) {
        index = [:]
        index.reserveCapacity(count)
        for slot in rowNumbers.indices where live[slot] {
            nextSlot[slot] = -1
            link(Int32(slot), RecordComparator.combine(columns, at: slot * width, in: digests))
        }
    }

    /// The key cells of a slot.
    func keyCells(_ slot: Int) -> ArraySlice<UInt8> { keyBytes[keyStarts[slot]..<keyEnds[slot]] }

    /// The slots held, in row order, at most `limit`.
    func firstSlots(_ limit: Int) -> [Int] {
        guard limit > 0 else { return [] }
        var slots: [Int] = []
        for slot in live.indices where live[slot] {
            if slots.count == limit {
                guard rowNumbers[slot] < rowNumbers[slots[limit - 1]] else { continue }
                slots.removeLast()
            }
            let position = slots.firstIndex { rowNumbers[$0] > rowNumbers[slot] } ?? slots.count
            slots.insert(slot, at: position)
        }
        return slots
    }
}
