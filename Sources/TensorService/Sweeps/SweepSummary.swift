import TensorWire

/// What a sweep resource shows beyond its record: the state of its jobs and, on
/// `GET /v1/sweeps/{id}`, each job's best metrics and the best job.
struct SweepSummary {
    /// The metrics a sweep ranks by; losses are minimised, accuracies maximised.
    static let rankedMetrics = ["loss", "val_loss", "accuracy", "val_accuracy"]

    static func maximises(_ metric: String) -> Bool { metric.hasSuffix("accuracy") }

    var sweep: SweepRecord
    /// The sweep's jobs in creation order (the grid's order), each with its ETA.
    var jobs: [(JobRecord, Double?)]
    /// Per job id: the best value of each ranked metric over its history (nil in listings).
    var bests: [String: [String: Double]]?
    var metric = "loss"
    /// Rank by each job's final value, or by the best value it reached.
    var byBest = false

    /// One status for the sweep: running while any job runs, queued while any waits, then
    /// succeeded if all did, failed if any failed, else cancelled.
    var status: JobStatus {
        let all = jobs.map(\.0.status)
        if all.contains(where: { $0 == .running || $0 == .cancelling }) { return .running }
        if all.contains(.queued) { return all.contains(where: \.isTerminal) ? .running : .queued }
        if all.allSatisfy({ $0 == .succeeded }) { return .succeeded }
        return all.contains(.failed) ? .failed : .cancelled
    }

    /// The value a job is ranked by (finite only): its final value once it has succeeded,
    /// or the best it has reached so far.
    func rankValue(_ job: JobRecord) -> Double? {
        guard byBest || job.status == .succeeded else { return nil }
        let v = byBest ? bests?[job.id]?[metric] : job.latest.values[metric]
        return v.flatMap { $0.isFinite ? $0 : nil }
    }

    /// The job with the best rank value, if any job has one.
    var best: (job: JobRecord, value: Double)? {
        let sign = Self.maximises(metric) ? -1.0 : 1.0
        return jobs.compactMap { j in rankValue(j.0).map { (j.0, $0) } }.min { sign * $0.1 < sign * $1.1 }
    }

    /// The best value of each ranked metric in a job's history (NaN is never best).
    static func bests(of points: [MetricPoint]) -> [String: Double] {
        var out: [String: Double] = [:]
        for p in points where !p.value.isNaN {
            let better = maximises(p.key) ? p.value > (out[p.key] ?? -.infinity) : p.value < (out[p.key] ?? .infinity)
            if better || out[p.key] == nil { out[p.key] = p.value }
        }
        return out
    }

    func write(into w: inout JSONWriter) {
        w.beginObject()
        w.key("id"); w.string(sweep.id)
        w.key("name"); JobJSON.optional(sweep.name, into: &w)
        w.key("created_at"); w.string(JobJSON.timestamp(sweep.createdAt))
        w.key("status"); w.string(status.rawValue)
        w.key("grid"); w.rawValue(sweep.grid)
        w.key("progress")
        w.beginObject()
        w.key("jobs"); w.int(jobs.count)
        for s in JobStatus.allCases { w.key(s.rawValue); w.int(jobs.count { $0.0.status == s }) }
        let steps = jobs.reduce(0) { $0 + min($1.0.step, $1.0.totalSteps ?? $1.0.step) }
        let total = jobs.reduce(0) { $0 + ($1.0.totalSteps ?? 0) }
        w.key("percent")
        w.float(status == .succeeded ? 100 : total > 0 ? (10_000 * Double(steps) / Double(total)).rounded() / 100 : 0)
        w.endObject()
        w.key("metric"); w.string(metric)
        w.key("rank_by"); w.string(byBest ? "best" : "final")
        w.key("best")
        if let best {
            w.beginObject()
            w.key("job_id"); w.string(best.job.id)
            w.key("value"); w.float(best.value)
            w.key("grid"); w.rawValue(best.job.grid ?? Array("{}".utf8))
            w.endObject()
        } else {
            w.null()
        }
        w.key("jobs")
        w.beginArray()
        for (job, eta) in jobs { writeJob(job, eta: eta, into: &w) }
        w.endArray()
        w.endObject()
    }

    private func writeJob(_ job: JobRecord, eta: Double?, into w: inout JSONWriter) {
        w.beginObject()
        w.key("id"); w.string(job.id)
        w.key("status"); w.string(job.status.rawValue)
        w.key("grid"); w.rawValue(job.grid ?? Array("{}".utf8))
        w.key("step"); w.int(job.step)
        w.key("total_steps"); JobJSON.optional(job.totalSteps, into: &w)
        w.key("eta_seconds")
        if let eta { w.float((eta * 10).rounded() / 10) } else { w.null() }
        w.key("latest_metrics"); metrics(job.latest.values, keys: LatestMetrics.keys, into: &w)
        w.key("final_metrics")
        if job.status.isTerminal { metrics(job.latest.values, keys: LatestMetrics.keys, into: &w) } else { w.null() }
        if let bests {
            w.key("best_metrics"); metrics(bests[job.id] ?? [:], keys: Self.rankedMetrics, into: &w)
        }
        w.endObject()
    }

    private func metrics(_ values: [String: Double], keys: [String], into w: inout JSONWriter) {
        w.beginObject()
        for k in keys {
            w.key(k)
            if let v = values[k] { JobJSON.value(v, into: &w) } else { w.null() }
        }
        w.endObject()
    }
}
