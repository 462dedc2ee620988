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
struct RowDecoder: Sendable {
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
        var scanner = JSONScanner(line, maxDepth: maxDepth)
        do { try scanner.expect(UInt8(ascii: "["), "'['") } catch { throw Self.syntax(error, nil) }
        let specs = self.specs
        let count = specs.count
        var values: [Value] = []
        if materialize { values.reserveCapacity(count) }
        for i in 0..<count {
            if i > 0 {
                guard scanner.consume(UInt8(ascii: ",")) else {
                    if scanner.consume(UInt8(ascii: "]")) {
                        throw RowFailure(code: .wrongArity, message: "row has \(i) cells, the table has \(count) columns")
                    }
                    throw RowFailure(code: .badJSON, message: "expected ',' or ']' (at byte \(scanner.position) of the line)")
                }
            } else {
                scanner.skipWhitespace()
                if scanner.peek() == UInt8(ascii: "]") {
                    throw RowFailure(code: .wrongArity, message: "row has 0 cells, the table has \(count) columns")
                }
            }
            let spec = specs[i]
            do {
                let value = try CellCodec.decode(&scanner, type: spec.type, nullable: spec.nullable, materialize: materialize)
                if materialize { values.append(value) }
            } catch {
                let column = table.columns[i]
                switch error {
                case .null:
                    throw RowFailure(code: .nullViolation, message: "null in a column that is not nullable", column: column.name)
                case .mismatch(let message):
                    throw RowFailure(code: .typeMismatch, message: "\(message) (\(column.type.rawValue) column)", column: column.name)
                case .json(let failure):
                    throw Self.syntax(failure, column.name)
                }
            }
        }
        if scanner.consume(UInt8(ascii: ",")) {
            throw RowFailure(code: .wrongArity, message: "row has more cells than the table's \(count) columns")
        }
        do {
            try scanner.expect(UInt8(ascii: "]"), "']'")
            try scanner.expectEnd()
        } catch {
            throw Self.syntax(error, nil)
        }
        return values
    }

    private static func syntax(_ failure: JSONScanner.Failure, _ column: String?) -> RowFailure {
        RowFailure(code: .badJSON, message: "\(failure.message) (at byte \(failure.column) of the line)", column: column)
    }
}
