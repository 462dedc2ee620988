/// One cell of a row line, read and validated but not copied: what a restore converts straight into its
/// target's storage without building a ``Value`` first.
///
/// The buffers point into the line being read or into the decoder's scratch space; they are valid only during
/// the call that receives the view. ``value`` makes an owned copy.
package enum CellView {
    /// SQL NULL.
    case null
    /// A boolean.
    case boolean(Bool)
    /// A signed 64-bit integer.
    case integer(Int64)
    /// A double, including non-finite values.
    case real(Double)
    /// The UTF-8 of a string cell, escapes resolved: text, or the canonical form of a decimal, uuid, timestamp,
    /// date or time.
    case text(UnsafeRawBufferPointer)
    /// The decoded bytes of a bytes cell (or of a `bytes`-tagged cell of an `any` column).
    case bytes(UnsafeRawBufferPointer)
    /// The compact JSON text of a json cell, its `{"$": …}` wrapper removed; `null` is JSON null.
    case json(UnsafeRawBufferPointer)
    /// The bytes of a `text_bytes`-tagged cell of an `any` column (text that is not valid UTF-8).
    case invalidText(UnsafeRawBufferPointer)

    /// An owned copy.
    package var value: Value {
        switch self {
        case .null: return .null
        case .boolean(let b): return .boolean(b)
        case .integer(let i): return .integer(i)
        case .real(let d): return .real(d)
        case .text(let utf8): return .text(String(decoding: utf8, as: UTF8.self))
        case .bytes(let bytes): return .bytes(Array(bytes))
        case .json(let utf8): return .json(String(decoding: utf8, as: UTF8.self))
        case .invalidText(let bytes): return .invalidText(Array(bytes))
        }
    }
}

/// Receives the cells of a row one at a time, in column order, as ``RowDecoder/decode(_:scratch:into:)`` reads
/// and validates them.
package protocol RowCellSink {
    /// Takes the cell of column `column` (0-based). The view is valid only during the call.
    ///
    /// - Throws: `ArchiveError` when the sink cannot take the value (such as a value its target cannot store);
    ///   the reader fills in the location the sink leaves unset.
    mutating func cell(_ view: CellView, column: Int) throws(ArchiveError)
}

/// A sink that copies a row's cells into values.
struct ValueCollector: RowCellSink {
    var values: [Value] = []

    mutating func cell(_ view: CellView, column: Int) { values.append(view.value) }
}

/// A sink that ignores the cells (validation only).
struct DiscardingSink: RowCellSink {
    mutating func cell(_ view: CellView, column: Int) {}
}

extension Value {
    /// Calls `body` with a view of the value: the cell a reader would hand a ``RowCellSink`` for it.
    package func withCellView<R, Failure: Error>(_ body: (CellView) throws(Failure) -> R) throws(Failure) -> R {
        switch self {
        case .null: return try body(.null)
        case .boolean(let b): return try body(.boolean(b))
        case .integer(let i): return try body(.integer(i))
        case .real(let d): return try body(.real(d))
        case .text(var s): return try s.withUTF8 { utf8 in Result { () throws(Failure) in try body(.text(UnsafeRawBufferPointer(utf8))) } }.get()
        case .bytes(let b): return try b.withUnsafeBytes { raw in Result { () throws(Failure) in try body(.bytes(raw)) } }.get()
        case .json(var s): return try s.withUTF8 { utf8 in Result { () throws(Failure) in try body(.json(UnsafeRawBufferPointer(utf8))) } }.get()
        case .invalidText(let b): return try b.withUnsafeBytes { raw in Result { () throws(Failure) in try body(.invalidText(raw)) } }.get()
        }
    }
}
