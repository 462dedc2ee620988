import AuthExport

/// The `--json` documents of every command: one envelope (`ok`, `command`, `json_version`), the same field names
/// for the same thing (`tables` a list of `{name, rows}`, `warnings` a list of `{code, message, table?, column?}`).
///
/// The shapes are documented in docs/cli.md and checked against `spec/cli/COMMAND.schema.json` by the tests;
/// a field is only ever added within a `json_version`.
enum JSONReport {
    /// A successful (`ok: true`) or failed report of `command` with its members.
    static func document(_ command: String, ok: Bool = true, _ members: [(String, JSONValue)]) -> JSONValue {
        .object(
            [("ok", .bool(ok)), ("command", .string(command)), ("json_version", .integer(CLIOutput.jsonVersion))]
                + members)
    }

    /// One warning: `{code, message, table?, column?}`.
    static func warning(code: String, message: String, table: String? = nil, column: String? = nil) -> JSONValue {
        var members: [(String, JSONValue)] = [("code", .string(code)), ("message", .string(message))]
        if let table { members.append(("table", .string(table))) }
        if let column { members.append(("column", .string(column))) }
        return .object(members)
    }

    /// An export warning with its code.
    static func warning(_ warning: ExportWarning, code: String) -> JSONValue {
        Self.warning(code: code, message: warning.message, table: warning.table, column: warning.column)
    }

    /// A table: `{name, rows}` and any further members.
    static func table(_ name: String, rows: Int64, _ more: [(String, JSONValue)] = []) -> JSONValue {
        .object([("name", .string(name)), ("rows", .integer(rows))] + more)
    }

    /// Seconds rounded to the millisecond.
    static func seconds(_ value: Double) -> JSONValue { .double((value * 1000).rounded() / 1000) }
}
