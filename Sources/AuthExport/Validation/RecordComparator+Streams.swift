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
    /// Rows are carried as their line (its bytes and a 64-bit digest of them) with only the key and sequence
    /// columns digested: a row whose line is byte for byte the other side's is matched without its cells, the
    /// others are digested from their line when compared (``LineDigester``). Needs key columns.
    var lines = false

    static let skipped = DigestPlan(skip: true)

    /// The columns a side digests as it reads: every column, or with ``lines`` the key and sequence columns.
    func digested(width: Int) -> [Bool] {
        guard lines else { return Array(repeating: true, count: width) }
        var mask = Array(repeating: false, count: width)
        for column in keyColumns + sequenceColumns { mask[column] = true }
        return mask
    }
}

/// Rows of one table as their digests: `width` cell digests per row, row after row, and each row's key cells; with
/// a plan's ``DigestPlan/lines``, also each row's line and its digest (the cells not digested are 0).
struct DigestBatch {
    var width: Int
    var rows = 0
    var digests: [UInt64] = []
    var keyBytes: [UInt8] = []
    /// `keyEnds[r]` is where row r's key cells end in `keyBytes`.
    var keyEnds: [Int] = []
    /// Whether the rows carry their lines.
    var lines = false
    var lineDigests: [UInt64] = []
    var lineBytes: [UInt8] = []
    /// `lineEnds[r]` is where row r's line ends in `lineBytes`.
    var lineEnds: [Int] = []

    /// A batch for `capacity` rows; `lineBytes` reserves that much for their lines (the last batch's size: the
    /// array is not grown, and so copied, row after row).
    init(width: Int, capacity: Int = 0, lines: Bool = false, lineBytes: Int = 0) {
        self.width = width
        self.lines = lines
        digests.reserveCapacity(width * capacity)
        keyEnds.reserveCapacity(capacity)
        if lines {
            lineDigests.reserveCapacity(capacity)
            lineEnds.reserveCapacity(capacity)
            self.lineBytes.reserveCapacity(lineBytes)
        }
    }

    /// The key cells of row `row`.
    func key(_ row: Int) -> ArraySlice<UInt8> { keyBytes[(row == 0 ? 0 : keyEnds[row - 1])..<keyEnds[row]] }

    /// The line of row `row` (a batch with lines).
    func line(_ row: Int) -> ArraySlice<UInt8> { lineBytes[(row == 0 ? 0 : lineEnds[row - 1])..<lineEnds[row]] }

    /// Adds the line of the row just ended.
    mutating func appendLine(_ line: UnsafeRawBufferPointer) {
        lineDigests.append(DigestBatch.lineDigest(line))
        lineBytes.append(contentsOf: line)
        lineEnds.append(lineBytes.count)
    }

    /// A 64-bit digest of a row's line (SipHash under the per-process seed, as cells are digested).
    static func lineDigest(_ line: UnsafeRawBufferPointer) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(bytes: line)
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }

    /// About how many bytes the batch holds.
    var bytes: Int { digests.count * 8 + keyBytes.count + keyEnds.count * 8 + lineBytes.count + lineEnds.count * 16 + 64 }
}

/// The cell sink of a side: digests each cell (``CellDigester``), keeps the key cells as they are, and the highest
/// value of the sequence columns.
struct DigestSink: RowCellSink {
    var cells = CellDigester()
    var width = 0
    /// The columns digested (all, or with a plan's ``DigestPlan/lines`` the key and sequence columns).
    var digested: [Bool] = []
    /// For each column, its position among the key columns, or -1.
    var keyPosition: [Int] = []
    /// The current row's key cells (`RecordComparator.appendKeyCell`), by key position.
    var keyCells: [[UInt8]] = []
    var sequenceColumns: [Int] = []
    /// Whether each column is a sequence column (its cells are kept, for their highest value).
    var isSequence: [Bool] = []
    var maxima: [Int64?] = []
    /// The current row's cell digests.
    var digests: [UInt64] = []

    mutating func begin(_ schema: TableSchema, plan: DigestPlan) {
        width = schema.columns.count
        cells.reset(schema.columns, forms: plan.forms)
        digested = plan.digested(width: width)
        digests = Array(repeating: 0, count: width)
        isSequence = Array(repeating: false, count: width)
        for column in plan.sequenceColumns { isSequence[column] = true }
        keyPosition = Array(repeating: -1, count: width)
        for (position, column) in plan.keyColumns.enumerated() { keyPosition[column] = position }
        keyCells = Array(repeating: [], count: plan.keyColumns.count)
        sequenceColumns = plan.sequenceColumns
        maxima = Array(repeating: nil, count: sequenceColumns.count)
    }

    /// Digests every column from the next row on (a plan with lines that the comparator turned off).
    mutating func digestEveryColumn() { digested = Array(repeating: true, count: width) }

    mutating func cell(_ view: CellView, column: Int) {
        guard digested[column] else { return }
        digests[column] = cells.digest(view, column: column)
        if isSequence[column] { cells.take(view, column: column) }
        let position = keyPosition[column]
        if position >= 0 {
            keyCells[position].removeAll(keepingCapacity: true)
            RecordComparator.appendKeyCell(view, to: &keyCells[position])
        }
    }

    /// Adds the row read to `batch` and readies for the next.
    mutating func endRow(into batch: inout DigestBatch) {
        for column in 0..<width { batch.digests.append(digested[column] ? digests[column] : 0) }
        for position in keyCells.indices { batch.keyBytes.append(contentsOf: keyCells[position]) }
        batch.keyEnds.append(batch.keyBytes.count)
        batch.rows += 1
        for (index, column) in sequenceColumns.enumerated() where !cells.isNull[column] {
            if let value = RecordComparator.integer(cells.cells[column]) { maxima[index] = max(maxima[index] ?? value, value) }
        }
        cells.clear()
    }
}

/// One side of a comparison, on its own thread: its records in order, each table's rows as digests
/// (``DigestBatch``), through a queue bounded in bytes. The records come from an archive read on that thread, or
/// from a producer that writes them there into a record sink (``ComparedFeed``: an exporter reading a database).
/// A table is digested by the plan `localPlan` gives, or, when there is none, by the one the comparator sends with
/// ``send(_:)`` after it saw the table record.
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
    private let events: BoundedBatchQueue<Event>
    private let plans = BoundedBatchQueue<DigestPlan>(maxBytes: 1)
    private let ended = DispatchSemaphore(value: 0)
    private let linesOff = LinesOff()

    /// The table whose rows the side is to digest cell by cell from its next batch on, though its plan said lines
    /// (set by the comparing thread; read by the side's thread between batches).
    final class LinesOff: @unchecked Sendable {
        private let lock = NSLock()
        private var table: String?
        func set(_ name: String) { lock.withLock { table = name } }
        func isSet(_ name: String) -> Bool { lock.withLock { table == name } }
    }

    /// The reader, released by the thread when it ends.
    private final class ReaderBox: @unchecked Sendable {
        var reader: ArchiveReader?
        init(_ reader: ArchiveReader) { self.reader = reader }
    }

    /// Starts reading `reader` on a thread of its own.
    convenience init(
        _ reader: ArchiveReader, readAhead: Int = 8 << 20, isCancelled: (@Sendable () -> Bool)?,
        localPlan: (@Sendable (TableSchema) -> DigestPlan)?
    ) {
        let box = ReaderBox(reader)
        self.init(readAhead: readAhead) { events, plans, linesOff in
            defer { box.reader = nil }
            guard let reader = box.reader else { return }
            try Self.read(
                reader, into: SideDigest(events: events, linesOff: linesOff, isCancelled: isCancelled), plans: plans,
                localPlan: localPlan)
        }
    }

    /// Starts `producer` on a thread of its own; it writes the side's records into the sink it makes with the
    /// function it is given (for the archive header), and returns or throws when done. Its error, or its return
    /// before the records' end, is the side's failure, in the order of its records.
    convenience init(
        readAhead: Int = 8 << 20, isCancelled: (@Sendable () -> Bool)?,
        producer: @escaping @Sendable (_ makeSink: (ArchiveHeader) throws -> any ArchiveRecordSink) throws -> Void
    ) {
        self.init(readAhead: readAhead) { events, plans, linesOff in
            let feed = ComparedFeed(SideDigest(events: events, linesOff: linesOff, isCancelled: isCancelled), plans: plans)
            try producer { header in
                try feed.start(header)
                return feed
            }
            guard feed.isFinished else {
                throw ArchiveError(.io, "the records of the database ended before their end (\(feed.stoppedTable))")
            }
        }
    }

    private init(
        readAhead: Int,
        body: @escaping @Sendable (BoundedBatchQueue<Event>, BoundedBatchQueue<DigestPlan>, LinesOff) throws -> Void
    ) {
        events = BoundedBatchQueue<Event>(maxBytes: readAhead)
        let events = self.events
        let plans = self.plans
        let ended = self.ended
        let linesOff = self.linesOff
        let thread = Thread {
            do {
                try body(events, plans, linesOff)
            } catch {
                _ = events.push(.failed(error), bytes: 0)
            }
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

    /// Asks the side to digest every cell of the rest of table `name` rather than carry lines (batches already
    /// read still carry them).
    func stopLines(_ name: String) { linesOff.set(name) }

    /// Stops the thread (if still reading or producing: its next record fails) and waits for it to end. Call once.
    func stop() {
        events.cancel()
        plans.cancel()
        ended.wait()
    }

    private static func read(
        _ reader: ArchiveReader, into side: SideDigest, plans: BoundedBatchQueue<DigestPlan>,
        localPlan: (@Sendable (TableSchema) -> DigestPlan)?
    ) throws {
        var side = side
        while true {
            guard let record = side.digesting ? try reader.next(rowsInto: &side.sink) : try reader.next() else { return }
            switch record {
            case .header(let header):
                guard side.push(.header(header), 256) else { return }
            case .table(let schema):
                guard side.push(.table(schema), 1024) else { return }
                guard let plan = localPlan?(schema) ?? plans.pop() else { return }
                side.begin(schema, plan: plan)
                reader.viewedColumns = side.viewedColumns
            case .row:
                guard side.digesting else { continue }
                guard try reader.withLastRowLine({ try side.endRow(line: $0) }) else { return }
                reader.viewedColumns = side.viewedColumns
            case .tableEnd:
                guard side.endTable() else { return }
                reader.viewedColumns = nil
            case .end:
                _ = side.push(.end, 0)
                return
            default:
                continue
            }
        }
    }
}

/// A side's rows of the current table made into digest batches and pushed to the comparing thread, whatever
/// hands it the cells (an archive's reader, a feed from an exporter).
struct SideDigest {
    let events: BoundedBatchQueue<ComparedSide.Event>
    let linesOff: ComparedSide.LinesOff
    let isCancelled: (@Sendable () -> Bool)?
    /// Takes the current row's cells.
    var sink = DigestSink()
    /// Whether the current table's rows are digested (a plan that does not skip it).
    private(set) var digesting = false
    /// The columns whose cells the sink needs (nil: all); the others need only be validated.
    private(set) var viewedColumns: [Bool]?
    private var batch = DigestBatch(width: 0)
    private var table = ""
    /// Whether the current rows are carried as their lines (the plan's ``DigestPlan/lines``, until stopped).
    var carriesLines: Bool { batch.lines }

    init(events: BoundedBatchQueue<ComparedSide.Event>, linesOff: ComparedSide.LinesOff, isCancelled: (@Sendable () -> Bool)?) {
        self.events = events
        self.linesOff = linesOff
        self.isCancelled = isCancelled
    }

    /// Pushes an event of about `bytes` bytes; false once the comparison has stopped.
    func push(_ event: ComparedSide.Event, _ bytes: Int) -> Bool { events.push(event, bytes: bytes) }

    /// Starts table `schema`, digested by `plan`.
    mutating func begin(_ schema: TableSchema, plan: DigestPlan) {
        table = schema.name
        digesting = !plan.skip
        viewedColumns = nil
        if digesting {
            sink.begin(schema, plan: plan)
            // The cells of the columns not digested are only validated, not handed over.
            if plan.lines { viewedColumns = sink.digested }
        }
        batch = DigestBatch(width: schema.columns.count, capacity: ComparedSide.batchRows, lines: digesting && plan.lines)
    }

    /// Ends the row whose cells the sink took; `line` is the row's line (without its newline). Returns false once
    /// the comparison has stopped.
    ///
    /// - Throws: `ArchiveError` `.io` when the comparison is cancelled.
    mutating func endRow(line: UnsafeRawBufferPointer) throws -> Bool {
        sink.endRow(into: &batch)
        if batch.lines { batch.appendLine(line) }
        guard batch.rows == ComparedSide.batchRows else { return true }
        if isCancelled?() == true { throw ArchiveError(.io, "comparison cancelled") }
        guard push(.rows(batch), batch.bytes) else { return false }
        if batch.lines && linesOff.isSet(table) {
            sink.digestEveryColumn()
            viewedColumns = nil
        }
        batch = DigestBatch(
            width: batch.width, capacity: ComparedSide.batchRows, lines: batch.lines && viewedColumns != nil,
            lineBytes: batch.lineBytes.count + batch.lineBytes.count / 8)
        return true
    }

    /// Ends the table: its last rows and end. Returns false once the comparison has stopped.
    mutating func endTable() -> Bool {
        if digesting && batch.rows > 0 {
            guard push(.rows(batch), batch.bytes) else { return false }
        }
        guard push(.tableEnd(maxima: digesting ? sink.maxima : []), 0) else { return false }
        digesting = false
        viewedColumns = nil
        return true
    }
}

/// The record sink of a side whose records an exporter writes (``ComparedSide``'s producer), on the exporter's
/// thread: each row is encoded as an archive line would be (``RowEncoder`` checks every cell) and its cells go
/// straight into the side's digests as a reader of the line would view them (``RowCellTap``) — no compression,
/// pipe, framing, checksums or decoding between the database and the comparison. When the comparison stops (the
/// archive side is invalid, cancellation), the next call throws, which stops the exporter.
final class ComparedFeed: ArchiveRecordSink {
    private let tap: RowCellTap
    private let plans: BoundedBatchQueue<DigestPlan>
    private var schema: TableSchema?
    private var specs: [CellSpec] = []
    private var line = ByteBuffer()
    private var rows: Int64 = 0
    private var tables = 0
    private var totalRows: Int64 = 0
    private var started = false
    /// Whether ``finish()`` passed the end on.
    private(set) var isFinished = false

    init(_ side: SideDigest, plans: BoundedBatchQueue<DigestPlan>) {
        self.tap = RowCellTap(side)
        self.plans = plans
    }

    /// Where the records stopped, for an error: in which table, after how many rows.
    var stoppedTable: String { schema.map { "in table \($0.name), after \(rows) rows" } ?? "after \(tables) tables" }

    private func stopped() -> ArchiveError { ArchiveError(.io, "comparison stopped") }

    /// Passes the header on (once, when the producer makes its sink).
    func start(_ header: ArchiveHeader) throws {
        precondition(!started, "a feed's sink is made once")
        started = true
        guard tap.side.push(.header(header), 256) else { throw stopped() }
    }

    func beginTable(_ table: TableSchema) throws {
        precondition(schema == nil && !isFinished, "beginTable() out of order")
        guard tap.side.push(.table(table), 1024), let plan = plans.pop() else { throw stopped() }
        tap.side.begin(table, plan: plan)
        schema = table
        specs = table.columns.map { CellSpec(type: $0.type, nullable: $0.nullable) }
        rows = 0
        tables += 1
    }

    func appendRow(_ encode: (inout RowEncoder) throws -> Void) throws {
        guard let table = schema else { preconditionFailure("appendRow() outside a table") }
        line.bytes.removeAll(keepingCapacity: true)
        var encoder = RowEncoder(columns: table.columns, specs: specs, buffer: line)
        line = ByteBuffer()
        let digesting = tap.side.digesting
        if digesting {
            encoder.tap = tap
            // Rows compared by their cell digests need no line: the values are checked, not spelled.
            encoder.writesValues = tap.side.carriesLines
        }
        do {
            try encode(&encoder)
            try encoder.finish()
            line = encoder.buffer
        } catch let error as ArchiveError {
            line = encoder.buffer
            throw error.filling(.init(table: table.name, row: rows + 1))
        } catch {
            line = encoder.buffer
            throw error
        }
        rows += 1
        guard digesting else { return }
        let more = try line.bytes.withUnsafeBytes { bytes in
            // The line without its newline, as a reader hands it on.
            try tap.side.endRow(line: UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count - 1)]))
        }
        guard more else { throw stopped() }
    }

    func endTable() throws {
        precondition(schema != nil, "endTable() outside a table")
        guard tap.side.endTable() else { throw stopped() }
        totalRows += rows
        schema = nil
    }

    func append(_ object: SchemaObject) throws {}

    @discardableResult func finish() throws -> ArchiveWriter.Summary {
        precondition(schema == nil && !isFinished, "finish() inside a table or twice")
        guard tap.side.push(.end, 0) else { throw stopped() }
        isFinished = true
        return .init(tables: tables, rows: totalRows, bytes: 0, uncompressedBytes: 0, sha256: "")
    }

    func abort() {}
}

/// The rows of one side of a table not matched yet, findable by key digest: per row its cell digests (8 bytes a
/// column) — or, holding rows with their lines (``DigestPlan/lines``), its line and the line's digest instead — its
/// row number, its key cells and the links of the lookup. Slots of matched rows are reused; rows with equal keys are
/// matched first in, first out.
struct PendingRows {
    let width: Int
    /// Whether rows are held as their lines (no cell digests).
    let lines: Bool
    /// Cell digests per slot: `width`, or 0 when holding lines.
    let stride: Int
    private(set) var digests: [UInt64] = []
    private(set) var lineDigests: [UInt64] = []
    private(set) var rowNumbers: [Int64] = []
    /// Each slot's key cells are `bytes[keyStarts[s]..<keyEnds[s]]`, its line (when holding lines) follows up to
    /// `lineEnds[s]`.
    private var keyStarts: [Int] = []
    private var keyEnds: [Int] = []
    private var lineEnds: [Int] = []
    private var bytes: [UInt8] = []
    /// The next slot with the same key, or -1.
    private var nextSlot: [Int32] = []
    private var live: [Bool] = []
    private var free: [Int32] = []
    private var index: [KeyChecker.Digest: (head: Int32, tail: Int32)] = [:]
    /// Rows held.
    private(set) var count = 0
    private var deadBytes = 0

    init(width: Int, lines: Bool = false) {
        self.width = width
        self.lines = lines
        self.stride = lines ? 0 : width
    }

    /// Bytes of key cells and lines held (live or not yet compacted).
    var heldBytes: Int { bytes.count }

    /// Adds row `row` of `batch` (its digests, or its line when holding lines); `key` nil leaves it out of the
    /// lookup (see ``reindex(_:)``).
    mutating func add(key: KeyChecker.Digest?, _ batch: DigestBatch, row: Int, number: Int64) {
        add(key: key, batch.digests, at: row * batch.width, row: number, keyCells: batch.key(row),
            line: lines ? batch.line(row) : nil, lineDigest: lines ? batch.lineDigests[row] : 0)
    }

    /// Adds a row: its digests are `source[base..<base + width]` (ignored when holding lines: then its `line`).
    mutating func add(
        key: KeyChecker.Digest?, _ source: [UInt64], at base: Int, row: Int64, keyCells: ArraySlice<UInt8>,
        line: ArraySlice<UInt8>? = nil, lineDigest: UInt64 = 0
    ) {
        let slot: Int
        if let reused = free.popLast() {
            slot = Int(reused)
            for column in 0..<stride { digests[slot * stride + column] = source[base + column] }
            rowNumbers[slot] = row
            keyStarts[slot] = bytes.count
            bytes.append(contentsOf: keyCells)
            keyEnds[slot] = bytes.count
            if let line { bytes.append(contentsOf: line) }
            lineEnds[slot] = bytes.count
            if lines { lineDigests[slot] = lineDigest }
            nextSlot[slot] = -1
            live[slot] = true
        } else {
            slot = rowNumbers.count
            digests.append(contentsOf: source[base..<(base + stride)])
            rowNumbers.append(row)
            keyStarts.append(bytes.count)
            bytes.append(contentsOf: keyCells)
            keyEnds.append(bytes.count)
            if let line { bytes.append(contentsOf: line) }
            lineEnds.append(bytes.count)
            if lines { lineDigests.append(lineDigest) }
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
        deadBytes += lineEnds[slot] - keyStarts[slot]
        if deadBytes > 1 << 20 && deadBytes * 2 > bytes.count { compact() }
    }

    private mutating func compact() {
        var compacted: [UInt8] = []
        compacted.reserveCapacity(bytes.count - deadBytes)
        for slot in live.indices where live[slot] {
            let start = compacted.count
            compacted.append(contentsOf: bytes[keyStarts[slot]..<lineEnds[slot]])
            keyEnds[slot] = start + keyEnds[slot] - keyStarts[slot]
            keyStarts[slot] = start
            lineEnds[slot] = compacted.count
        }
        bytes = compacted
        deadBytes = 0
    }

    /// Puts every row held into the lookup under the digest of its cells at `columns` (rows added without a key,
    /// before the columns that match them were known). Not for rows held as lines.
    mutating func reindex(_ columns: [Int]) {
        index = [:]
        index.reserveCapacity(count)
        for slot in rowNumbers.indices where live[slot] {
            nextSlot[slot] = -1
            link(Int32(slot), RecordComparator.combine(columns, at: slot * width, in: digests))
        }
    }

    /// The key cells of a slot.
    func keyCells(_ slot: Int) -> ArraySlice<UInt8> { bytes[keyStarts[slot]..<keyEnds[slot]] }

    /// The line of a slot (rows held as lines).
    func line(_ slot: Int) -> ArraySlice<UInt8> { bytes[keyEnds[slot]..<lineEnds[slot]] }

    /// The same rows with their cells digested from their lines by `digester`, in the same slots (so that the
    /// lookup stays valid): for a table whose lines have grown past the memory they may take.
    func digestingLines(_ digester: inout LineDigester) throws -> PendingRows {
        var rows = PendingRows(width: width)
        rows.rowNumbers = rowNumbers
        rows.nextSlot = nextSlot
        rows.live = live
        rows.free = free
        rows.index = index
        rows.count = count
        rows.digests.reserveCapacity(rowNumbers.count * width)
        for slot in rowNumbers.indices {
            // A free slot's ranges may point past bytes compacted since: only live slots are read.
            let start = rows.bytes.count
            if live[slot] { rows.bytes.append(contentsOf: keyCells(slot)) }
            rows.keyStarts.append(start)
            rows.keyEnds.append(rows.bytes.count)
            rows.lineEnds.append(rows.bytes.count)
            if live[slot] {
                rows.digests.append(contentsOf: try digester.digests(line(slot)))
            } else {
                rows.digests.append(contentsOf: repeatElement(0, count: width))
            }
        }
        return rows
    }

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

/// Digests the cells of a row from its line, on the comparing thread: the rows a side carried as lines
/// (``DigestPlan/lines``) when they must be compared cell by cell (their lines differ) or kept as digests.
struct LineDigester {
    private let decoder: RowDecoder
    private var sink = DigestSink()
    private var scratch = ByteBuffer()
    private var batch: DigestBatch
    private let table: String
    /// The side's plan the rows are digested by.
    let plan: DigestPlan

    /// Digests rows of `schema` as a side whose plan is `plan` would (every column).
    init(_ schema: TableSchema, plan: DigestPlan) {
        self.plan = plan
        decoder = RowDecoder(table: schema, maxDepth: ReaderLimits.defaultMaxDepth)
        var full = plan
        full.lines = false
        sink.begin(schema, plan: full)
        batch = DigestBatch(width: schema.columns.count, capacity: 1)
        table = schema.name
    }

    /// The cell digests of a row line (one the side's reader has already checked).
    ///
    /// - Throws: `ArchiveError` if the line does not conform after all (it cannot: its reader checked it).
    mutating func digests(_ line: ArraySlice<UInt8>) throws -> [UInt64] {
        batch.digests.removeAll(keepingCapacity: true)
        batch.keyBytes.removeAll(keepingCapacity: true)
        batch.keyEnds.removeAll(keepingCapacity: true)
        batch.rows = 0
        let failure = try line.withUnsafeBytes { bytes throws(ArchiveError) in
            try decoder.decode(bytes, scratch: &scratch, into: &sink)
        }
        if let failure {
            throw ArchiveError(failure.code, "table \(table): a row read before no longer decodes: \(failure.message)")
        }
        sink.endRow(into: &batch)
        return batch.digests
    }

    /// `batch` with every cell of its rows digested (from their lines, when it carries them).
    mutating func expand(_ batch: DigestBatch) throws -> DigestBatch {
        guard batch.lines else { return batch }
        var expanded = DigestBatch(width: batch.width, capacity: batch.rows)
        expanded.rows = batch.rows
        expanded.keyBytes = batch.keyBytes
        expanded.keyEnds = batch.keyEnds
        for row in 0..<batch.rows { expanded.digests.append(contentsOf: try digests(batch.line(row))) }
        return expanded
    }
}
