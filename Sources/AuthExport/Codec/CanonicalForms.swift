/// Validators for the canonical string forms of logical types. Spec: spec/FORMAT.md#logical-types
package enum CanonicalForms {
    /// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lowercase hex.
    package static func isUUID(_ s: UnsafeRawBufferPointer) -> Bool {
        guard s.count == 36 else { return false }
        for i in 0..<36 {
            let b = s[i]
            if i == 8 || i == 13 || i == 18 || i == 23 {
                if b != UInt8(ascii: "-") { return false }
            } else if !(isDigit(b) || (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "f"))) {
                return false
            }
        }
        return true
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?`, or `NaN`, `Infinity`, `-Infinity`.
    package static func isDecimal(_ s: UnsafeRawBufferPointer) -> Bool {
        if equals(s, "NaN") || equals(s, "Infinity") || equals(s, "-Infinity") { return true }
        var i = 0
        let n = s.count
        if i < n, s[i] == UInt8(ascii: "-") { i += 1 }
        let intStart = i
        while i < n, isDigit(s[i]) { i += 1 }
        let intDigits = i - intStart
        guard intDigits > 0 else { return false }
        if intDigits > 1 && s[intStart] == UInt8(ascii: "0") { return false }
        if i < n, s[i] == UInt8(ascii: ".") {
            i += 1
            let fracStart = i
            while i < n, isDigit(s[i]) { i += 1 }
            guard i > fracStart else { return false }
        }
        return i == n
    }

    /// `YYYY-MM-DD`, a real calendar date from 0001-01-01 to 9999-12-31.
    package static func isDate(_ s: UnsafeRawBufferPointer) -> Bool { date(s) != nil }

    /// `HH:MM:SS[.f{1,6}]`, 00:00:00 to 23:59:59.999999 (24:00:00 allowed, as in SQL).
    package static func isTime(_ s: UnsafeRawBufferPointer) -> Bool { time(s) != nil }

    /// `YYYY-MM-DDTHH:MM:SS[.f{1,6}]Z`.
    package static func isTimestamp(_ s: UnsafeRawBufferPointer) -> Bool { timestamp(s) != nil }

    /// A calendar date read from its canonical form.
    package struct DateParts: Equatable, Sendable {
        package var year: Int
        package var month: Int
        package var day: Int
    }

    /// The date of a canonical `YYYY-MM-DD`, or nil when `s` is not one (see ``isDate(_:)``).
    package static func date(_ s: UnsafeRawBufferPointer) -> DateParts? {
        s.count == 10 ? dateAt0(s) : nil
    }

    /// Microseconds since midnight of a canonical `HH:MM:SS[.f{1,6}]` (`24:00:00` is 86,400,000,000), or nil when
    /// `s` is not one (see ``isTime(_:)``).
    package static func time(_ s: UnsafeRawBufferPointer) -> Int64? {
        guard let (micros, end) = timeAt(s, 0, allow24: true), end == s.count else { return nil }
        return micros
    }

    /// The date and the microseconds since midnight of a canonical `YYYY-MM-DDTHH:MM:SS[.f{1,6}]Z` (UTC), or nil
    /// when `s` is not one (see ``isTimestamp(_:)``). Checking and reading are one pass: a restore converts every
    /// timestamp it checks.
    package static func timestamp(_ s: UnsafeRawBufferPointer) -> (date: DateParts, micros: Int64)? {
        guard s.count >= 20, let date = dateAt0(s), s[10] == UInt8(ascii: "T"),
            let (micros, end) = timeAt(s, 11, allow24: false), end == s.count - 1, s[end] == UInt8(ascii: "Z")
        else { return nil }
        return (date, micros)
    }

    private static func equals(_ s: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
        guard s.count == literal.utf8CodeUnitCount else { return false }
        let p = literal.utf8Start
        for i in 0..<s.count where s[i] != p[i] { return false }
        return true
    }

    // The fixed parts of dates and times are read eight bytes at a time (SWAR): a word's digit bytes are checked
    // together against a mask, and its separators compared at once. Timestamps are a third of the cells of a
    // typical auth table, and a restore both checks and converts each of them.

    /// The eight bytes at `at` as a little-endian word (byte `i` in bits `8i..<8i+8`).
    @inline(__always)
    private static func word(_ s: UnsafeRawBufferPointer, _ at: Int) -> UInt64 {
        UInt64(littleEndian: s.loadUnaligned(fromByteOffset: at, as: UInt64.self))
    }

    /// Whether every byte of `w` that `mask` selects (0xFF) is an ASCII digit: its high nibble is 3, and stays 3
    /// when 6 is added (0x30-0x39, not 0x3A-0x3F). Adding 6 cannot carry out of a digit byte; a carry out of a
    /// byte that is not selected only happens for a byte ≥ 0xFA, which the caller's separator check rejects.
    @inline(__always)
    private static func areDigits(_ w: UInt64, _ mask: UInt64) -> Bool {
        let highs = 0xF0F0_F0F0_F0F0_F0F0 & mask
        let threes = 0x3030_3030_3030_3030 & mask
        return w & highs == threes && (w &+ 0x0606_0606_0606_0606) & highs == threes
    }

    /// Byte `i` of `x` (digits already turned into 0-9 by `^ 0x30…`).
    @inline(__always)
    private static func byte(_ x: UInt64, _ i: Int) -> Int { Int(truncatingIfNeeded: (x &>> UInt64(8 * i)) & 0xFF) }

    /// `YYYY-MM-DD` in the first ten bytes of `s`, a real calendar date.
    @inline(__always)
    private static func dateAt0(_ s: UnsafeRawBufferPointer) -> DateParts? {
        guard s.count >= 10 else { return nil }
        let w = word(s, 0)
        // "YYYY-MM-": digits in bytes 0-3 and 5-6, dashes in bytes 4 and 7.
        guard areDigits(w, 0x00FF_FF00_FFFF_FFFF), w & 0xFF00_00FF_0000_0000 == 0x2D00_002D_0000_0000 else { return nil }
        let d8 = s[8] &- 0x30
        let d9 = s[9] &- 0x30
        guard d8 < 10, d9 < 10 else { return nil }
        let x = w ^ 0x3030_3030_3030_3030
        let year = byte(x, 0) * 1000 + byte(x, 1) * 100 + byte(x, 2) * 10 + byte(x, 3)
        let month = byte(x, 5) * 10 + byte(x, 6)
        let day = Int(d8) * 10 + Int(d9)
        guard year >= 1, month >= 1, month <= 12, day >= 1, day <= daysInMonth(year: year, month: month) else {
            return nil
        }
        return DateParts(year: year, month: month, day: day)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    package static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The proleptic Gregorian date `days` days after 1970-01-01 (H. Hinnant's algorithm).
    package static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    package static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// `HH:MM:SS[.f{1,6}]` at `at`: the microseconds since midnight and the index after it.
    @inline(__always)
    private static func timeAt(_ s: UnsafeRawBufferPointer, _ at: Int, allow24: Bool) -> (Int64, Int)? {
        guard at + 8 <= s.count else { return nil }
        let w = word(s, at)
        // "HH:MM:SS": digits in bytes 0-1, 3-4 and 6-7, colons in bytes 2 and 5.
        guard areDigits(w, 0xFFFF_00FF_FF00_FFFF), w & 0x0000_FF00_00FF_0000 == 0x0000_3A00_003A_0000 else { return nil }
        let x = w ^ 0x3030_3030_3030_3030
        let hour = byte(x, 0) * 10 + byte(x, 1)
        let minute = byte(x, 3) * 10 + byte(x, 4)
        let second = byte(x, 6) * 10 + byte(x, 7)
        var end = at + 8
        var fraction: Int64 = 0
        if end < s.count, s[end] == UInt8(ascii: ".") {
            let start = end + 1
            end = start
            var scale: Int64 = 100_000
            while end < s.count {
                let d = s[end] &- 0x30
                guard d < 10 else { break }
                fraction += Int64(d) * scale
                scale /= 10
                end += 1
            }
            let count = end - start
            guard count >= 1 && count <= 6 else { return nil }
        }
        if hour == 24 && allow24 && minute == 0 && second == 0 && fraction == 0 { return (86_400_000_000, end) }
        guard hour <= 23, minute <= 59, second <= 59 else { return nil }
        return (Int64((hour * 60 + minute) * 60 + second) * 1_000_000 + fraction, end)
    }
}
