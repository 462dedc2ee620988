import AuthExport
import Foundation

/// Formats byte counts for people: `12.3 MB`.
func formatBytes(_ bytes: Int64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1000 && unit < units.count - 1 {
        value /= 1000
        unit += 1
    }
    return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
}

/// Prints a JSON document (compact, one line) on standard output.
func printJSON(_ value: JSONValue) {
    print(SafeOutput.json(value.compactText))
}

extension ArchiveError {
    /// The error as a JSON object for `--json` reports.
    var json: JSONValue {
        var members: [(String, JSONValue)] = [("code", .string(code.name)), ("message", .string(message))]
        if let v = location.path { members.append(("path", .string(v))) }
        if let v = location.line { members.append(("line", .integer(v))) }
        if let v = location.byteOffset { members.append(("byte_offset", .integer(v))) }
        if let v = location.table { members.append(("table", .string(v))) }
        if let v = location.row { members.append(("row", .integer(v))) }
        if let v = location.column { members.append(("column", .string(v))) }
        members.append(("description", .string(description)))
        return .object(members)
    }
}
