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
    package static func isDate(_ s: UnsafeRawBufferPointer) -> Bool {
        s.count == 10 && dateAt(s, 0)
    }

    /// `HH:MM:SS[.f{1,6}]`, 00:00:00 to 23:59:59.999999 (24:00:00 allowed, as in SQL).
    package static func isTime(_ s: UnsafeRawBufferPointer) -> Bool {
        guard let end = timeAt(s, 0) else { return false }
        return end == s.count
    }

    /// `YYYY-MM-DDTHH:MM:SS[.f{1,6}]Z`.
    package static func isTimestamp(_ s: UnsafeRawBufferPointer) -> Bool {
        guard s.count >= 20, dateAt(s, 0), s[10] == UInt8(ascii: "T"), let end = timeAt(s, 11, allow24: false)
        else { return false }
        return end == s.count - 1 && s[end] == UInt8(ascii: "Z")
    }

    private static func equals(_ s: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
        guard s.count == literal.utf8CodeUnitCount else { return false }
        let p = literal.utf8Start
        for i in 0..<s.count where s[i] != p[i] { return false }
        return true
    }

    private static func digits(_ s: UnsafeRawBufferPointer, _ at: Int, _ count: Int) -> Int? {
        guard at + count <= s.count else { return nil }
        var value = 0
        for i in at..<at + count {
            guard isDigit(s[i]) else { return nil }
            value = value * 10 + Int(s[i] - UInt8(ascii: "0"))
        }
        return value
    }

    private static func dateAt(_ s: UnsafeRawBufferPointer, _ at: Int) -> Bool {
        guard let year = digits(s, at, 4), s.count > at + 4, s[at + 4] == UInt8(ascii: "-"),
            let month = digits(s, at + 5, 2), s.count > at + 7, s[at + 7] == UInt8(ascii: "-"),
            let day = digits(s, at + 8, 2)
        else { return false }
        guard year >= 1, month >= 1, month <= 12, day >= 1 else { return false }
        return day <= daysInMonth(year: year, month: month)
    }

    package static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Parses `HH:MM:SS[.f{1,6}]` at `at`; returns the index after it.
    private static func timeAt(_ s: UnsafeRawBufferPointer, _ at: Int, allow24: Bool = true) -> Int? {
        guard let hour = digits(s, at, 2), s.count > at + 2, s[at + 2] == UInt8(ascii: ":"),
            let minute = digits(s, at + 3, 2), s.count > at + 5, s[at + 5] == UInt8(ascii: ":"),
            let second = digits(s, at + 6, 2)
        else { return nil }
        var end = at + 8
        var fractionIsZero = true
        if end < s.count, s[end] == UInt8(ascii: ".") {
            let start = end + 1
            end = start
            while end < s.count, isDigit(s[end]) {
                if s[end] != UInt8(ascii: "0") { fractionIsZero = false }
                end += 1
            }
            let count = end - start
            guard count >= 1 && count <= 6 else { return nil }
        }
        if hour == 24 && allow24 && minute == 0 && second == 0 && fractionIsZero { return end }
        guard hour <= 23, minute <= 59, second <= 59 else { return nil }
        return end
    }
}
