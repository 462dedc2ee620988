/// Why a row line does not conform to its table.
struct RowFailure: Error, Sendable {
    var code: ArchiveError.Code
    var message: String
    var column: String?
}

/// Reads one row line against its table schema: arity, each cell's type and nullability.
enum RowDecoder {
    /// Decodes (or, with `materialize == false`, only checks) a row line.
    static func decode(_ line: UnsafeRawBufferPointer, _ table: TableSchema, maxDepth: Int, materialize: Bool)
        throws(RowFailure) -> [Value]
    {
        var scanner = JSONScanner(line, maxDepth: maxDepth)
        do { try scanner.expect(UInt8(ascii: "["), "'['") } catch { throw syntax(error, nil) }
        let columns = table.columns
        var values: [Value] = []
        if materialize { values.reserveCapacity(columns.count) }
        for (i, column) in columns.enumerated() {
            if i > 0 {
                guard scanner.consume(UInt8(ascii: ",")) else {
                    if scanner.consume(UInt8(ascii: "]")) {
                        throw RowFailure(code: .wrongArity, message: "row has \(i) cells, the table has \(columns.count) columns")
                    }
                    throw RowFailure(code: .badJSON, message: "expected ',' or ']' (at byte \(scanner.position) of the line)")
                }
            } else {
                scanner.skipWhitespace()
                if scanner.peek() == UInt8(ascii: "]") {
                    throw RowFailure(code: .wrongArity, message: "row has 0 cells, the table has \(columns.count) columns")
                }
            }
            do {
                let value = try CellCodec.decode(&scanner, column, materialize: materialize)
                if materialize { values.append(value) }
            } catch {
                switch error {
                case .null:
                    throw RowFailure(code: .nullViolation, message: "null in a column that is not nullable", column: column.name)
                case .mismatch(let message):
                    throw RowFailure(code: .typeMismatch, message: "\(message) (\(column.type.rawValue) column)", column: column.name)
                case .json(let failure):
                    throw syntax(failure, column.name)
                }
            }
        }
        if scanner.consume(UInt8(ascii: ",")) {
            throw RowFailure(code: .wrongArity, message: "row has more cells than the table's \(columns.count) columns")
        }
        do {
            try scanner.expect(UInt8(ascii: "]"), "']'")
            try scanner.expectEnd()
        } catch {
            throw syntax(error, nil)
        }
        return values
    }

    private static func syntax(_ failure: JSONScanner.Failure, _ column: String?) -> RowFailure {
        RowFailure(code: .badJSON, message: "\(failure.message) (at byte \(failure.column) of the line)", column: column)
    }
}
