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

    /// The names meaning UTC itself.
    package static let utcNames: Set<String> = ["UTC", "Z", "Etc/UTC", "GMT"]

    /// The IANA zone `name` ("Area/Location") as this system's time zone database knows it, or nil. Abbreviations
    /// such as `EST` are refused: they are ambiguous.
    package static func ianaZone(_ name: String) -> TimeZone? {
        guard name.contains("/") else { return nil }
        return TimeZone(identifier: name)
    }

    /// Whether `name` is a `time_zone` a loader can apply: a UTC name, an offset, or a known IANA zone.
    package static func isValidTimeZone(_ name: String) -> Bool {
        utcNames.contains(name) || offsetSeconds(name) != nil || ianaZone(name) != nil
    }

    private static func twoDigits(_ a: UInt8, _ b: UInt8) -> Int? {
        guard (0x30...0x39).contains(a), (0x30...0x39).contains(b) else { return nil }
        return Int(a - 0x30) * 10 + Int(b - 0x30)
    }
}
