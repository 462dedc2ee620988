/// Spells one row's cells into the archive, checking each against its column.
///
/// Get one from ``ArchiveWriter/appendRow(_:)``; append exactly one cell per column, in column order.
///
/// ```swift
/// try writer.appendRow { row in
///     try row.appendText(utf8: idBytes)
///     try row.appendInteger(42)
///     try row.appendNull()
/// }
/// ```
public struct RowEncoder {
    let columns: [Column]
    /// Type and nullability per column: what the hot path reads, so no `Column` is copied per cell.
    let specs: [CellSpec]
    var buffer: ByteBuffer
    var index = 0
    /// Takes each cell as a reader of the line would view it (a comparison fed by an exporter), or nil.
    var tap: RowCellTap?
    /// Whether the cells' values are written to the line (false: checked and tapped only, for a comparison that
    /// needs no line; the line then holds separators, nulls and JSON cells only).
    var writesValues = true

    init(columns: [Column], specs: [CellSpec], buffer: ByteBuffer) {
        self.columns = columns
        self.specs = specs
        self.buffer = buffer
    }

    private mutating func next() throws(ArchiveError) -> CellSpec {
        guard index < specs.count else {
            throw ArchiveError(.invalidValue, "row has more cells than the table's \(specs.count) columns")
        }
        let column = specs[index]
        buffer.append(index == 0 ? UInt8(ascii: "[") : UInt8(ascii: ","))
        index += 1
        return column
    }

    /// The error for the cell just started (`index` has moved past it).
    private func failure(_ error: CellCodec.Failure, _ column: CellSpec) -> ArchiveError {
        let message: String
        switch error {
        case .null: message = "null in a column that is not nullable"
        case .mismatch(let text): message = text
        case .json(let failure): message = "invalid JSON: \(failure.message) at byte \(failure.column)"
        }
        return ArchiveError(.invalidValue, message, location: .init(column: columns[index - 1].name))
    }

    /// Appends any value, checked against the column's logical type.
    public mutating func append(_ value: Value) throws(ArchiveError) {
        let column = try next()
        let start = buffer.count
        do { try CellCodec.encode(value, type: column.type, nullable: column.nullable, into: &buffer) } catch { throw failure(error, column) }
        if let tap { try tap.view(buffer, from: start, column, index - 1) }
    }

    /// Appends SQL NULL.
    public mutating func appendNull() throws(ArchiveError) {
        let column = try next()
        guard column.nullable else { throw failure(.null, column) }
        buffer.append(ascii: "null")
        tap?.side.sink.cell(.null, column: index - 1)
    }

    /// Appends a boolean to a `boolean` column.
    public mutating func appendBoolean(_ value: Bool) throws(ArchiveError) {
        let column = try next()
        guard column.type == .boolean else { throw failure(.mismatch(CellCodec.expectation(for: column.type)), column) }
        buffer.append(ascii: value ? "true" : "false")
        tap?.side.sink.cell(.boolean(value), column: index - 1)
    }

    /// Appends an integer to an `integer`, `real` or `any` column.
    public mutating func appendInteger(_ value: Int64) throws(ArchiveError) {
        let column = try next()
        switch column.type {
        case .integer: if writesValues { buffer.append(integer: value) }
        case .real:
            if writesValues { buffer.append(double: Double(value)) }
            tap?.side.sink.cell(.real(Double(value)), column: index - 1)
            return
        case .any:
            buffer.append(ascii: "[\"integer\",")
            buffer.append(integer: value)
            buffer.append(UInt8(ascii: "]"))
        default: throw failure(.mismatch(CellCodec.expectation(for: column.type)), column)
        }
        tap?.side.sink.cell(.integer(value), column: index - 1)
    }

    /// Appends a double to a `real` or `any` column.
    public mutating func appendReal(_ value: Double) throws(ArchiveError) {
        let column = try next()
        switch column.type {
        case .real: if writesValues { buffer.append(double: value) }
        case .any:
            buffer.append(ascii: "[\"real\",")
            buffer.append(double: value)
            buffer.append(UInt8(ascii: "]"))
        default: throw failure(.mismatch(CellCodec.expectation(for: column.type)), column)
        }
        tap?.side.sink.cell(.real(value), column: index - 1)
    }

    /// Appends UTF-8 text to a text-like column (text, decimal, uuid, timestamp, date, time; the canonical form is
    /// checked), or to an `any` column (tagged `text`, or `text_bytes` when the bytes are not valid UTF-8).
    public mutating func appendText(utf8: UnsafeRawBufferPointer) throws(ArchiveError) {
        let column = try next()
        if column.type == .any {
            if isValidUTF8(utf8) {
                buffer.append(ascii: "[\"text\",")
                buffer.append(jsonStringUTF8: utf8)
                tap?.side.sink.cell(.text(utf8), column: index - 1)
            } else {
                buffer.append(ascii: "[\"text_bytes\",")
                buffer.append(base64: utf8)
                tap?.side.sink.cell(.invalidText(utf8), column: index - 1)
            }
            buffer.append(UInt8(ascii: "]"))
            return
        }
        do { try CellCodec.checkText(utf8, column.type) } catch { throw failure(error, column) }
        if writesValues { buffer.append(jsonStringUTF8: utf8) }
        tap?.side.sink.cell(.text(utf8), column: index - 1)
    }

    /// Appends bytes to a `bytes` or `any` column.
    public mutating func appendBytes(_ bytes: UnsafeRawBufferPointer) throws(ArchiveError) {
        let column = try next()
        switch column.type {
        case .bytes: if writesValues { buffer.append(base64: bytes) }
        case .any:
            buffer.append(ascii: "[\"bytes\",")
            buffer.append(base64: bytes)
            buffer.append(UInt8(ascii: "]"))
        default: throw failure(.mismatch(CellCodec.expectation(for: column.type)), column)
        }
        tap?.side.sink.cell(.bytes(bytes), column: index - 1)
    }

    /// Appends JSON text to a `json` column: validated and compacted. The text `null` is the JSON null value.
    public mutating func appendJSON(utf8: UnsafeRawBufferPointer) throws(ArchiveError) {
        let column = try next()
        guard column.type == .json else { throw failure(.mismatch(CellCodec.expectation(for: column.type)), column) }
        let start = buffer.count
        do { try CellCodec.encodeJSON(utf8, into: &buffer) } catch { throw failure(error, column) }
        if let tap { try tap.view(buffer, from: start, column, index - 1) }
    }

    /// Ends the row; checks that every column got a cell.
    mutating func finish() throws(ArchiveError) {
        guard index == specs.count else {
            throw ArchiveError(.invalidValue, "row has \(index) cells, the table has \(specs.count) columns")
        }
        buffer.append(UInt8(ascii: "]"))
        buffer.append(UInt8(ascii: "\n"))
    }
}

/// Takes the cells a ``RowEncoder`` writes as a reader of its line would view them (``CellView``), into a
/// comparison's side (``ComparedFeed``): the database's cells reach the digests without the line being decoded.
final class RowCellTap {
    var side: SideDigest
    private var scratch = ByteBuffer()

    init(_ side: SideDigest) { self.side = side }

    /// Views the cell written to `buffer` from `start` (JSON, or any value) as a reader would: decoded from its
    /// bytes, the one way it is certain to be the view a reader gets.
    func view(_ buffer: ByteBuffer, from start: Int, _ spec: CellSpec, _ column: Int) throws(ArchiveError) {
        let result = buffer.bytes.withUnsafeBytes { bytes in
            Result { () throws(ArchiveError) in
                var scanner = JSONScanner(UnsafeRawBufferPointer(rebasing: bytes[start...]), maxDepth: ReaderLimits.defaultMaxDepth)
                return try CellCodec.withCell(&scanner, type: spec.type, nullable: spec.nullable, scratch: &scratch) {
                    view throws(ArchiveError) in side.sink.cell(view, column: column)
                }
            }
        }
        if try result.get() != nil { throw ArchiveError(.invalidValue, "a cell just written does not read back") }
    }
}
