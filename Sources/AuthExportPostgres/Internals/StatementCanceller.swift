internal import Foundation
import Synchronization

/// Stops the server's work at once when a restore is cancelled (Ctrl-C): polls the restore's `isCancelled` on a
/// thread of its own and, from then on, asks the server every 200 ms to cancel whatever statement each watched
/// connection runs — a long `CREATE INDEX`, a COPY, a wait for a lock — until ``stop()``. Without it a cancelled
/// restore would notice only when the running statement ended (possibly never, for a lock wait without
/// `lock_timeout`). The statement then fails with SQLSTATE 57014 and the restore rolls back as on any error.
final class StatementCanceller: Sendable {
    private struct State {
        var handles: [CancelHandle] = []
        var stopped = false
    }

    private let state = Mutex(State())
    /// Wakes the thread early (``stop()``).
    private let wake = DispatchSemaphore(value: 0)
    /// Signalled by the thread as it ends.
    private let ended = DispatchSemaphore(value: 0)

    /// Starts watching `isCancelled`.
    init(isCancelled: @escaping @Sendable () -> Bool) {
        let thread = Thread { [self] in
            defer { ended.signal() }
            var cancelling = false
            while true {
                let handles: [CancelHandle]? = state.withLock { $0.stopped ? nil : $0.handles }
                guard let handles else { return }
                if cancelling || isCancelled() {
                    cancelling = true
                    for handle in handles { handle.cancel() }
                }
                _ = wake.wait(timeout: .now() + .milliseconds(cancelling ? 200 : 100))
            }
        }
        thread.stackSize = 256 << 10
        thread.start()
    }

    /// Watches `connection`'s statements from now on.
    func watch(_ connection: PGConnection) {
        guard let handle = connection.cancelHandle() else { return }
        state.withLock { $0.handles.append(handle) }
    }

    /// Stops watching and waits for the thread to end, so that no cancel request reaches a statement run after
    /// this returns (the rollback and clean-up of a failed restore). Call once.
    func stop() {
        state.withLock {
            $0.stopped = true
            $0.handles = []
        }
        wake.signal()
        ended.wait()
    }
}
