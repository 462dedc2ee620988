internal import Foundation
import AuthExport

/// The time zone that naive (zone-less) timestamps of a column are read in: `UTC`, a fixed offset such as
/// `+02:00`, or an IANA zone such as `Europe/Paris` (from the tz database, with its daylight-saving rules).
///
/// Converting a naive wall-clock time to UTC is exact and reversible except around daylight-saving changes:
/// a time that occurs twice (clocks set back) maps to the earlier instant, which maps back to the same text;
/// a time that never occurs (clocks set forward) has no instant, so the value does not fit the encoding.
struct TimeZoneRule: Hashable, @unchecked Sendable {
    private enum Kind: Hashable {
        case fixed(seconds: Int)
        case zone(TimeZone)
    }
    private let kind: Kind
    /// The name as given (`UTC`, `+02:00`, `Europe/Paris`); written to the column's `time_zone` field.
    let name: String

    /// UTC.
    static let utc = TimeZoneRule(name: "UTC", kind: .fixed(seconds: 0))

    private init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }

    /// Parses `UTC`, `Z`, `±HH:MM` or an IANA zone name; nil when unknown.
    init?(name: String) {
        // The same rules as the reader's check of the table record (TimeZoneNames).
        if TimeZoneNames.utcNames.contains(name) {
            self.init(name: name, kind: .fixed(seconds: 0))
            return
        }
        if let offset = TimeZoneNames.offsetSeconds(name) {
            self.init(name: name, kind: .fixed(seconds: offset))
            return
        }
        guard let zone = TimeZoneNames.ianaZone(name) else { return nil }
        self.init(name: name, kind: .zone(zone))
    }

    /// Whether the rule is UTC (no conversion at all).
    var isUTC: Bool { kind == .fixed(seconds: 0) }

    /// The zone's offset from UTC, in seconds, at the instant `utcSeconds`.
    func offset(atUTC utcSeconds: Int64) -> Int {
        switch kind {
        case .fixed(let seconds): return seconds
        case .zone(let zone): return zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(utcSeconds)))
        }
    }

    /// The UTC instant whose wall-clock time in this zone is `localSeconds` (seconds since the epoch of the
    /// wall-clock time read as UTC); the earlier one when the time occurs twice, nil when it never occurs.
    func utc(fromLocal localSeconds: Int64) -> Int64? {
        switch kind {
        case .fixed(let seconds): return localSeconds - Int64(seconds)
        case .zone:
            // Offsets change at most a few times a year: the candidates are the offsets in force a day
            // before and a day after; keep those that map back to the same wall-clock time.
            var best: Int64?
            for probe in [localSeconds - 86_400, localSeconds, localSeconds + 86_400] {
                let candidate = localSeconds - Int64(offset(atUTC: probe))
                if candidate + Int64(offset(atUTC: candidate)) == localSeconds {
                    best = min(best ?? candidate, candidate)
                }
            }
            return best
        }
    }

    static func == (a: TimeZoneRule, b: TimeZoneRule) -> Bool { a.name == b.name }
    func hash(into hasher: inout Hasher) { hasher.combine(name) }
}
