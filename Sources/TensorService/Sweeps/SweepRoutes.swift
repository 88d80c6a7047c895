import Foundation
import HTTPServer
import TensorEngine
import TensorWire

// Sweeps: POST/GET /v1/sweeps, GET/DELETE /v1/sweeps/{id}, cancel. A sweep is a set of
// ordinary jobs (one per grid combination) that carry its id; it queues, runs and is limited
// like any other jobs.
extension TensorService {
    func addSweepRoutes() {
        add(.post, "/v1/sweeps") { [unowned self] request, _ in
            let key = try idempotencyKey(request)
            if let key, let existing = try sweeps.sweep(idempotencyKey: key) {
                guard existing.request == request.body else { throw Self.sweepConflict(key, existing.id) }
                return try sweepCreated(existing)
            }
            let body = try RequestBody.parse(request, maxDepth: configuration.maxJSONDepth)
            try body.allowOnly(["name", "base", "grid"])
            let name = try body.string("name")
            if let name, !(1...128).contains(name.count) { throw JobSpec.invalid("name must have 1 to 128 characters", "/name") }
            guard let base = try body.object("base") else { throw Problem.badRequest("missing required field 'base'", pointer: "/base") }
            guard let gridBody = try body.object("grid") else { throw Problem.badRequest("missing required field 'grid'", pointer: "/grid") }
            let grid = try SweepGrid.parse(gridBody, maxJobs: configuration.maxSweepJobs)
            let id = Self.newSweepId()
            // Every combination is validated before anything is created.
            var batch: [(record: JobRecord, refs: [String: Tensor])] = []
            for i in 0..<grid.count {
                let combination = grid.combination(i)
                batch.append(try sweepJob(grid, combination, base: base, sweepId: id, sweepName: name))
            }
            let created = try sweeps.create(SweepRecord(id: id, name: name, createdAt: JobJSON.now(),
                                                        grid: JobJSON.encode { $0.value(.object(gridBody.object)) },
                                                        request: request.body, idempotencyKey: key))
            switch created {
            case .existing(let sweep): return try sweepCreated(sweep)
            case .conflict(let other): throw Self.sweepConflict(key ?? "", other)
            case .created(let sweep):
                do {
                    let records = try jobs.submit(sweep: batch)
                    return try sweepCreated(sweep, jobIds: records.map(\.id))
                } catch {
                    try? sweeps.delete(sweep.id)
                    throw error
                }
            }
        }
        // Sweeps are read without settling the job writer (as job listings do): the job rows
        // exist from submission and `overlay` gives the live state of running jobs.
        add(.get, "/v1/sweeps") { [unowned self] request, _ in
            let size = try queryInt(request, "page_size", range: 1...100) ?? 20
            let before = try request.queryValue("page_token").map { try PageToken.decode($0, status: nil) }
            let page = try sweeps.list(beforeSeq: before, limit: size + 1)
            let items = try page.prefix(size).map { SweepSummary(sweep: $0, jobs: jobs.overlay(try jobs.store.jobs(sweep: $0.id))) }
            let next = page.count > size ? PageToken.encode(status: nil, seq: page[size - 1].seq) : nil
            return .json(capacity: 2048 * max(items.count, 1)) { w in
                w.beginObject()
                w.key("items")
                w.beginArray()
                for s in items { s.write(into: &w) }
                w.endArray()
                w.key("next_page_token"); JobJSON.optional(next, into: &w)
                w.endObject()
            }
        }
        add(.get, "/v1/sweeps/{id}") { [unowned self] request, params in
            var summary = try sweepSummary(params)
            if let metric = request.queryValue("metric") {
                guard SweepSummary.rankedMetrics.contains(metric) else {
                    throw Problem.invalidArgument("metric must be one of \(SweepSummary.rankedMetrics.joined(separator: ", ")), got '\(metric)'", pointer: "/metric")
                }
                summary.metric = metric
            }
            if let rank = request.queryValue("rank_by") {
                guard rank == "final" || rank == "best" else { throw Problem.invalidArgument("rank_by must be 'final' or 'best', got '\(rank)'", pointer: "/rank_by") }
                summary.byBest = rank == "best"
            }
            var bests: [String: [String: Double]] = [:]
            // A running job's bests may miss its latest flush; a job shows as ended only once its
            // final flush is committed (`JobRunner.overlay`), so its final history is all there.
            for (job, _) in summary.jobs {
                bests[job.id] = SweepSummary.bests(of: try jobs.store.metrics(job: job.id, keys: SweepSummary.rankedMetrics, from: 0, through: nil))
            }
            summary.bests = bests
            return .json(capacity: 512 * (summary.jobs.count + 1)) { summary.write(into: &$0) }
        }
        add(.post, "/v1/sweeps/{id}/cancel") { [unowned self] _, params in
            let summary = try sweepSummary(params)
            for (job, _) in summary.jobs where !job.status.isTerminal {
                // A job that ends on its own meanwhile is not an error of the sweep's cancel.
                do { _ = try jobs.cancel(job.id) } catch let p as Problem where p.code == "job_not_cancellable" {}
            }
            let after = try sweepSummary(params)
            return .json(status: .accepted, capacity: 512 * (after.jobs.count + 1)) { after.write(into: &$0) }
        }
        add(.delete, "/v1/sweeps/{id}") { [unowned self] _, params in
            let summary = try sweepSummary(params)
            if let running = summary.jobs.first(where: { !$0.0.status.isTerminal }) {
                throw Problem(status: 409, code: "sweep_not_terminal", title: "Sweep has not finished",
                              detail: "job \(running.0.id) of sweep \(summary.sweep.id) is \(running.0.status.rawValue); cancel the sweep and wait for its jobs to end")
            }
            for (job, _) in summary.jobs { try jobs.delete(job.id) }
            try sweeps.delete(summary.sweep.id)
            return Response(status: .noContent)
        }
    }

    /// Builds and validates the job of one grid combination. A failure caused by a grid value
    /// is a 422 at that value (`/grid/optimizer.lr/2`); any other at its place in `base`.
    private func sweepJob(_ grid: SweepGrid, _ combination: [Int], base: RequestBody, sweepId: String,
                          sweepName: String?) throws -> (record: JobRecord, refs: [String: Tensor]) {
        let values = grid.values(combination)
        do {
            let object = try grid.apply(combination, to: base.object, gridPointer: "/grid")
            let bytes = JobJSON.encode(capacity: 1024) { $0.value(.object(object)) }
            let parsed: JSONValue
            do { parsed = try JSONParser(maxDepth: configuration.maxJSONDepth).parse(bytes) } catch { throw Problem.from(error) }
            guard case .object(let o) = parsed else { throw Problem.invalidArgument("the spec of this grid combination is not an object", pointer: "/base") }
            var (record, refs) = try newJob(RequestBody(object: o, pointer: ""), spec: bytes, idempotencyKey: nil)
            record.sweepId = sweepId
            record.grid = values
            if record.name == nil { record.name = sweepName }
            return (record, refs)
        } catch let p as Problem {
            guard p.code != "invalid_grid" else { throw p }
            let combinationText = String(decoding: values, as: UTF8.self)
            let pointer = p.errors.first?.pointer ?? ""
            if let a = grid.axes.firstIndex(where: { pointer == $0.specPointer || pointer.hasPrefix($0.specPointer + "/") }) {
                let at = JSONPointer.appending(JSONPointer.appending("/grid", grid.axes[a].path), combination[a])
                throw SweepGrid.invalid("with \(combinationText): \(p.detail)", at)
            }
            throw Problem(status: p.statusCode, code: p.code, title: p.title, detail: "with \(combinationText): \(p.detail)",
                          errors: p.errors.map { .init(pointer: "/base" + $0.pointer, detail: $0.detail) }, retryAfter: p.retryAfter)
        }
    }

    /// 202 `{"id", "name", "jobs": [ids]}` with `Location`.
    private func sweepCreated(_ sweep: SweepRecord, jobIds: [String]? = nil) throws -> Response {
        let ids = try jobIds ?? jobs.store.jobs(sweep: sweep.id).map(\.id)
        var response = Response.json(status: .accepted) { w in
            w.beginObject()
            w.key("id"); w.string(sweep.id)
            w.key("name"); JobJSON.optional(sweep.name, into: &w)
            w.key("jobs")
            w.beginArray()
            for id in ids { w.string(id) }
            w.endArray()
            w.endObject()
        }
        response.headers.add("Location", "/v1/sweeps/\(sweep.id)")
        return response
    }

    private func sweepSummary(_ params: PathParameters) throws -> SweepSummary {
        let id = params["id"] ?? ""
        guard let sweep = try sweeps.sweep(id) else { throw Problem.notFound("no sweep '\(id)'") }
        return SweepSummary(sweep: sweep, jobs: jobs.overlay(try jobs.store.jobs(sweep: id)))
    }

    static func sweepConflict(_ key: String, _ id: String) -> Problem {
        Problem(status: 422, code: "idempotency_conflict", title: "Idempotency key reused with a different request",
                detail: "Idempotency-Key '\(key)' was first used with a different body (sweep \(id))")
    }

    static func newSweepId() -> String {
        var g = SystemRandomNumberGenerator()
        return "s-" + String(format: "%012llx", g.next() & 0xFFFF_FFFF_FFFF)
    }
}
