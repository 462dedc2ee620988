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
        /// A step of the work after loading (``phase``: keys and indexes, foreign keys, ANALYZE…) started, on
        /// ``table``; ``stepsDone`` of ``stepsTotal`` steps of that phase came before it.
        case phase
        /// The work waits for a lock another session holds: ``table`` is what it waits for (a table, or the kind
        /// of lock), ``lockHolders`` the sessions (server process IDs) holding it, ``waitedSeconds`` how long so
        /// far. Sent about once a second while the wait lasts, then once with an empty ``table``: the wait ended.
        case lockWait
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

    /// For `.phase`: what is being done after the load, such as `keys and indexes`.
    public var phase: String?
    /// For `.phase`: the steps of this phase already done.
    public var stepsDone: Int
    /// For `.phase`: the steps of this phase, where known.
    public var stepsTotal: Int?

    /// For `.lockWait`: the server process IDs of the sessions holding the lock.
    public var lockHolders: [Int32] = []
    /// For `.lockWait`: how long the wait has lasted, in seconds.
    public var waitedSeconds: Double = 0

    /// Creates an event.
    public init(kind: Kind, table: String, rowsDone: Int64, rowsTotal: Int64?, bytesDone: Int64) {
        self.kind = kind
        self.table = table
        self.rowsDone = rowsDone
        self.rowsTotal = rowsTotal
        self.bytesDone = bytesDone
        self.stepsDone = 0
    }

    /// A `.lockWait` event: waiting for a lock on `table` held by `holders` for `waitedSeconds` (an empty `table`:
    /// the wait ended).
    public static func lockWait(on table: String, heldBy holders: [Int32], waitedSeconds: Double) -> ProgressEvent {
        var event = ProgressEvent(kind: .lockWait, table: table, rowsDone: 0, rowsTotal: nil, bytesDone: 0)
        event.lockHolders = holders
        event.waitedSeconds = waitedSeconds
        return event
    }

    /// A `.phase` event: step `done` of `total` of `phase`, on `table`.
    public static func phase(_ phase: String, table: String, done: Int, of total: Int?, bytesDone: Int64) -> ProgressEvent {
        var event = ProgressEvent(kind: .phase, table: table, rowsDone: 0, rowsTotal: nil, bytesDone: bytesDone)
        event.phase = phase
        event.stepsDone = done
        event.stepsTotal = total
        return event
    }
}

/// Receives progress events; called on the thread doing the work, so it must return quickly.
public typealias ProgressHandler = @Sendable (ProgressEvent) -> Void
