import Foundation
import Testing
@testable import TensorService

/// The decimated metric history: bounded, shape-keeping, exact for short runs, and the same
/// after a resume from a checkpoint as without one.
@Suite struct MetricHistoryTests {
    /// The store as `SQLiteJobStore.commit` applies a flush: per key, rows from the step on
    /// are replaced by the written points.
    struct Store: Equatable {
        var rows: [String: [Int: Double]] = [:]

        mutating func apply(_ write: (points: [MetricPoint], replaceFrom: [String: Int])) {
            for (key, from) in write.replaceFrom { rows[key] = rows[key]?.filter { $0.key < from } }
            for p in write.points { rows[p.key, default: [:]][p.step] = p.value }
        }

        func isEqual(_ other: Store) -> Bool {
            rows.keys.sorted() == other.rows.keys.sorted()
                && rows.allSatisfy { key, r in r.keys.sorted() == other.rows[key]!.keys.sorted() && r.allSatisfy { $1.bitPattern == other.rows[key]![$0]!.bitPattern } }
        }
    }

    static func point(_ key: String, _ step: Int, _ value: Double) -> MetricPoint {
        MetricPoint(key: key, step: step, epoch: nil, value: value, timestamp: 0)
    }

    /// A noisy decreasing curve with one spike, one dip and one NaN.
    static func value(_ k: Int) -> Double {
        switch k {
        case 12_345: 1_000
        case 54_321: -1_000
        case 77_777: .nan
        default: 10 / Double(k + 1) + Double((k * 7919) % 101) / 1_000
        }
    }

    @Test func aShortRunKeepsEveryPointAndEmitsEachAtOnce() {
        var h = MetricHistory(plannedSteps: 9, maxPoints: 16)
        #expect(h.width == 1)
        var store = Store()
        for k in 0...9 {
            let emitted = h.add(Self.point("loss", k, Double(k)))
            #expect(emitted.map(\.step) == [k])
            if k % 3 == 0 { store.apply(h.take()) }
        }
        #expect(h.finish().isEmpty, "every point was emitted already")
        store.apply(h.take())
        #expect(store.rows["loss"] == Dictionary(uniqueKeysWithValues: (0...9).map { ($0, Double($0)) }))
    }

    @Test func aLongRunIsBoundedAndKeepsFirstLastMinimaAndMaxima() {
        let steps = 99_999, maxPoints = 104
        var h = MetricHistory(plannedSteps: steps, maxPoints: maxPoints)
        #expect(h.width == 2_000, "100,000 points in 50 buckets")
        var store = Store()
        var events: [MetricPoint] = []
        for k in 0...steps {
            events += h.add(Self.point("loss", k, Self.value(k)))
            if k % 997 == 0 { store.apply(h.take()) }
            #expect((store.rows["loss"]?.count ?? 0) <= maxPoints)
        }
        events += h.finish()
        store.apply(h.take())
        let rows = store.rows["loss"] ?? [:]
        #expect(rows.count <= maxPoints && rows.count >= 100)
        #expect(rows[0] == Self.value(0) && rows[steps] == Self.value(steps), "first and last")
        #expect(rows[12_345] == 1_000 && rows[54_321] == -1_000 && rows[77_777]?.isNaN == true, "the spike, the dip and the NaN survive")
        // Each bucket keeps exactly its minimum and maximum (NaN as the maximum).
        for b in 0..<50 {
            let range = (b * 2_000)..<((b + 1) * 2_000)
            let values = range.map { ($0, Self.value($0)) }
            let finite = values.filter { !$0.1.isNaN }
            let lo = finite.min { $0.1 < $1.1 }!, hi = values.first { $0.1.isNaN } ?? finite.max { $0.1 < $1.1 }!
            let kept = rows.filter { range.contains($0.key) }
            #expect(kept[lo.0] != nil && kept[hi.0] != nil, "bucket \(b)")
            #expect(Set(kept.keys).isSubset(of: [lo.0, hi.0, 0, steps]), "bucket \(b) keeps nothing else: \(kept.keys.sorted())")
        }
        // The events are the stored points, each once, in step order.
        #expect(events.map(\.step) == rows.keys.sorted())
    }

    @Test func aResumedRunStoresWhatAnUninterruptedOneStores() throws {
        let steps = 9_999, maxPoints = 40, checkpointAt = 4_321, crashAt = 6_000
        func feed(_ h: inout MetricHistory, _ store: inout Store, _ range: ClosedRange<Int>) {
            for k in range {
                for key in ["loss", "p[0]"] { _ = h.add(Self.point(key, k, key == "loss" ? Self.value(k) : Double(k % 17))) }
                // val_loss only now and then, at a step it shares with others.
                if k % 1_000 == 999 { _ = h.add(Self.point("val_loss", k + 1, Self.value(k) * 2)) }
                if k % 250 == 0 { store.apply(h.take()) }
            }
        }
        var reference = MetricHistory(plannedSteps: steps, maxPoints: maxPoints), expected = Store()
        feed(&reference, &expected, 0...steps)
        _ = reference.finish()
        expected.apply(reference.take())

        var h = MetricHistory(plannedSteps: steps, maxPoints: maxPoints), store = Store()
        feed(&h, &store, 0...(checkpointAt - 1))
        // The checkpoint's flush writes everything so far, with the state beside it.
        store.apply(h.take())
        let state = try JSONDecoder().decode([String: MetricHistory.KeyState].self, from: JSONEncoder().encode(h.keys))
        feed(&h, &store, checkpointAt...crashAt)
        // The crash loses what was not flushed; recovery truncates like `JobWrite.truncateMetrics`.
        for (key, r) in store.rows { store.rows[key] = r.filter { $0.key <= (state[key]?.last.step ?? -1) } }
        var resumed = MetricHistory(plannedSteps: steps, maxPoints: maxPoints, resuming: state)
        feed(&resumed, &store, checkpointAt...steps)
        _ = resumed.finish()
        store.apply(resumed.take())
        #expect(store.isEqual(expected), "\(store.rows.mapValues { $0.keys.sorted() }) vs \(expected.rows.mapValues { $0.keys.sorted() })")
        #expect(expected.rows.values.allSatisfy { $0.count <= maxPoints })
    }
}
