/// The session settings of a long bulk job on PostgreSQL — a restore or an export — whatever the role's or
/// database's defaults (as pg_restore and pg_dump set them): a COPY or an index build may take minutes, and a
/// connection may sit idle in its transaction while others work (`--jobs`), so no `statement_timeout` and no
/// `idle_in_transaction_session_timeout`; and a bounded `lock_timeout` (`--lock-wait-timeout`).
enum SessionSettings {
    /// The `SET` statements, in order.
    static func bulkJob(lockWaitTimeout: Duration?) -> [String] {
        [
            "SET statement_timeout = 0",
            "SET idle_in_transaction_session_timeout = 0",
            "SET lock_timeout = \(lockTimeoutMilliseconds(lockWaitTimeout))",
        ]
    }

    /// Refuses a negative `--lock-wait-timeout`.
    static func validate(lockWaitTimeout: Duration?) throws(PostgresError) {
        if let timeout = lockWaitTimeout, timeout < .zero {
            throw PostgresError(.invalidOptions, "--lock-wait-timeout cannot be negative")
        }
    }

    /// `lock_timeout` in milliseconds (0: no limit, for nil or zero), at least 1 for a positive duration and at
    /// most PostgreSQL's maximum.
    static func lockTimeoutMilliseconds(_ timeout: Duration?) -> Int64 {
        guard let timeout, timeout > .zero else { return 0 }
        let (seconds, attoseconds) = timeout.components
        let limit = Int64(Int32.max)
        guard seconds < limit / 1000 else { return limit }
        return min(limit, max(1, seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000))
    }
}
