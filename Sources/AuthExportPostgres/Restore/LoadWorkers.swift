import AuthExport
internal import Foundation

/// `--jobs N`: N connections, each loading whole tables into a private staging schema in its own transaction
/// (CREATE TABLE, COPY, primary key, UNIQUE, CHECK, indexes, COMMIT), while the reading thread goes on with the
/// next table. The coordinator then moves every table into the target schema in one final transaction.
///
/// The reading thread encodes the COPY data (a ``TableLoader`` over ``target(for:)``); a worker only sends it and
/// runs the table's statements, so a connection never waits for rows to be decoded.
final class LoadWorkers: @unchecked Sendable {
    /// What a worker is told.
    enum Message {
        case begin(TableJob)
        case beginCopy(String)
        case data([UInt8], rows: Int64)
        case endCopy
        case execute(String, location: ArchiveError.Location, operation: String)
        case end
    }

    /// One table to load.
    struct TableJob: @unchecked Sendable {
        var index: Int
        var plan: TablePlan
        var createSQL: String
        var before: [PlannedStatement]
        var after: [PlannedStatement]
    }

    /// A finished table.
    struct Finished: @unchecked Sendable {
        var index: Int
        var rows: Int64
        /// Notes of the table's statements (its loader's notes stay with the reading thread).
        var notes: [RestoreNote]
    }

    private let condition = NSCondition()
    private var queues: [[Message]]
    private var queuedBytes: [Int]
    private var busy: [Bool]
    private var failure: (any Error)?
    private var finished: [Finished] = []
    private var cancelled = false
    private var live = 0
    private let maxQueueBytes: Int
    private let schema: String

    /// Starts `count` workers connected with `conninfo` and `settings`, loading into `schema`; `prepare` readies
    /// each new connection (cancellation).
    init(
        count: Int, conninfo: String, settings: SessionSettings, schema: String,
        prepare: (PGConnection) throws -> Void
    ) throws {
        queues = Array(repeating: [], count: count)
        queuedBytes = Array(repeating: 0, count: count)
        busy = Array(repeating: false, count: count)
        maxQueueBytes = 8 << 20
        self.schema = schema
        // Connect first, on this thread, so a connection problem is reported at once.
        var connections: [PGConnection] = []
        for _ in 0..<count {
            let connection = try PGConnection(conninfo: conninfo, settings: settings)
            connections.append(connection)
            try prepare(connection)
        }
        for (i, connection) in connections.enumerated() {
            let box = ConnectionBox(connection)
            live += 1
            let thread = Thread { [self] in self.work(i, box.connection) }
            thread.stackSize = 4 << 20
            thread.start()
        }
    }

    /// Waits for an idle worker and gives it the table; returns the worker's number.
    func begin(_ job: TableJob) throws -> Int {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let failure { throw failure }
            if let idle = busy.firstIndex(of: false) {
                busy[idle] = true
                queues[idle].append(.begin(job))
                condition.broadcast()
                return idle
            }
            condition.wait()
        }
    }

    /// The target through which a ``TableLoader`` on the reading thread sends a table to worker `worker`.
    func target(for worker: Int) -> any CopyTarget { QueuedCopyTarget(workers: self, worker: worker) }

    /// Queues a message for worker `worker`, waiting while its queue holds more than 8 MiB of COPY data.
    func post(_ message: Message, bytes: Int = 0, to worker: Int) throws {
        condition.lock()
        defer { condition.unlock() }
        while queuedBytes[worker] + bytes > maxQueueBytes && !queues[worker].isEmpty && failure == nil { condition.wait() }
        if let failure { throw failure }
        queues[worker].append(message)
        queuedBytes[worker] += bytes
        condition.broadcast()
    }

    /// Waits until every table is loaded (or one failed); returns the finished tables.
    func finish(isCancelled: (() -> Bool)? = nil) throws -> [Finished] {
        condition.lock()
        defer { condition.unlock() }
        while failure == nil && busy.contains(true) {
            if isCancelled?() == true { throw PostgresError(.cancelled, "restore cancelled; nothing was changed") }
            _ = condition.wait(until: Date(timeIntervalSinceNow: 0.2))
        }
        if let failure { throw failure }
        return finished
    }

    /// Stops every worker (an open transaction is rolled back) and waits for them to exit.
    func shutdown() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while live > 0 { condition.wait() }
        condition.unlock()
    }

    private func next(_ i: Int) -> Message? {
        condition.lock()
        defer { condition.unlock() }
        while queues[i].isEmpty && !cancelled { condition.wait() }
        guard !cancelled else { return nil }
        let message = queues[i].removeFirst()
        if case .data(let data, _) = message { queuedBytes[i] -= data.count }
        condition.broadcast()
        return message
    }

    private func fail(_ error: any Error) {
        condition.lock()
        if failure == nil { failure = error }
        condition.broadcast()
        condition.unlock()
    }

    private func work(_ i: Int, _ connection: PGConnection) {
        defer {
            connection.close()
            condition.lock()
            live -= 1
            condition.broadcast()
            condition.unlock()
        }
        var target: ConnectionCopyTarget?
        var job: TableJob?
        var notes: [RestoreNote] = []
        while let message = next(i) {
            do {
                switch message {
                case .begin(let j):
                    job = j
                    notes = []
                    try connection.execute("BEGIN")
                    try connection.execute("SET LOCAL client_min_messages = warning")
                    try connection.execute("SET LOCAL search_path = \(PGConnection.quoteIdentifier(schema)), pg_catalog")
                    do {
                        try connection.execute(j.createSQL)
                    } catch {
                        throw error.filling(.init(table: j.plan.source.name), operation: "creating table \(j.plan.source.name)")
                    }
                    for statement in j.before { try RestoreSession.run(statement, on: connection, notes: &notes) }
                    target = ConnectionCopyTarget(connection: connection, plan: j.plan)
                case .beginCopy(let sql):
                    try target?.beginCopy(sql)
                case .data(let data, let rows):
                    try data.withUnsafeBytes { try target?.send($0, rows: rows) }
                case .endCopy:
                    try target?.endCopy()
                case .execute(let sql, let location, let operation):
                    try target?.execute(sql, location: location, operation: operation)
                case .end:
                    guard let t = target, let j = job else { continue }
                    for statement in j.after { try RestoreSession.run(statement, on: connection, notes: &notes) }
                    try connection.execute("COMMIT")
                    condition.lock()
                    finished.append(Finished(index: j.index, rows: t.serverRows, notes: notes))
                    busy[i] = false
                    condition.broadcast()
                    condition.unlock()
                    target = nil
                    job = nil
                }
            } catch {
                target?.abort()
                target = nil
                job = nil
                _ = try? connection.execute("ROLLBACK")
                fail(error)
                // Keep draining until shut down, so the reading thread never blocks on this queue.
                condition.lock()
                busy[i] = false
                condition.unlock()
            }
        }
    }
}

/// Sends a table's COPY to a loading worker: the statements and the data are queued, in order, and run by the
/// worker's connection; the worker's first failure is thrown by the next call.
private final class QueuedCopyTarget: CopyTarget {
    private let workers: LoadWorkers
    private let worker: Int

    init(workers: LoadWorkers, worker: Int) {
        self.workers = workers
        self.worker = worker
    }

    func beginCopy(_ sql: String) throws { try workers.post(.beginCopy(sql), to: worker) }

    func send(_ data: UnsafeRawBufferPointer, rows: Int64) throws {
        guard data.count > 0 else { return }
        try workers.post(.data(Array(data), rows: rows), bytes: data.count, to: worker)
    }

    func endCopy() throws { try workers.post(.endCopy, to: worker) }

    func execute(_ sql: String, location: ArchiveError.Location, operation: String) throws {
        try workers.post(.execute(sql, location: location, operation: operation), to: worker)
    }

    /// Nothing to do here: a failing restore shuts the workers down, which rolls their transactions back.
    func abort() {}
}

/// Hands a connection to its worker thread, which becomes its only user.
private final class ConnectionBox: @unchecked Sendable {
    let connection: PGConnection
    init(_ connection: PGConnection) { self.connection = connection }
}
