import AuthExport

/// The archive's records for a restore, read on the calling thread (the reader inflates on a second one): rows
/// of a table being loaded go straight into a sink (``next(rowsInto:)``), rows of a table left out are validated
/// but not decoded.
final class RestoreRecordSource {
    private let reader: ArchiveReader
    /// Whether a table's rows are needed.
    private let materialize: (TableSchema) -> Bool
    /// Archive bytes read so far.
    private(set) var bytesRead: Int64 = 0

    /// Reads `reader`, which must not be used by anyone else afterwards.
    init(reader: ArchiveReader, materialize: @escaping (TableSchema) -> Bool) {
        self.reader = reader
        self.materialize = materialize
    }

    /// The next record, or nil after the end record.
    func next() throws -> ArchiveRecord? {
        let record = try reader.next()
        advanced(past: record)
        return record
    }

    /// The next record like ``next()``, but a row's cells go straight to `sink` as the reader validates them (the
    /// record returned is then `.row([])`).
    func next<Sink: RowCellSink>(rowsInto sink: inout Sink) throws -> ArchiveRecord? {
        let record = try reader.next(rowsInto: &sink)
        advanced(past: record)
        return record
    }

    /// The row the last ``next(rowsInto:)`` read, decoded again as values.
    func lastRowValues() throws -> [Value] { try reader.lastRowValues() }

    /// After a record: whether the next table's rows are decoded, and the position.
    private func advanced(past record: ArchiveRecord?) {
        switch record {
        case .table(let table): reader.materializeRows = materialize(table)
        case .tableEnd: reader.materializeRows = true
        default: break
        }
        bytesRead = reader.bytesRead
    }
}

@available(*, unavailable)
extension RestoreRecordSource: Sendable {}
