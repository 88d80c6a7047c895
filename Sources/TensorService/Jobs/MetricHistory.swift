/// The stored metric history of one job, bounded whatever the number of steps.
///
/// A run whose planned steps fit in `maxPoints` keeps every point. A longer run splits its
/// steps into buckets of `width` consecutive steps, `width` chosen from the planned total so
/// that there are at most (maxPoints − 4) / 2 buckets, and keeps of each key:
/// - its first point;
/// - the minimum and the maximum of each bucket (real points, with their own steps; a NaN
///   counts as a maximum so that a divergence is never decimated away);
/// - of the bucket still open, its minimum, maximum and latest point (so readers see the
///   curve up to now);
/// - its last point once the job has ended.
/// So a key stores at most `maxPoints` points, the curve keeps its shape (every spike and
/// dip survives) and a short run is recorded exactly. Buckets depend only on the step, so a
/// run resumed from a checkpoint (with this state saved beside it) stores the same points as
/// an uninterrupted one.
///
/// Metric events follow the stored points: a bucket's points are emitted when it closes
/// (at once when `width` is 1), the open bucket's and the last point when the job ends.
struct MetricHistory: Sendable {
    /// Steps per bucket; 1 keeps every step.
    let width: Int
    private(set) var keys: [String: KeyState] = [:]
    /// Points to write at the next flush, and per key the step from which the stored rows
    /// are replaced by them (the open bucket's rows change as its points arrive).
    private var pending: [MetricPoint] = []
    private var replaceFrom: [String: Int] = [:]

    struct Bucket: Codable, Sendable, Equatable {
        var index: Int
        var min: MetricPoint
        var max: MetricPoint
    }

    /// What a key needs to continue exactly: saved with every checkpoint.
    struct KeyState: Codable, Sendable, Equatable {
        var first: MetricPoint
        var last: MetricPoint
        var open: Bucket?
        /// The step of the last point emitted as an event.
        var emittedThrough: Int
    }

    /// `plannedSteps` optimizer steps record points at steps 0…plannedSteps.
    init(plannedSteps: Int, maxPoints: Int) {
        let points = plannedSteps == Int.max ? Int.max : plannedSteps + 1
        let buckets = Swift.max(1, (maxPoints - 4) / 2)
        width = points <= maxPoints ? 1 : points / buckets + (points % buckets == 0 ? 0 : 1)
    }

    /// Continues from a checkpoint's state: the open buckets are written again at the next flush.
    init(plannedSteps: Int, maxPoints: Int, resuming state: [String: KeyState]) {
        self.init(plannedSteps: plannedSteps, maxPoints: maxPoints)
        keys = state
        for (key, s) in state { if let open = s.open { replaceFrom[key] = open.index * width } }
    }

    /// Adds a point; returns the points that become events now.
    mutating func add(_ p: MetricPoint) -> [MetricPoint] {
        let bucket = p.step / width
        guard var s = keys[p.key] else {
            keys[p.key] = KeyState(first: p, last: p, open: Bucket(index: bucket, min: p, max: p), emittedThrough: -1)
            markDirty(p.key, from: bucket * width)
            return closeIfComplete(p.key)
        }
        var closed: [MetricPoint] = []
        if let open = s.open, bucket > open.index {
            // Its rows as written while it was open (with its latest point) are replaced.
            closed = points(of: open, s)
            s.open = nil
            markDirty(p.key, from: open.index * width)
        }
        if var open = s.open {
            if Self.below(p.value, open.min.value) { open.min = p }
            if Self.above(p.value, open.max.value) { open.max = p }
            s.open = open
        } else {
            s.open = Bucket(index: bucket, min: p, max: p)
        }
        s.last = p
        if let last = closed.last { s.emittedThrough = Swift.max(s.emittedThrough, last.step) }
        keys[p.key] = s
        markDirty(p.key, from: s.open!.index * width)
        if !closed.isEmpty { pending += closed }
        return closed + closeIfComplete(p.key)
    }

    /// The job has ended: its last points become final; returns those to emit.
    mutating func finish() -> [MetricPoint] {
        var out: [MetricPoint] = []
        for key in keys.keys.sorted() {
            guard var s = keys[key] else { continue }
            var final = s.open.map { points(of: $0, s) } ?? []
            if final.last?.step != s.last.step { final.append(s.last) }
            s.open = nil
            pending += final
            markDirty(key, from: final[0].step)
            out += final.filter { $0.step > s.emittedThrough }
            s.emittedThrough = s.last.step
            keys[key] = s
        }
        return out
    }

    /// What to write: the points, and per key the step from which stored rows are replaced.
    mutating func take() -> (points: [MetricPoint], replaceFrom: [String: Int]) {
        var points = pending
        for (key, s) in keys where replaceFrom[key] != nil {
            if let open = s.open { points += self.points(of: open, s) + [s.last] }
        }
        defer { pending.removeAll(keepingCapacity: true); replaceFrom.removeAll(keepingCapacity: true) }
        return (points, replaceFrom)
    }

    /// A bucket closes at once when its last step has been recorded (every point when
    /// `width` is 1), so its points are events without waiting for the next bucket.
    private mutating func closeIfComplete(_ key: String) -> [MetricPoint] {
        guard var s = keys[key], let open = s.open, s.last.step == open.index * width + width - 1 else { return [] }
        let closed = points(of: open, s)
        s.open = nil
        s.emittedThrough = Swift.max(s.emittedThrough, closed.last!.step)
        keys[key] = s
        markDirty(key, from: open.index * width)
        pending += closed
        return closed
    }

    /// A bucket's kept points in step order: its minimum and maximum, and the key's first
    /// point when it falls in it.
    private func points(of b: Bucket, _ s: KeyState) -> [MetricPoint] {
        var out = [b.min, b.max]
        if s.first.step / width == b.index { out.append(s.first) }
        out.sort { $0.step < $1.step }
        return out.enumerated().filter { $0.offset == 0 || out[$0.offset - 1].step != $0.element.step }.map(\.element)
    }

    private mutating func markDirty(_ key: String, from step: Int) {
        replaceFrom[key] = Swift.min(replaceFrom[key] ?? step, step)
    }

    /// NaN sorts above +∞ (a maximum), never below anything.
    private static func below(_ a: Double, _ b: Double) -> Bool { !a.isNaN && (b.isNaN || a < b) }
    private static func above(_ a: Double, _ b: Double) -> Bool { !b.isNaN && (a.isNaN || a > b) }
}
