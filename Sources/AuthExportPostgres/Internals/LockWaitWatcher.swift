internal import Foundation
import AuthExport
import Synchronization

/// Says what a restore or an export is waiting for while another session holds a lock it needs: once a second, on a
/// connection of its own, it asks the server whether a watched connection's backend waits for a lock and which
/// sessions block it (`pg_locks`, `pg_blocking_pids`), and reports it as a ``ProgressEvent/Kind/lockWait`` event
/// (`waiting for a lock on table users held by pid 4242`); when the wait ends, an event with no holders. Without
/// it the progress line froze with no word of why (issue 15). Only made when someone draws progress.
final class LockWaitWatcher: Sendable {
    private struct State {
        var pids: [Int32] = []
        var stopped = false
    }

    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let ended = DispatchSemaphore(value: 0)

    /// Starts polling the server of `conninfo`; events go to `progress`.
    init(conninfo: String, progress: @escaping ProgressHandler) {
        let thread = Thread { [self] in
            defer { ended.signal() }
            var monitor: PGConnection?
            defer { monitor?.close() }
            var waiting: (table: String, since: Date)?
            while true {
                _ = wake.wait(timeout: .now() + .seconds(1))
                let pids: [Int32]? = state.withLock { $0.stopped ? nil : $0.pids }
                guard let pids else { return }
                guard !pids.isEmpty else { continue }
                do {
                    if monitor == nil {
                        monitor = try PGConnection(
                            conninfo: conninfo, settings: .none.adding([("application_name", "authx lock watch")]))
                    }
                    guard let monitor else { continue }
                    let result = try monitor.execute(
                        """
                        SELECT coalesce(CASE c.relkind WHEN 'i' THEN 'index ' WHEN 'S' THEN 'sequence ' WHEN 'v' THEN 'view '
                                          ELSE 'table ' END || c.relname, l.locktype || ' lock'),
                               array_to_string(pg_blocking_pids(l.pid), ', ')
                        FROM pg_locks l LEFT JOIN pg_class c ON c.oid = l.relation
                        WHERE NOT l.granted AND l.pid = ANY($1::int[])
                        ORDER BY l.pid LIMIT 1
                        """, ["{" + pids.map(String.init).joined(separator: ",") + "}"])
                    if result.rowCount == 1, let table = result.string(0, 0) {
                        let holders = (result.string(0, 1) ?? "").split(separator: ",").compactMap {
                            Int32($0.trimmingCharacters(in: .whitespaces))
                        }
                        if waiting?.table != table { waiting = (table, Date()) }
                        progress(.lockWait(on: table, heldBy: holders, waitedSeconds: Date().timeIntervalSince(waiting?.since ?? Date())))
                    } else if waiting != nil {
                        waiting = nil
                        progress(.lockWait(on: "", heldBy: [], waitedSeconds: 0))
                    }
                } catch {
                    // A watcher that cannot ask says nothing: the restore itself goes on (and times out as usual).
                    monitor?.close()
                    monitor = nil
                }
            }
        }
        thread.stackSize = 256 << 10
        thread.start()
    }

    /// Watches the backend of `connection` from now on.
    func watch(_ connection: PGConnection) {
        let pid = connection.backendPID
        guard pid > 0 else { return }
        state.withLock { $0.pids.append(pid) }
    }

    /// Stops polling and waits for the thread to end. Call once.
    func stop() {
        state.withLock { $0.stopped = true }
        wake.signal()
        ended.wait()
    }
}
