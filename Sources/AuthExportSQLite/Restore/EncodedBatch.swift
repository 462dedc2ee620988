import AuthExport

/// One cell ready to bind: a storage class and, for TEXT and BLOB, a range of its batch's bytes (16 bytes a cell:
/// a batch's bytes stay far below 4 GiB, see ``EncodedBatchBuilder``).
enum BoundCell {
    case null
    case integer(Int64)
    case real(Double)
    case text(start: UInt32, count: UInt32)
    case blob(start: UInt32, count: UInt32)

    /// TEXT of `count` batch bytes from `start`.
    @inline(__always)
    static func text(_ start: Int, _ count: Int) -> BoundCell {
        .text(start: UInt32(truncatingIfNeeded: start), count: UInt32(truncatingIfNeeded: count))
    }

    /// A BLOB of `count` batch bytes from `start`.
    @inline(__always)
    static func blob(_ start: Int, _ count: Int) -> BoundCell {
        .blob(start: UInt32(truncatingIfNeeded: start), count: UInt32(truncatingIfNeeded: count))
    }
}

/// Rows converted to their SQLite storage on the reading thread, to be bound on the writing thread without any
/// further conversion or allocation: cells in row order, TEXT and BLOB payloads in one byte buffer. Immutable once
/// built (by ``EncodedBatchBuilder``).
final class EncodedBatch {
    let cells: [BoundCell]
    let bytes: [UInt8]

    init(cells: [BoundCell], bytes: [UInt8]) {
        self.cells = cells
        self.bytes = bytes
    }

    /// The memory the batch holds: what its arrays allocated (their capacity), not just what they use.
    var memoryBytes: Int { cells.capacity * MemoryLayout<BoundCell>.stride + bytes.capacity }
}

@available(*, unavailable)
extension EncodedBatch: Sendable {}

/// Encodes rows into the open batch as the archive reader hands over their cells (``RowCellSink``): each cell
/// goes straight from the archive line into its SQLite storage, with no intermediate value.
struct EncodedBatchBuilder: RowCellSink {
    /// The current table's encoders, one per column.
    var encoders: [CellEncoder] = [] {
        didSet { forms = encoders.map(\.form) }
    }
    /// Their forms, for the per-cell fast path.
    private var forms: [CellEncoder.Form] = []
    private(set) var cells: [BoundCell] = []
    private(set) var bytes: [UInt8] = []

    mutating func cell(_ view: CellView, column: Int) throws(ArchiveError) {
        // A batch is handed over once it holds a few MiB, so this only fails for a single row of gigabytes (lines
        // are limited to 64 MiB by default): refuse it rather than let a cell's range wrap around.
        guard bytes.count < Self.maxBytes else {
            throw ArchiveError(.lineTooLong, "row too large to restore (over 3 GiB of values)")
        }
        if !CellEncoder.encode(view, as: forms[column], cells: &cells, bytes: &bytes) {
            try encoders[column].encodeByConversion(view, cells: &cells, bytes: &bytes)
        }
    }

    /// The most payload bytes a batch may hold before a cell is added: cells address it with 32-bit offsets, and
    /// one cell adds at most a few times its line's length.
    static let maxBytes = 3 << 30

    /// Cells in the open batch.
    var cellCount: Int { cells.count }

    /// Bytes of TEXT and BLOB payload in the open batch.
    var byteCount: Int { bytes.count }

    /// The open batch, finished; the next rows go into a new one with room for `capacity` cells.
    mutating func take(reservingCells capacity: Int) -> EncodedBatch {
        let batch = EncodedBatch(cells: cells, bytes: bytes)
        cells = []
        cells.reserveCapacity(capacity)
        bytes = []
        bytes.reserveCapacity(batch.bytes.count)
        return batch
    }
}

/// One row of an ``EncodedBatch``: `count` cells from `start`.
struct EncodedRow {
    let batch: EncodedBatch
    let start: Int
    let count: Int

    /// The cell of column `i` as a SQLite value (copied).
    func value(at i: Int) -> SQLiteValue {
        switch batch.cells[start + i] {
        case .null: return .null
        case .integer(let v): return .integer(v)
        case .real(let v): return .real(v)
        case .text(let s, let n): return .text(Array(batch.bytes[Int(s)..<Int(s + n)]))
        case .blob(let s, let n): return .blob(Array(batch.bytes[Int(s)..<Int(s + n)]))
        }
    }
}

/// What a restore reads: archive records, with the rows of restored tables already encoded.
enum RestoreInput {
    /// Any record; rows only for tables whose rows are kept as values (`sqlite_sequence`, `sqlite_stat1`).
    case record(ArchiveRecord)
    /// A row of a restored table, encoded.
    case row(EncodedRow)
}
