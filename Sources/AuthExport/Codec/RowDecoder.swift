/// Why a row line does not conform to its table.
struct RowFailure: Error, Sendable {
    var code: ArchiveError.Code
    var message: String
    var column: String?
}

/// What a row decoder needs of one column, kept small so the hot loop copies nothing.
struct CellSpec: Sendable {
    var type: LogicalType
    var nullable: Bool
}

/// Reads one row line against its table schema: arity, each cell's type and nullability.
///
/// A class: a reader calls it once per row from a stored property, and a struct holding the schema would be
/// copied (every array and string retained and released) at each call.
final class RowDecoder: Sendable {
    let table: TableSchema
    let specs: [CellSpec]
    let maxDepth: Int

    init(table: TableSchema, maxDepth: Int) {
        self.table = table
        self.specs = table.columns.map { CellSpec(type: $0.type, nullable: $0.nullable) }
        self.maxDepth = maxDepth
    }

    /// Decodes (or, with `materialize == false`, only checks) a row line.
    func decode(_ line: UnsafeRawBufferPointer, materialize: Bool) throws(RowFailure) -> [Value] {
        var scratch = ByteBuffer()
        var collector = ValueCollector()
        var discard = DiscardingSink()
        let failure: RowFailure?
        do {
            if materialize {
                collector.values.reserveCapacity(specs.count)
                failure = try decode(line, scratch: &scratch, into: &collector)
            } else {
                failure = try decode(line, scratch: &scratch, viewed: false, into: &discard)
            }
        } catch {
            // Never: neither sink throws.
            failure = RowFailure(code: error.code, message: error.message, column: error.location.column)
        }
        if let failure { throw failure }
        return collector.values
    }

    /// Reads a row line and hands each cell, validated, to `sink` as it goes (see ``CellView``).
    ///
    /// A cell is handed over before the cells after it are read: when the line turns out not to conform later
    /// on, the sink has seen the cells before the problem.
    ///
    /// - Parameters:
    ///   - scratch: Space for cells that are not views of the line (escaped strings, bytes, JSON); reused.
    ///   - viewed: When false, cells are only validated and the sink gets `.null` for each.
    ///   - viewedColumns: When given, only the columns it marks true are viewed; the others are validated and
    ///     handed over as `.null` (a sink that needs a few columns of each row).
    /// - Returns: why the line does not conform to the table, or nil.
    /// - Throws: only what the sink throws.
    func decode<Sink: RowCellSink>(
        _ line: UnsafeRawBufferPointer, scratch: inout ByteBuffer, viewed: Bool = true, viewedColumns: [Bool]? = nil,
        into sink: inout Sink
    ) throws(ArchiveError) -> RowFailure? {
        guard
            let failure = try decodeCells(
                line, scratch: &scratch, viewed: viewed, viewedColumns: viewedColumns, into: &sink)
        else { return nil }
        return settle(failure, line)
    }

    /// The order of checks inside one row line is binding (spec §9.2): the line is JSON, then it has one cell per
    /// column, then each cell conforms, in column order. Cells are checked as they are read, so a problem found in
    /// a cell (or a wrong cell count) is reported only once the whole line is known to be JSON — and, for a cell
    /// problem, to have the right number of cells. Runs only for a line that does not conform.
    private func settle(_ failure: RowFailure, _ line: UnsafeRawBufferPointer) -> RowFailure {
        guard failure.code != .badJSON else { return failure }
        var scanner = JSONScanner(line, maxDepth: maxDepth)
        var cells = 0
        do {
            try scanner.expect(UInt8(ascii: "["), "'['")
            scanner.skipWhitespace()
            if !scanner.consume(UInt8(ascii: "]")) {
                repeat {
                    do {
                        _ = try scanner.scanValue()
                    } catch {
                        return Self.syntax(error, cells < table.columns.count ? table.columns[cells].name : nil)
                    }
                    cells += 1
                } while scanner.consume(UInt8(ascii: ","))
                try scanner.expect(UInt8(ascii: "]"), "',' or ']'")
            }
            try scanner.expectEnd()
        } catch {
            return Self.syntax(error, nil)
        }
        if cells != specs.count {
            return RowFailure(code: .wrongArity, message: "row has \(cells) cells, the table has \(specs.count) columns")
        }
        return failure
    }

    private func decodeCells<Sink: RowCellSink>(
        _ line: UnsafeRawBufferPointer, scratch: inout ByteBuffer, viewed: Bool, viewedColumns: [Bool]?,
        into sink: inout Sink
    ) throws(ArchiveError) -> RowFailure? {
        var scanner = JSONScanner(line, maxDepth: maxDepth)
        do { try scanner.expect(UInt8(ascii: "["), "'['") } catch { return Self.syntax(error, nil) }
        let specs = self.specs
        let count = specs.count
        for i in 0..<count {
            if i > 0 {
                guard scanner.consume(UInt8(ascii: ",")) else {
                    if scanner.consume(UInt8(ascii: "]")) {
                        return RowFailure(code: .wrongArity, message: "row has \(i) cells, the table has \(count) columns")
                    }
                    return RowFailure(
                        code: .badJSON, message: "expected ',' or ']' (at byte \(scanner.position) of the line)")
                }
            } else {
                scanner.skipWhitespace()
                if scanner.peek() == UInt8(ascii: "]") {
                    return RowFailure(code: .wrongArity, message: "row has 0 cells, the table has \(count) columns")
                }
            }
            let spec = specs[i]
            let failure = try CellCodec.withCell(
                &scanner, type: spec.type, nullable: spec.nullable, scratch: &scratch,
                viewed: viewed && (viewedColumns?[i] ?? true)
            ) { (view) throws(ArchiveError) in
                try sink.cell(view, column: i)
            }
            if let failure {
                let column = table.columns[i]
                switch failure {
                case .null:
                    return RowFailure(code: .nullViolation, message: "null in a column that is not nullable", column: column.name)
                case .mismatch(let message):
                    return RowFailure(code: .typeMismatch, message: "\(message) (\(column.type.rawValue) column)", column: column.name)
                case .json(let failure):
                    return Self.syntax(failure, column.name)
                }
            }
        }
        if scanner.consume(UInt8(ascii: ",")) {
            return RowFailure(code: .wrongArity, message: "row has more cells than the table's \(count) columns")
        }
        do {
            try scanner.expect(UInt8(ascii: "]"), "']'")
            try scanner.expectEnd()
        } catch {
            return Self.syntax(error, nil)
        }
        return nil
    }

    private static func syntax(_ failure: JSONScanner.Failure, _ column: String?) -> RowFailure {
        RowFailure(code: .badJSON, message: "\(failure.message) (at byte \(failure.column) of the line)", column: column)
    }
}
