import AuthExport

/// Turns an archive's records into a restore's input: rows of restored tables are encoded into their SQLite storage
/// (``EncodedBatch``), rows of tables that are not restored are dropped, everything else passes through.
///
/// It makes the same decisions about tables as ``SQLiteRestoreSession``, from the same options, so that the
/// expensive part of each row (parsing, validation, representation) can run on the reading thread.
final class RestoreInputReader: RestoreInputSource {
    private let reader: ArchiveReader
    private let options: SQLiteRestoreOptions
    private let encodesRows: Bool
    private var isSQLiteSource = true
    /// How the current table's rows are handled.
    private var rowMode: RowMode = .drop
    /// Encodes the rows of the current table into the open batch.
    private var builder = EncodedBatchBuilder()

    private enum RowMode {
        case drop
        case values
        case encode
    }

    /// `--data-only`: the target database's declared types (lowercased table → lowercased column → type).
    private let targetTypes: [String: [String: String]]?

    /// - Parameters:
    ///   - encodesRows: false when no row will be inserted (a plan): rows are then dropped.
    ///   - targetTypes: for `--data-only`, the existing tables' declared types, which decide how values are stored.
    init(
        reader: ArchiveReader, options: SQLiteRestoreOptions, encodesRows: Bool,
        targetTypes: [String: [String: String]]? = nil
    ) {
        self.reader = reader
        self.options = options
        self.encodesRows = encodesRows
        self.targetTypes = targetTypes
    }

    /// The reader's location of the last record.
    var location: ArchiveError.Location { reader.location }

    /// Bytes of the archive consumed so far.
    var bytesRead: Int64 { reader.bytesRead }

    /// What ``read()`` produces.
    enum Input {
        case record(ArchiveRecord)
        /// A row of a restored table, encoded into the open batch as `count` cells from `start`.
        case encodedRow(start: Int, count: Int)
    }

    /// Cells in the open batch.
    var openCells: Int { builder.cellCount }

    /// Bytes of TEXT and BLOB payload in the open batch.
    var openBytes: Int { builder.byteCount }

    /// The open batch, finished (the rows read since the last call are in it); later rows go into a new one.
    func takeBatch(reservingCells capacity: Int) -> EncodedBatch {
        builder.take(reservingCells: capacity)
    }

    /// The next input, or nil after the `end` record: any record, or a row encoded into the open batch (see
    /// ``takeBatch(reservingCells:)``).
    ///
    /// - Throws: the reader's `ArchiveError`, or `.typeMismatch` when a value cannot be stored in its column's
    ///   representation, with the location.
    func read() throws -> Input? {
        while true {
            if rowMode == .encode {
                let start = builder.cellCount
                guard let record = try reader.next(rowsInto: &builder) else { return nil }
                if case .row = record { return .encodedRow(start: start, count: builder.cellCount - start) }
                try handle(record)
                return .record(record)
            }
            guard let record = try reader.next() else { return nil }
            if case .row = record, rowMode == .drop { continue }
            try handle(record)
            return .record(record)
        }
    }

    /// The next input, each encoded row in a batch of its own.
    func next() throws -> RestoreInput? {
        switch try read() {
        case nil: return nil
        case .record(let record): return .record(record)
        case .encodedRow(let start, let count):
            return .row(EncodedRow(batch: takeBatch(reservingCells: 0), start: start, count: count))
        }
    }

    private func handle(_ record: ArchiveRecord) throws {
        switch record {
        case .header(let header):
            isSQLiteSource = header.source.backend == "sqlite"
        case .table(let schema):
            try startTable(schema)
            // Rows that will be dropped are still checked (and hashed) but not turned into values.
            reader.materializeRows = rowMode != .drop
        case .tableEnd:
            rowMode = .drop
            reader.materializeRows = true
        default:
            break
        }
    }

    private func startTable(_ schema: TableSchema) throws {
        builder.encoders = []
        let lower = schema.name.lowercased()
        guard !options.schemaOnly, options.tables.includes(schema.name) else {
            rowMode = .drop
            return
        }
        if lower.hasPrefix("sqlite_") {
            let kept = lower == "sqlite_sequence" || lower == "sqlite_stat1" || lower == "sqlite_stat4"
            rowMode = kept ? .values : .drop
            return
        }
        guard encodesRows else {
            rowMode = .drop
            return
        }
        var scratch: [String] = []
        let target = targetTypes.map { $0[schema.name.lowercased()] ?? [:] }
        for column in schema.columns {
            let declared: String
            if let target {
                // A table or column the target lacks: the session reports it; the rows are checked, not kept.
                guard let type = target[column.name.lowercased()],
                    TargetTable.cannotHold(column.type, declaredType: type) == nil
                else {
                    builder.encoders = []
                    rowMode = .drop
                    return
                }
                declared = type
            } else {
                let choice = try? options.valueForm(of: column, in: schema.name, from: isSQLiteSource ? .sqlite : .postgresql)
                declared = Self.declaredType(
                    column, isSQLiteSource: isSQLiteSource, tableHasSQL: schema.sql != nil, choice: choice?.form)
            }
            do {
                let choice = try options.valueForm(of: column, in: schema.name, from: isSQLiteSource ? .sqlite : .postgresql)
                builder.encoders.append(
                    try CellEncoder.forTarget(
                        column: column, declaredType: declared, table: schema.name,
                        exact: target == nil && isSQLiteSource && schema.sql != nil, choice: choice.form,
                        explicit: choice.explicit, warnings: &scratch))
            } catch {
                throw error.filling(reader.location)
            }
        }
        rowMode = .encode
    }

    /// The declared type a column gets in the restored table: the source's own for a SQLite archive (its CREATE
    /// statement is replayed), the generated one otherwise.
    static func declaredType(
        _ column: AuthExport.Column, isSQLiteSource: Bool, tableHasSQL: Bool, choice: SQLiteValueForm? = nil
    ) -> String {
        isSQLiteSource && tableHasSQL
            ? column.sourceType ?? "" : SQLiteSchemaBuilder.declaredType(column, choice: choice)
    }
}

@available(*, unavailable)
extension RestoreInputReader: Sendable {}
