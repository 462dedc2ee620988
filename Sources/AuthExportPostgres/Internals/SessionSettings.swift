/// Server settings a connection starts with, sent in the connection's startup packet (libpq's `options`,
/// `-c name=value`) so that they hold from the session's first statement: a role or database default such as a
/// 1 ms `statement_timeout` (common on managed PostgreSQL) can then never cancel a statement authx runs before
/// its own settings, since there is no such statement. The user's own `options` (in the connection string or
/// `PGOPTIONS`) are kept and come first; ours come after them, so they win for the same setting.
///
/// The settings of a long bulk job — a restore or an export — are those pg_restore and pg_dump set: a COPY or an
/// index build may take minutes, and a connection may sit idle in its transaction while others work (`--jobs`),
/// so no `statement_timeout` and no `idle_in_transaction_session_timeout`; and a bounded `lock_timeout`
/// (`--lock-wait-timeout`). The server also checks every second that the client is still there
/// (`client_connection_check_interval`, PostgreSQL 14+ on Linux), so the statement of a client killed by SIGKILL
/// stops within about a second instead of running to its end; an older server, which does not know the setting,
/// gets the connection without it.
struct SessionSettings: Sendable, Equatable {
    /// The settings, in order: name (a PostgreSQL setting name) and value (letters, digits, `_`, `,`, `.`, `-`).
    private(set) var parameters: [(name: String, value: String)]

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.parameters.elementsEqual(rhs.parameters) { $0.name == $1.name && $0.value == $1.value }
    }

    /// No settings: the server's and the role's defaults.
    static let none = SessionSettings(parameters: [])

    /// A restore's or an export's settings (see the type's documentation).
    static func bulkJob(lockWaitTimeout: Duration?) -> SessionSettings {
        SessionSettings(parameters: [
            ("statement_timeout", "0"),
            ("idle_in_transaction_session_timeout", "0"),
            ("lock_timeout", String(lockTimeoutMilliseconds(lockWaitTimeout))),
            (clientCheck, "1000"),
        ])
    }

    /// The setting a server before PostgreSQL 14 does not know: left out when it refuses it.
    static let clientCheck = "client_connection_check_interval"

    /// These settings without ``clientCheck``.
    var withoutClientCheck: SessionSettings {
        SessionSettings(parameters: parameters.filter { $0.name != Self.clientCheck })
    }

    /// These settings followed by `more` (which win for the same name).
    func adding(_ more: [(name: String, value: String)]) -> SessionSettings {
        SessionSettings(parameters: parameters + more)
    }

    /// The value of libpq's `options` connection parameter: `-c name=value` for each setting.
    var startupOptions: String {
        parameters.map { "-c \($0.name)=\(Self.escapeOptionValue($0.value))" }.joined(separator: " ")
    }

    /// The same settings as `SET` statements, for a printed plan that `psql -f` runs.
    var setStatements: [String] {
        parameters.map { name, value in
            let literal = value.allSatisfy { $0.isASCII && $0.isNumber } ? value : "'\(value.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''"))'"
            return "SET \(name) = \(literal)"
        }
    }

    /// libpq splits `options` at white space; a backslash escapes the next character.
    private static func escapeOptionValue(_ value: String) -> String {
        var escaped = ""
        for character in value {
            if character == " " || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
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
