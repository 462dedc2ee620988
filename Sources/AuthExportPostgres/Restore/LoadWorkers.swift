import AuthExport
internal import Foundation

/// `--jobs N`: N connections, each loading whole tables into a private staging schema in its own transaction
/// (CREATE TABLE, COPY, primary key, UNIQUE, CHECK, indexes, COMMIT), while the reading thread goes on with the
/// next table. The coordinator then moves every table into the target schema in one final transaction.
final class LoadWorkers: @unchecked Sendable {
    /// What a worker is told.
    enum Message {
        case begin(TableJob)
        case rows([[Value]])
        case end
    }

    /// One table to load.
    struct TableJob: @unchecked Sendable {
        var index: Int
        var plan: TablePlan
        var createSQL: String
        var before: [PlannedStatement]
        var after: [PlannedStatement]
        var format: CopyEncoder.Format
    }

    /// A finished table.
    struct Finished: @unchecked Sendable {
        var index: Int
        var plan: TablePlan
        var rows: Int64
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

    /// Starts `count` workers connected with `conninfo`, loading into `schema`.
    init(count: Int, conninfo: String, schema: String) throws {
        queues = Array(repeating: [], count: count)
        queuedBytes = Array(repeating: 0, count: count)
        busy = Array(repeating: false, count: count)
        maxQueueBytes = 8 << 20
        self.schema = schema
        // Connect first, on this thread, so a connection problem is reported at once.
        var connections: [PGConnection] = []
        for _ in 0..<count { connections.append(try PGConnection(conninfo: conninfo)) }
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

    /// Queues rows for worker `worker`, waiting while its queue is full.
    func send(_ rows: [[Value]], bytes: Int, to worker: Int) throws {
        condition.lock()
        defer { condition.unlock() }
        while queuedBytes[worker] + bytes > maxQueueBytes && !queues[worker].isEmpty && failure == nil { condition.wait() }
        if let failure { throw failure }
        queues[worker].append(.rows(rows))
        queuedBytes[worker] += bytes
        condition.broadcast()
    }

    func end(worker: Int) throws {
        condition.lock()
        defer { condition.unlock() }
        if let failure { throw failure }
        queues[worker].append(.end)
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
        if case .rows(let rows) = message {
            queuedBytes[i] -= rows.reduce(0) { $0 + RecordPrefetcher.size($1) }
            queuedBytes[i] = max(0, queuedBytes[i])
        }
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
        var loader: TableLoader?
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
                    let l = TableLoader(
                        connection: connection, plan: j.plan, schema: schema, format: j.format, mayWiden: true, freeze: true)
                    try l.begin()
                    loader = l
                case .rows(let rows):
                    guard let loader else { continue }
                    for row in rows { try loader.append(row) }
                case .end:
                    guard let l = loader, let j = job else { continue }
                    let rows = try l.finish()
                    guard rows == l.rows else {
                        throw PostgresError(
                            .server, "the server loaded \(rows) rows, the archive has \(l.rows)",
                            location: .init(table: j.plan.source.name))
                    }
                    notes.append(contentsOf: l.notes)
                    for statement in j.after { try RestoreSession.run(statement, on: connection, notes: &notes) }
                    try connection.execute("COMMIT")
                    condition.lock()
                    finished.append(Finished(index: j.index, plan: l.plan, rows: rows, notes: notes))
                    busy[i] = false
                    condition.broadcast()
                    condition.unlock()
                    loader = nil
                    job = nil
                }
            } catch {
                loader?.abort()
                loader = nil
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

/// Hands a connection to its worker thread, which becomes its only user.
private final class ConnectionBox: @unchecked Sendable {
    let connection: PGConnection
    init(_ connection: PGConnection) { self.connection = connection }
}
