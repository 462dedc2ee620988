internal import CLibPQ

/// The result of one statement. The corresponding C type is `PGresult *`; freed with `PQclear` on deinit.
package final class PGResult {
    private let handle: OpaquePointer

    init(_ handle: OpaquePointer) { self.handle = handle }

    deinit { PQclear(handle) }

    var raw: OpaquePointer { handle }

    /// The number of rows.
    package var rowCount: Int { Int(PQntuples(handle)) }

    /// The number of columns.
    package var columnCount: Int { Int(PQnfields(handle)) }

    /// The value at `row`, `column` in text form; nil for SQL NULL.
    package func string(_ row: Int, _ column: Int) -> String? {
        guard row < rowCount, column < columnCount else { return nil }
        if PQgetisnull(handle, Int32(row), Int32(column)) != 0 { return nil }
        guard let pointer = PQgetvalue(handle, Int32(row), Int32(column)) else { return nil }
        let length = Int(PQgetlength(handle, Int32(row), Int32(column)))
        return pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
    }

    /// The rows affected, from the command tag (`COPY 42` → 42); nil when the command reports none.
    package var affectedRows: Int64? {
        guard let tuples = PQcmdTuples(handle) else { return nil }
        return Int64(String(cString: tuples))
    }

    /// Every row, each column in text form.
    package var rows: [[String?]] {
        (0..<rowCount).map { r in (0..<columnCount).map { c in string(r, c) } }
    }
}

@available(*, unavailable)
extension PGResult: Sendable {}
