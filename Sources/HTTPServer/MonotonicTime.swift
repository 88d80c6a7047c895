/// Instants as nanoseconds since the process first asked, so they fit an atomic `Int64`.
enum MonotonicTime {
    private static let epoch = ContinuousClock.now

    static func now() -> Int64 { nanoseconds(ContinuousClock.now) }

    static func nanoseconds(_ instant: ContinuousClock.Instant) -> Int64 {
        nanoseconds(instant - epoch)
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
