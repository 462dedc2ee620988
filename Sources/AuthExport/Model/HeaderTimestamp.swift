#if canImport(Glibc)
import Glibc
#endif

extension ArchiveHeader {
    /// The current time in the header's `created_at` form: UTC with 6 fraction digits,
    /// `2026-01-02T10:30:00.250000Z`.
    package static func timestampNow() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var civil = tm()
        gmtime_r(&seconds, &civil)
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return pad(Int(civil.tm_year) + 1900, 4) + "-" + pad(Int(civil.tm_mon) + 1, 2) + "-" + pad(Int(civil.tm_mday), 2)
            + "T" + pad(Int(civil.tm_hour), 2) + ":" + pad(Int(civil.tm_min), 2) + ":" + pad(Int(civil.tm_sec), 2) + "."
            + pad(Int(now.tv_nsec / 1000), 6) + "Z"
    }
}
