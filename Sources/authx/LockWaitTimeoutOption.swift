import ArgumentParser
import Foundation

/// `--lock-wait-timeout TIMEOUT`, shared by `export` and `restore` (PostgreSQL): pg_dump's option and syntax.
struct LockWaitTimeoutOption: ParsableArguments {
    @Option(
        name: .customLong("lock-wait-timeout"),
        help: ArgumentHelp(
            "PostgreSQL: give up when a table stays locked by another session longer than TIMEOUT (restore names the sessions holding the locks): milliseconds as in pg_dump, or with a unit (500ms, 30s, 2min, 1h); 0 waits without limit. Default: 30s.",
            valueName: "TIMEOUT"))
    var text: String?

    /// Whether the option was given.
    var isGiven: Bool { text != nil }

    func validate() throws {
        if let text, Self.parse(text) == nil {
            throw ValidationError(
                "--lock-wait-timeout must be a whole number of milliseconds, or one with a unit (500ms, 30s, 2min, 1h); 0 waits without limit")
        }
    }

    /// The timeout to set in the options when given (`.some(nil)` never happens: validated).
    var duration: Duration?? { text.map(Self.parse) }

    /// A value: a whole number of milliseconds (as `pg_dump --lock-wait-timeout` and PostgreSQL's `lock_timeout`
    /// take it) or one with a unit `ms`, `s`, `min` or `h`; nil when malformed.
    static func parse(_ text: String) -> Duration? {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 9, let value = Int64(digits) else { return nil }
        switch text.dropFirst(digits.count).trimmingCharacters(in: .whitespaces) {
        case "", "ms": return .milliseconds(value)
        case "s": return .seconds(value)
        case "min": return .seconds(value * 60)
        case "h": return .seconds(value * 3600)
        default: return nil
        }
    }
}
