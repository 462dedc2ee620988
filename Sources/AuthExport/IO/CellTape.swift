/// The cells of a member's row lines, decoded and validated on a worker thread ahead of the reader, so that the
/// reader hands a row sink the same cells without parsing the line again (see `ArchiveReader.Options`,
/// `workersDecodeRows`).
///
/// A cell that is a view of its line is kept as an offset into the line; one the decoder built elsewhere (an
/// escaped string, decoded bytes, a canonical form) is copied into the tape. A line is recorded only when it
/// conforms to the table and the tape is under its size limit; every other line has no entry and is decoded by
/// the reader as before, so errors, their order and the cells a sink sees before one are unchanged.
struct CellTape: Sendable {
    /// One cell: 16 bytes.
    private struct Entry {
        var kind: UInt8
        /// Where the bytes of a text-like cell are: ``CellTape/inLine`` (offset from the line's first byte) or
        /// ``CellTape/inTape``.
        var place: UInt8
        var length: UInt32
        /// The integer's or double's bits, the boolean, or the offset of the bytes.
        var payload: UInt64
    }

    private static let inLine: UInt8 = 0
    private static let inTape: UInt8 = 1

    private enum Kind: UInt8 {
        case null, boolean, integer, real, text, bytes, json, invalidText
    }

    /// The most a tape holds (entries and copied bytes). Lines after it are decoded by the reader: a member of
    /// tiny cells (millions of them in a 64 MiB line) cannot make a worker hold 16 bytes for each.
    static let byteLimit = 4 << 20

    private var entries: [Entry] = []
    private var bytes: [UInt8] = []
    /// The first entry of each line, by line index within the member; -1 for a line not recorded.
    private var firstEntry: [Int32] = []
    /// Cells per row (the table's columns).
    private var columns = 0

    init() {}

    /// Whether the tape is full: no more lines are recorded.
    var isFull: Bool { size >= Self.byteLimit }

    /// Bytes held.
    var size: Int { entries.count * MemoryLayout<Entry>.stride + bytes.count + firstEntry.count * 4 }

    /// Whether line `index` of the member was recorded.
    func hasLine(_ index: Int) -> Bool { index < firstEntry.count && firstEntry[index] >= 0 }

    /// Decodes row line `index` (`line`, without its newline) with `decoder` and records its cells; returns the
    /// line's problem, in which case nothing of the line is kept (nor when the tape fills up on the way).
    mutating func record(
        line: UnsafeRawBufferPointer, index: Int, decoder: RowDecoder, scratch: inout ByteBuffer
    ) -> RowFailure? {
        let start = entries.count
        let bytesStart = bytes.count
        while firstEntry.count < index { firstEntry.append(-1) }
        var recorder = Recorder(line: line, limit: Self.byteLimit)
        // The recorder owns the storage while it records (swapped, so that nothing is copied on write).
        swap(&recorder.entries, &entries)
        swap(&recorder.bytes, &bytes)
        let failure: RowFailure?
        do {
            failure = try decoder.decode(line, scratch: &scratch, into: &recorder)
        } catch {
            // Never: the recorder does not throw.
            failure = RowFailure(code: error.code, message: error.message, column: error.location.column)
        }
        swap(&recorder.entries, &entries)
        swap(&recorder.bytes, &bytes)
        if failure != nil || recorder.overflowed || entries.count - start != decoder.specs.count {
            entries.removeSubrange(start...)
            bytes.removeSubrange(bytesStart...)
            return failure
        }
        firstEntry.append(Int32(start))
        columns = decoder.specs.count
        return nil
    }

    /// Hands the cells recorded for line `index` (`line`: the same line, in the reader's copy of the member) to
    /// `sink`, in column order. The line must have been recorded.
    func replay<Sink: RowCellSink>(
        line index: Int, _ line: UnsafeRawBufferPointer, into sink: inout Sink
    ) throws(ArchiveError) {
        let first = Int(firstEntry[index])  // the caller checked hasLine
        let base = line.baseAddress
        let failure = bytes.withUnsafeBytes { (tapeBytes) -> ArchiveError? in
            for column in 0..<columns {
                let entry = entries[first + column]
                let kind = Kind(rawValue: entry.kind) ?? .null
                let view: CellView
                switch kind {
                case .null: view = .null
                case .boolean: view = .boolean(entry.payload != 0)
                case .integer: view = .integer(Int64(bitPattern: entry.payload))
                case .real: view = .real(Double(bitPattern: entry.payload))
                case .text, .bytes, .json, .invalidText:
                    let origin = entry.place == Self.inLine ? base : tapeBytes.baseAddress
                    let buffer = UnsafeRawBufferPointer(
                        start: origin.map { $0 + Int(entry.payload) }, count: Int(entry.length))
                    switch kind {
                    case .text: view = .text(buffer)
                    case .bytes: view = .bytes(buffer)
                    case .json: view = .json(buffer)
                    default: view = .invalidText(buffer)
                    }
                }
                do throws(ArchiveError) {
                    try sink.cell(view, column: column)
                } catch {
                    return error
                }
            }
            return nil
        }
        if let failure { throw failure }
    }

    /// The sink a worker decodes a line into.
    private struct Recorder: RowCellSink {
        var entries: [Entry] = []
        var bytes: [UInt8] = []
        let lineStart: UnsafeRawPointer?
        let lineEnd: UnsafeRawPointer?
        let limit: Int
        /// Set when the tape reached its limit inside this line: the rest of its cells are not kept.
        private(set) var overflowed = false

        init(line: UnsafeRawBufferPointer, limit: Int) {
            lineStart = line.baseAddress
            lineEnd = line.baseAddress.map { $0 + line.count }
            self.limit = limit
        }

        mutating func cell(_ view: CellView, column: Int) {
            guard !overflowed else { return }
            if entries.count * MemoryLayout<Entry>.stride + bytes.count >= limit {
                overflowed = true
                return
            }
            switch view {
            case .null: scalar(.null, 0)
            case .boolean(let b): scalar(.boolean, b ? 1 : 0)
            case .integer(let i): scalar(.integer, UInt64(bitPattern: i))
            case .real(let d): scalar(.real, d.bitPattern)
            case .text(let b): append(.text, b)
            case .bytes(let b): append(.bytes, b)
            case .json(let b): append(.json, b)
            case .invalidText(let b): append(.invalidText, b)
            }
        }

        private mutating func scalar(_ kind: Kind, _ payload: UInt64) {
            entries.append(Entry(kind: kind.rawValue, place: CellTape.inLine, length: 0, payload: payload))
        }

        private mutating func append(_ kind: Kind, _ buffer: UnsafeRawBufferPointer) {
            if let start = buffer.baseAddress, let lineStart, let lineEnd, start >= lineStart,
                start + buffer.count <= lineEnd
            {
                entries.append(
                    Entry(
                        kind: kind.rawValue, place: CellTape.inLine, length: UInt32(buffer.count),
                        payload: UInt64(start - lineStart)))
            } else if entries.count * MemoryLayout<Entry>.stride + bytes.count + buffer.count >= limit {
                overflowed = true
            } else {
                entries.append(
                    Entry(
                        kind: kind.rawValue, place: CellTape.inTape, length: UInt32(buffer.count),
                        payload: UInt64(bytes.count)))
                bytes.append(contentsOf: buffer)
            }
        }
    }
}
