import AuthExport
import AuthExportPostgres

/// The one gate of everything authx prints: standard output, standard error, the progress line and `--json`.
///
/// Every line is masked (``ConnectionTarget/maskingPasswords(in:secrets:)``: the passwords of this run's
/// arguments, any `scheme://user:PASSWORD@` and `password=` value) and then escaped
/// (``DisplayText/escaped(_:keepingLineBreaks:)``: names from an archive cannot move the cursor, recolour the
/// terminal or split a one-line message). JSON documents are masked and keep their JSON escaping; the few
/// characters JSON allows raw but a terminal obeys (DEL, C1 controls, bidirectional controls) become `\uXXXX`.
/// docs/safety.md "What authx prints".
enum SafeOutput {
    /// Passwords of this run's URL-looking and `password=` arguments (at least 4 characters: a shorter one would
    /// mask common words; the patterns still mask it where it appears in a URL or keyword string).
    nonisolated(unsafe) static var secrets: [String] = []

    /// Collects the passwords of every argument that looks like a connection string (`--to=URL` included).
    static func register(arguments: [String]) {
        var found: [String] = []
        for argument in arguments {
            let value = argument.hasPrefix("--") ? argument.split(separator: "=", maxSplits: 1).last.map(String.init) ?? argument : argument
            for candidate in Set([argument, value])
            where candidate.contains("://") || candidate.contains("password") {
                found += ConnectionTarget.passwords(in: candidate)
            }
        }
        secrets = Array(Set(found.filter { $0.count >= 4 }))
    }

    /// A one-line message: masked, every control character escaped (a newline in a name cannot split it).
    static func line(_ text: String) -> String {
        DisplayText.escaped(ConnectionTarget.maskingPasswords(in: text, secrets: secrets))
    }

    /// Multi-line text (a SQL plan, the help): masked, escaped but for `\n` and `\t`.
    static func block(_ text: String) -> String {
        DisplayText.escaped(ConnectionTarget.maskingPasswords(in: text, secrets: secrets), keepingLineBreaks: true)
    }

    /// A compact JSON document: masked; DEL, C1 and bidirectional controls (raw in valid JSON) as `\uXXXX`.
    static func json(_ text: String) -> String {
        let masked = ConnectionTarget.maskingPasswords(in: text, secrets: secrets)
        guard masked.unicodeScalars.contains(where: { DisplayText.needsEscape($0) }) else { return masked }
        var out = ""
        for scalar in masked.unicodeScalars {
            if DisplayText.needsEscape(scalar) && scalar.value <= 0xFFFF {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// Prints one line of a report on standard output (masked, escaped).
func printLine(_ text: String = "") {
    print(SafeOutput.line(text))
}

/// Prints multi-line text (a SQL plan) on standard output (masked, escaped but for line breaks).
func printBlock(_ text: String, terminator: String = "\n") {
    print(SafeOutput.block(text), terminator: terminator)
}
