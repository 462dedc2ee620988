/// Text from an archive or a command line (names, producer, paths) made safe to show on a terminal.
///
/// A table named `ESC[2K ESC[1G fake: OK` would erase a real error on screen and print a fake "OK"; a newline in a
/// name would split a one-line error. Every message authx prints goes through ``escaped(_:keepingLineBreaks:)``:
/// control characters (C0, DEL, C1), line and paragraph separators and the bidirectional-text controls are written
/// as visible escapes (`\n`, `\r`, `\t`, `\x1b`, `\u{202e}`). Other characters, backslashes included, are kept, so
/// escaping twice changes nothing. `--json` output needs none of this: its strings are JSON-escaped.
///
/// Spec: docs/safety.md#output
public enum DisplayText {
    /// `text` with every character that could move the cursor, change the terminal or split a line escaped.
    ///
    /// - Parameters:
    ///   - text: the text to show.
    ///   - keepingLineBreaks: keep `\n` and `\t` (a multi-line SQL plan); `\r` and the rest are still escaped.
    /// - Returns: `text` itself when nothing needs escaping.
    public static func escaped(_ text: String, keepingLineBreaks: Bool = false) -> String {
        guard text.unicodeScalars.contains(where: { needsEscape($0, keepingLineBreaks: keepingLineBreaks) }) else {
            return text
        }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar, keepingLineBreaks: keepingLineBreaks) else {
                out.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                let hex = String(scalar.value, radix: 16)
                out += scalar.value < 0x100 ? "\\x" + (hex.count < 2 ? "0" + hex : hex) : "\\u{" + hex + "}"
            }
        }
        return out
    }

    /// A one-line SQL comment of a printed plan: `-- ` and `text` escaped, so a name holding a line break cannot end
    /// the comment and start a statement.
    public static func sqlComment(_ text: String) -> String {
        "-- " + escaped(text)
    }

    /// Whether `scalar` is shown as an escape.
    public static func needsEscape(_ scalar: Unicode.Scalar, keepingLineBreaks: Bool = false) -> Bool {
        switch scalar.value {
        case 0x0A, 0x09: return !keepingLineBreaks
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x061C, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }
}
