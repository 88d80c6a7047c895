import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The `Date` header value (RFC 9110 §6.6.1) in IMF-fixdate form (§5.6.7), formatted at most once a second.
/// Each connection keeps its own: a cache shared across threads would need a lock on every response.
struct HTTPDate {
    private var second: time_t = -1
    private var value: [UInt8] = []

    /// "Sun, 06 Nov 1994 08:49:37 GMT" for the current second.
    mutating func current() -> [UInt8] {
        let now = time(nil)
        if now != second {
            second = now
            value = Self.format(now)
        }
        return value
    }

    static func format(_ seconds: time_t) -> [UInt8] {
        var seconds = seconds
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let text = "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
        return Array(text.utf8)
    }
}
