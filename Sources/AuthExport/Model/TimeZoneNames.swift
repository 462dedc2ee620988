import Foundation

/// The syntax of a column's `time_zone` and `offset` (spec §4.3): `UTC`, `±HH:MM` (hours ≤ 23) or an IANA zone
/// name. Readers reject anything else in the table record, so that a loader never meets a zone it cannot apply.
package enum TimeZoneNames {
    /// The seconds east of UTC of `±HH:MM`, or nil when `text` is not exactly that.
    package static func offsetSeconds(_ text: String) -> Int? {
        var text = text
        return text.withUTF8 { offsetSeconds(UnsafeRawBufferPointer($0)) }
    }

    /// The seconds east of UTC of `±HH:MM` spanning exactly `bytes` (hours ≤ 23), or nil.
    package static func offsetSeconds(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard bytes.count == 6, bytes[0] == UInt8(ascii: "+") || bytes[0] == UInt8(ascii: "-"),
            bytes[3] == UInt8(ascii: ":"),
            let hours = twoDigits(bytes[1], bytes[2]), let minutes = twoDigits(bytes[4], bytes[5]),
            hours <= 23, minutes <= 59
        else { return nil }
        let seconds = hours * 3600 + minutes * 60
        return bytes[0] == UInt8(ascii: "-") ? -seconds : seconds
    }

    /// The names meaning UTC itself; the only single-part names a `time_zone` may have.
    package static let utcNames: Set<String> = ["UTC", "Z", "Etc/UTC", "GMT"]

    /// The IANA zone `name` ("Area/Location") as this system's time zone database knows it, or nil. Abbreviations
    /// and other single-part names such as `EST` or `EST5EDT` are refused: they are ambiguous or legacy.
    package static func ianaZone(_ name: String) -> TimeZone? {
        guard hasIANASyntax(name) else { return nil }
        return TimeZone(identifier: name)
    }

    /// Whether `name` is spelled as an IANA zone name (spec §4.3.1): two or more `/`-separated parts of 1 to 14
    /// characters from `A–Z a–z 0–9 . _ + -`, none of them `.` or `..`, the first starting with a letter; at most
    /// 64 characters. Whether a time zone database knows the name is not asked: validity is a property of the file.
    package static func hasIANASyntax(_ name: String) -> Bool {
        let utf8 = Array(name.utf8)
        guard utf8.count <= 64, let first = utf8.first, isLetter(first) else { return false }
        let parts = utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard parts.count >= 2 else { return false }
        return parts.allSatisfy { part in
            (1...14).contains(part.count) && !part.allSatisfy { $0 == UInt8(ascii: ".") }
                && part.allSatisfy { isLetter($0) || (0x30...0x39).contains($0) || Array("._+-".utf8).contains($0) }
        }
    }

    /// Whether `name` is a valid `time_zone` (spec §4.3.1): a UTC name, an offset, or a name spelled as an IANA
    /// zone. A loader whose time zone database lacks the zone refuses to load it (not an invalid archive).
    package static func isValidTimeZone(_ name: String) -> Bool {
        utcNames.contains(name) || offsetSeconds(name) != nil || hasIANASyntax(name)
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    private static func twoDigits(_ a: UInt8, _ b: UInt8) -> Int? {
        guard (0x30...0x39).contains(a), (0x30...0x39).contains(b) else { return nil }
        return Int(a - 0x30) * 10 + Int(b - 0x30)
    }
}
