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
    private var encoders: [CellEncoder] = []
    private(set) var batch = EncodedBatch(capacity: 0)

    private enum RowMode {
        case drop
        case values
        case encode
    }

    /// - Parameter encodesRows: false when no row will be inserted (a plan): rows are then dropped.
    init(reader: ArchiveReader, options: SQLiteRestoreOptions, encodesRows: Bool) {
        self.reader = reader
        self.options = options
        self.encodesRows = encodesRows
    }

    /// The reader's location of the last record.
    var location: ArchiveError.Location { reader.location }

    /// Bytes of the archive consumed so far.
    var bytesRead: Int64 { reader.bytesRead }

    /// Starts a new batch for the rows that follow (the previous one belongs to whoever took its rows).
    func startBatch(capacity: Int) {
        batch = EncodedBatch(capacity: capacity)
    }

    /// The next input, or nil after the `end` record.
    ///
    /// - Throws: the reader's `ArchiveError`, or `.typeMismatch` / `.badRecord` when a value cannot be stored in
    ///   its column's representation, with the location.
    func next() throws -> RestoreInput? {
        while true {
            guard let record = try reader.next() else { return nil }
            switch record {
            case .header(let header):
                isSQLiteSource = header.source.backend == "sqlite"
            case .table(let schema):
                try startTable(schema)
                // Rows that will be dropped are still checked (and hashed) but not turned into values.
                reader.materializeRows = rowMode != .drop
            case .row(let values):
                switch rowMode {
                case .drop: continue
                case .values: break
                case .encode:
                    let start = batch.cells.count
                    guard values.count == encoders.count else {
                        throw ArchiveError(
                            .wrongArity, "row has \(values.count) cells, the table has \(encoders.count) columns",
                            location: reader.location)
                    }
                    for (encoder, value) in zip(encoders, values) {
                        do {
                            try encoder.encode(value, into: batch)
                        } catch {
                            throw error.filling(reader.location)
                        }
                    }
                    return .row(EncodedRow(batch: batch, start: start, count: values.count))
                }
            case .tableEnd:
                rowMode = .drop
                reader.materializeRows = true
            default:
                break
            }
            return .record(record)
        }
    }

    private func startTable(_ schema: TableSchema) throws {
        encoders = []
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
        for column in schema.columns {
            let declared = Self.declaredType(column, isSQLiteSource: isSQLiteSource, tableHasSQL: schema.sql != nil)
            do {
                encoders.append(
                    try CellEncoder(column: column, declaredType: declared, table: schema.name, warnings: &scratch))
            } catch {
                throw error.filling(reader.location)
            }
        }
        rowMode = .encode
    }

    /// The declared type a column gets in the restored table: the source's own for a SQLite archive (its CREATE
    /// statement is replayed), the generated one otherwise.
    static func declaredType(_ column: AuthExport.Column, isSQLiteSource: Bool, tableHasSQL: Bool) -> String {
        isSQLiteSource && tableHasSQL ? column.sourceType ?? "" : SQLiteSchemaBuilder.declaredType(column)
    }
}

@available(*, unavailable)
extension RestoreInputReader: Sendable {}
