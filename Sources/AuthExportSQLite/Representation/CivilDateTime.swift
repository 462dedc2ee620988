import AuthExport

/// A calendar date and time of day with the fraction digits exactly as written, and its parsers and printers.
///
/// Years are 0001 to 9999 (the range of the canonical forms). The fraction keeps its digit count, so
/// `05.5` and `05.500000` stay distinct and the original text can be reproduced.
struct CivilDateTime: Hashable, Sendable {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int = 0
    var minute: Int = 0
    var second: Int = 0
    /// The fraction's digits as an integer (`.0120` → 120 with `fractionDigits` 4).
    var fraction: Int = 0
    /// How many fraction digits were written: 0 (no fraction) to 6.
    var fractionDigits: Int = 0

    /// Seconds since 1970-01-01T00:00:00 of this wall-clock time read as UTC (the fraction is not included).
    var epochSeconds: Int64 {
        Int64(CanonicalForms.daysFromCivil(year: year, month: month, day: day)) * 86_400
            + Int64(hour * 3600 + minute * 60 + second)
    }

    /// The wall-clock time `epochSeconds` seconds after the epoch (UTC), with the given fraction; nil outside
    /// years 0001-9999.
    static func fromEpoch(_ epochSeconds: Int64, fraction: Int = 0, fractionDigits: Int = 0) -> CivilDateTime? {
        guard epochSeconds >= minEpochSeconds && epochSeconds <= maxEpochSeconds else { return nil }
        let days = epochSeconds.floorDivided(by: 86_400)
        let secondsOfDay = Int(epochSeconds - days * 86_400)
        let (y, m, d) = CanonicalForms.civilFromDays(Int(days))
        return CivilDateTime(
            year: y, month: m, day: d, hour: secondsOfDay / 3600, minute: secondsOfDay / 60 % 60,
            second: secondsOfDay % 60, fraction: fraction, fractionDigits: fractionDigits)
    }

    /// 0001-01-01T00:00:00Z.
    static let minEpochSeconds: Int64 = -62_135_596_800
    /// 9999-12-31T23:59:59Z.
    static let maxEpochSeconds: Int64 = 253_402_300_799

    // MARK: Calendar arithmetic (proleptic Gregorian; H. Hinnant's algorithms)

    static func isLeapYear(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

}

// MARK: - Parsing

extension CivilDateTime {
    /// Parses `YYYY-MM-DD` at `index`; the date must exist (leap years checked).
    ///
    /// Returns the index after it.
    static func parseDate(_ s: UnsafeRawBufferPointer, at index: Int, into value: inout CivilDateTime) -> Int? {
        guard index + 10 <= s.count, let year = digits(s, index, 4), s[index + 4] == ASCIIByte.dash,
            let month = digits(s, index + 5, 2), s[index + 7] == ASCIIByte.dash, let day = digits(s, index + 8, 2),
            year >= 1, month >= 1, month <= 12, day >= 1, day <= daysInMonth(year: year, month: month)
        else { return nil }
        value.year = year
        value.month = month
        value.day = day
        return index + 10
    }

    /// Parses `HH:MM:SS[.f{1,6}]` at `index` (00:00:00 to 23:59:59.999999).
    ///
    /// Returns the index after it.
    static func parseTime(_ s: UnsafeRawBufferPointer, at index: Int, into value: inout CivilDateTime) -> Int? {
        guard index + 8 <= s.count, let hour = digits(s, index, 2), s[index + 2] == ASCIIByte.colon,
            let minute = digits(s, index + 3, 2), s[index + 5] == ASCIIByte.colon, let second = digits(s, index + 6, 2),
            hour <= 23, minute <= 59, second <= 59
        else { return nil }
        value.hour = hour
        value.minute = minute
        value.second = second
        value.fraction = 0
        value.fractionDigits = 0
        var end = index + 8
        if end < s.count, s[end] == ASCIIByte.dot {
            end += 1
            var fraction = 0
            var count = 0
            while end < s.count, ASCIIByte.isDigit(s[end]) {
                count += 1
                guard count <= 6 else { return nil }
                fraction = fraction * 10 + Int(s[end] &- ASCIIByte.zero)
                end += 1
            }
            guard count > 0 else { return nil }
            value.fraction = fraction
            value.fractionDigits = count
        }
        return end
    }

    /// Parses `YYYY-MM-DD<separator>HH:MM:SS[.f{1,6}]` at the start of `s`; returns the index after it.
    static func parseDateTime(_ s: UnsafeRawBufferPointer, separator: UInt8) -> (CivilDateTime, Int)? {
        var value = CivilDateTime(year: 1, month: 1, day: 1)
        guard let afterDate = parseDate(s, at: 0, into: &value), afterDate < s.count, s[afterDate] == separator,
            let end = parseTime(s, at: afterDate + 1, into: &value)
        else { return nil }
        return (value, end)
    }

    /// Parses a UTC offset `+HH:MM` or `-HH:MM` (hours ≤ 23) spanning exactly `s[index...]`; returns seconds.
    static func parseOffset(_ s: UnsafeRawBufferPointer, at index: Int) -> Int? {
        guard index <= s.count else { return nil }
        return TimeZoneNames.offsetSeconds(UnsafeRawBufferPointer(rebasing: s[index...]))  // the reader's rule
    }

    private static func digits(_ s: UnsafeRawBufferPointer, _ at: Int, _ count: Int) -> Int? {
        var value = 0
        for i in at..<at + count {
            let b = s[i]
            guard ASCIIByte.isDigit(b) else { return nil }
            value = value * 10 + Int(b &- ASCIIByte.zero)
        }
        return value
    }
}

// MARK: - Printing

extension CivilDateTime {
    /// Appends `YYYY-MM-DD`.
    func appendDate(to out: inout [UInt8]) {
        CivilDateTime.appendDigits(year, 4, to: &out)
        out.append(ASCIIByte.dash)
        CivilDateTime.appendDigits(month, 2, to: &out)
        out.append(ASCIIByte.dash)
        CivilDateTime.appendDigits(day, 2, to: &out)
    }

    /// Appends `HH:MM:SS[.f]` with the value's own fraction digits.
    func appendTime(to out: inout [UInt8]) {
        CivilDateTime.appendDigits(hour, 2, to: &out)
        out.append(ASCIIByte.colon)
        CivilDateTime.appendDigits(minute, 2, to: &out)
        out.append(ASCIIByte.colon)
        CivilDateTime.appendDigits(second, 2, to: &out)
        if fractionDigits > 0 {
            out.append(ASCIIByte.dot)
            CivilDateTime.appendDigits(fraction, fractionDigits, to: &out)
        }
    }

    /// Appends `YYYY-MM-DD<separator>HH:MM:SS[.f]`.
    func appendDateTime(separator: UInt8, to out: inout [UInt8]) {
        appendDate(to: &out)
        out.append(separator)
        appendTime(to: &out)
    }

    /// Appends `+HH:MM` / `-HH:MM` for an offset in seconds (whole minutes).
    static func appendOffset(_ seconds: Int, to out: inout [UInt8]) {
        out.append(seconds < 0 ? ASCIIByte.dash : ASCIIByte.plus)
        let magnitude = abs(seconds)
        appendDigits(magnitude / 3600, 2, to: &out)
        out.append(ASCIIByte.colon)
        appendDigits(magnitude / 60 % 60, 2, to: &out)
    }

    static func appendDigits(_ value: Int, _ width: Int, to out: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<max(width, 1) { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            out.append(ASCIIByte.zero &+ UInt8(rest / divisor % 10))
            rest %= divisor
            divisor /= 10
        }
    }
}

extension Int64 {
    /// Division rounding toward negative infinity.
    func floorDivided(by divisor: Int64) -> Int64 {
        let q = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? q - 1 : q
    }
}

/// ASCII bytes used by the representation parsers and printers.
enum ASCIIByte {
    static let zero = UInt8(ascii: "0")
    static let dash = UInt8(ascii: "-")
    static let plus = UInt8(ascii: "+")
    static let colon = UInt8(ascii: ":")
    static let dot = UInt8(ascii: ".")
    static let space = UInt8(ascii: " ")
    static let letterT = UInt8(ascii: "T")
    static let letterZ = UInt8(ascii: "Z")

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b &- zero < 10 }
}
