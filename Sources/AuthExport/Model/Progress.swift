/// A progress report from a long-running operation (export, verify, restore).
///
/// The library never prints; the CLI turns these into a progress line on a terminal.
public struct ProgressEvent: Sendable {
    /// What happened.
    public enum Kind: Sendable {
        /// Work on a table started; `rowsTotal` is known when the source could count.
        case tableStarted
        /// More rows of the current table are done.
        case rows
        /// The table is done.
        case tableFinished
    }
    /// What happened.
    public var kind: Kind
    /// The table.
    public var table: String
    /// Rows of this table done so far.
    public var rowsDone: Int64
    /// Rows this table has in all, where known.
    public var rowsTotal: Int64?
    /// Bytes processed so far by the whole operation (archive bytes read or written).
    public var bytesDone: Int64

    /// Creates an event.
    public init(kind: Kind, table: String, rowsDone: Int64, rowsTotal: Int64?, bytesDone: Int64) {
        self.kind = kind
        self.table = table
        self.rowsDone = rowsDone
        self.rowsTotal = rowsTotal
        self.bytesDone = bytesDone
    }
}

/// Receives progress events; called on the thread doing the work, so it must return quickly.
public typealias ProgressHandler = @Sendable (ProgressEvent) -> Void
