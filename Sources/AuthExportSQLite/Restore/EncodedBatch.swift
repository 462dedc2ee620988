import AuthExport

/// One cell ready to bind: a storage class and, for TEXT and BLOB, a range of its batch's bytes.
enum BoundCell {
    case null
    case integer(Int64)
    case real(Double)
    case text(start: Int, count: Int)
    case blob(start: Int, count: Int)
}

/// Rows converted to their SQLite storage on the reading thread, to be bound on the writing thread without any
/// further conversion or allocation: cells in row order, TEXT and BLOB payloads in one byte buffer.
final class EncodedBatch {
    var cells: [BoundCell] = []
    var bytes: [UInt8] = []

    init(capacity: Int) {
        cells.reserveCapacity(capacity)
    }

    func appendText(_ s: String) {
        let start = bytes.count
        bytes.append(contentsOf: s.utf8)
        cells.append(.text(start: start, count: bytes.count - start))
    }

    func appendText(_ b: [UInt8]) {
        cells.append(.text(start: bytes.count, count: b.count))
        bytes.append(contentsOf: b)
    }

    func appendBlob(_ b: [UInt8]) {
        cells.append(.blob(start: bytes.count, count: b.count))
        bytes.append(contentsOf: b)
    }
}

@available(*, unavailable)
extension EncodedBatch: Sendable {}

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
        case .text(let s, let n): return .text(Array(batch.bytes[s..<(s + n)]))
        case .blob(let s, let n): return .blob(Array(batch.bytes[s..<(s + n)]))
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
