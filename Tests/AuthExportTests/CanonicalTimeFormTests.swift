import Foundation
import Testing

@testable import AuthExport

/// The date, time and timestamp forms are checked (and read) eight bytes at a time: each is compared here with a
/// byte-by-byte reference on every byte value at every position of valid forms, on truncations and extensions,
/// and on the calendar's edges; the values read are compared with Foundation's calendar.
@Suite struct CanonicalTimeFormTests {
    // MARK: The reference, byte by byte (spec/FORMAT.md, logical types).

    private static func digits(_ s: [UInt8], _ at: Int, _ count: Int) -> Int? {
        guard at + count <= s.count else { return nil }
        var value = 0
        for i in at..<at + count {
            guard s[i] >= 0x30 && s[i] <= 0x39 else { return nil }
            value = value * 10 + Int(s[i] - 0x30)
        }
        return value
    }

    private static func referenceDate(_ s: [UInt8], _ at: Int) -> Bool {
        guard let year = digits(s, at, 4), s.count > at + 4, s[at + 4] == UInt8(ascii: "-"),
            let month = digits(s, at + 5, 2), s.count > at + 7, s[at + 7] == UInt8(ascii: "-"),
            let day = digits(s, at + 8, 2)
        else { return false }
        guard year >= 1, month >= 1, month <= 12, day >= 1 else { return false }
        return day <= CanonicalForms.daysInMonth(year: year, month: month)
    }

    private static func referenceTime(_ s: [UInt8], _ at: Int, allow24: Bool) -> Int? {
        guard let hour = digits(s, at, 2), s.count > at + 2, s[at + 2] == UInt8(ascii: ":"),
            let minute = digits(s, at + 3, 2), s.count > at + 5, s[at + 5] == UInt8(ascii: ":"),
            let second = digits(s, at + 6, 2)
        else { return nil }
        var end = at + 8
        var fractionIsZero = true
        if end < s.count, s[end] == UInt8(ascii: ".") {
            let start = end + 1
            end = start
            while end < s.count, s[end] >= 0x30 && s[end] <= 0x39 {
                if s[end] != UInt8(ascii: "0") { fractionIsZero = false }
                end += 1
            }
            guard end - start >= 1 && end - start <= 6 else { return nil }
        }
        if hour == 24 && allow24 && minute == 0 && second == 0 && fractionIsZero { return end }
        guard hour <= 23, minute <= 59, second <= 59 else { return nil }
        return end
    }

    private static func referenceIsTimestamp(_ s: [UInt8]) -> Bool {
        guard s.count >= 20, referenceDate(s, 0), s[10] == UInt8(ascii: "T"),
            let end = referenceTime(s, 11, allow24: false)
        else { return false }
        return end == s.count - 1 && s[end] == UInt8(ascii: "Z")
    }

    private static func referenceIsDate(_ s: [UInt8]) -> Bool { s.count == 10 && referenceDate(s, 0) }
    private static func referenceIsTime(_ s: [UInt8]) -> Bool { referenceTime(s, 0, allow24: true) == s.count }

    // MARK: Checks

    private static func agree(_ s: [UInt8]) -> Bool {
        s.withUnsafeBytes { raw in
            CanonicalForms.isTimestamp(raw) == referenceIsTimestamp(s) && CanonicalForms.isDate(raw) == referenceIsDate(s)
                && CanonicalForms.isTime(raw) == referenceIsTime(s)
        }
    }

    static let seeds = [
        "2024-02-29T23:59:59.999999Z", "2023-12-31T00:00:00Z", "0001-01-01T00:00:00.5Z", "9999-12-31T23:59:59Z",
        "2024-02-29", "1900-02-28", "2000-02-29", "23:59:59.999999", "24:00:00", "24:00:00.000", "00:00:00",
        "12:34:56.7",
    ]

    @Test func everyByteValueAtEveryPositionAgreesWithTheReference() {
        var checked = 0
        for seed in Self.seeds {
            let base = Array(seed.utf8)
            #expect(Self.agree(base), "\(seed)")
            for position in base.indices {
                for value in 0...255 {
                    var s = base
                    s[position] = UInt8(value)
                    #expect(Self.agree(s), "\(seed) with byte \(value) at \(position)")
                    checked += 1
                }
            }
            // Cut short, one byte longer, a byte inserted anywhere.
            for length in 0..<base.count { #expect(Self.agree(Array(base[..<length])), "\(seed) cut at \(length)") }
            for extra in [UInt8(ascii: "0"), UInt8(ascii: "Z"), UInt8(ascii: "."), 0x00, 0xFF] {
                #expect(Self.agree(base + [extra]), "\(seed) + \(extra)")
                for position in 0...base.count {
                    var s = base
                    s.insert(extra, at: position)
                    #expect(Self.agree(s), "\(seed) with \(extra) inserted at \(position)")
                }
            }
        }
        #expect(checked == Self.seeds.reduce(0) { $0 + $1.utf8.count } * 256)
    }

    @Test func calendarEdgesAgreeWithTheReference() {
        for year in [1, 4, 100, 400, 1900, 2000, 2023, 2024, 9999] {
            for month in 0...13 {
                for day in [0, 1, 28, 29, 30, 31, 32] {
                    let date = String(format: "%04d-%02d-%02d", year, month, day)
                    #expect(Self.agree(Array(date.utf8)), "\(date)")
                    #expect(Self.agree(Array((date + "T12:00:00Z").utf8)), "\(date)")
                }
            }
        }
        for (h, m, s) in [(23, 59, 59), (24, 0, 0), (24, 0, 1), (23, 60, 0), (23, 0, 60), (25, 0, 0), (99, 99, 99)] {
            let time = String(format: "%02d:%02d:%02d", h, m, s)
            #expect(Self.agree(Array(time.utf8)), "\(time)")
            #expect(Self.agree(Array(("2020-01-01T" + time + "Z").utf8)), "\(time)")
        }
    }

    /// The values read with the check: seconds since the epoch as Foundation's Gregorian UTC calendar counts them.
    @Test func valuesReadMatchFoundationsCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let year = Int.random(in: 1601...9999, using: &generator)
            let month = Int.random(in: 1...12, using: &generator)
            let day = Int.random(in: 1...CanonicalForms.daysInMonth(year: year, month: month), using: &generator)
            let (h, m, s) = (Int.random(in: 0...23), Int.random(in: 0...59), Int.random(in: 0...59))
            let micros = Int.random(in: 0..<1_000_000)
            let digits = Int.random(in: 0...6)
            var text = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", year, month, day, h, m, s)
            var fraction = 0
            if digits > 0 {
                let scaled = micros / Int(pow(10, Double(6 - digits)))
                text += "." + String(format: "%0\(digits)d", scaled)
                fraction = scaled * Int(pow(10, Double(6 - digits)))
            }
            text += "Z"
            let parsed = Array(text.utf8).withUnsafeBytes { CanonicalForms.timestamp($0) }
            let (date, timeOfDay) = try #require(parsed, "\(text)")
            #expect(date == .init(year: year, month: month, day: day), "\(text)")
            #expect(timeOfDay == Int64((h * 60 + m) * 60 + s) * 1_000_000 + Int64(fraction), "\(text)")
            let components = DateComponents(year: year, month: month, day: day, hour: h, minute: m, second: s)
            let instant = try #require(calendar.date(from: components))
            let days = Int64((instant.timeIntervalSince1970 / 86_400).rounded(.down))
            #expect(Self.daysFromCivil(date) == days, "\(text)")
        }
        #expect(Array("24:00:00".utf8).withUnsafeBytes { CanonicalForms.time($0) } == 86_400_000_000)
        #expect(Array("2024-02-29".utf8).withUnsafeBytes { CanonicalForms.date($0) } == .init(year: 2024, month: 2, day: 29))
    }

    /// Days since 1970-01-01 by counting (the restore's closed form lives in the PostgreSQL module).
    private static func daysFromCivil(_ date: CanonicalForms.DateParts) -> Int64 {
        var days: Int64 = 0
        if date.year >= 1970 {
            for y in 1970..<date.year { days += (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 366 : 365 }
        } else {
            for y in date.year..<1970 { days -= (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 366 : 365 }
        }
        for m in 1..<date.month { days += Int64(CanonicalForms.daysInMonth(year: date.year, month: m)) }
        return days + Int64(date.day - 1)
    }
}
