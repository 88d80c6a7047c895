import TensorWire
import Foundation
import HTTPServer
import TensorEngine

// Training jobs: POST/GET /v1/jobs, GET/DELETE /v1/jobs/{id}, cancel, metrics, events,
// checkpoints, model and predict.
extension TensorService {
    func addJobRoutes() {
        add(.post, "/v1/jobs") { [unowned self] request, _ in
            let key = try idempotencyKey(request)
            if let key, let existing = try jobs.store.job(idempotencyKey: key) {
                guard existing.spec == request.body else { throw JobRunner.conflict(key, existing.id) }
                return jobResponse(jobs.view(existing), status: .accepted, location: true)
            }
            let body = try RequestBody.parse(request, maxDepth: configuration.maxJSONDepth)
            let (record, refs) = try newJob(body, spec: request.body, idempotencyKey: key)
            let (job, _) = try jobs.submit(record, refs: refs)
            return jobResponse(jobs.view(job), status: .accepted, location: true)
        }
        add(.get, "/v1/jobs") { [unowned self] request, _ in
            let status = try request.queryValue("status").map { s in
                guard let st = JobStatus(rawValue: s) else {
                    throw Problem.invalidArgument("status must be one of \(JobStatus.allCases.map(\.rawValue).joined(separator: ", ")), got '\(s)'", pointer: "/status")
                }
                return st
            }
            let size = try queryInt(request, "page_size", range: 1...500) ?? 50
            let before = try request.queryValue("page_token").map { try PageToken.decode($0, status: status) }
            let page = try jobs.store.list(status: status, beforeSeq: before, limit: size + 1)
            let items = jobs.overlay(Array(page.prefix(size)))
            let next = page.count > size ? PageToken.encode(status: status, seq: page[size - 1].seq) : nil
            return .json(capacity: 1024 * max(items.count, 1)) { w in
                w.beginObject()
                w.key("items")
                w.beginArray()
                for (job, eta) in items { JobJSON.job(job, eta: eta, spec: false, into: &w) }
                w.endArray()
                w.key("next_page_token"); JobJSON.optional(next, into: &w)
                w.endObject()
            }
        }
        add(.get, "/v1/jobs/{id}") { [unowned self] request, params in
            let view = try job(params)
            let etag = view.answer.etag
            if let match = request.headers["If-None-Match"],
               match.split(separator: ",").contains(where: { let t = $0.trimmingCharacters(in: .whitespaces); return t == etag || t == "*" }) {
                return Response(status: .notModified, headers: ["ETag": etag])
            }
            return jobResponse(view, status: .ok, location: false)
        }
        add(.delete, "/v1/jobs/{id}") { [unowned self] _, params in
            try jobs.delete(params["id"] ?? "")
            return Response(status: .noContent)
        }
        add(.post, "/v1/jobs/{id}/cancel") { [unowned self] _, params in
            let record = try jobs.cancel(params["id"] ?? "")
            return jobResponse(jobs.view(record), status: .accepted, location: false)
        }
        add(.get, "/v1/jobs/{id}/metrics") { [unowned self] request, params in
            let job = try self.job(params).record
            let keys = request.query.filter { $0.name == "key" }.map(\.value)
            if keys.contains("") { throw Problem.invalidArgument("key must name a metric, got an empty string", pointer: "/key") }
            let start = try queryInt(request, "start_step", range: 0...Int.max) ?? 0
            let end = try queryInt(request, "end_step", range: 0...Int.max)
            let maxPoints = try queryInt(request, "max_points", range: 2...Int.max)
            let points = try jobs.store.metrics(job: job.id, keys: keys.isEmpty ? nil : keys, from: start, through: end)
            let selected = maxPoints.map { Self.downsample(points, to: $0) } ?? points
            return .json(capacity: 96 * selected.count + 64) { w in
                w.beginObject()
                w.key("metrics")
                w.beginArray()
                for p in selected { JobJSON.metric(p, into: &w) }
                w.endArray()
                w.endObject()
            }
        }
        add(.get, "/v1/jobs/{id}/events") { [unowned self] request, params in
            let job = try self.job(params).record
            let last: Int64 = try request.headers["Last-Event-ID"].map { value in
                guard value.count <= 18, let n = Int64(value), n >= 0 else {
                    throw Problem.invalidArgument("Last-Event-ID must be a non-negative integer, got '\(value)'", pointer: "")
                }
                return n
            } ?? 0
            return EventStream(runner: jobs, job: job.id, after: last, heartbeat: configuration.eventHeartbeatSeconds,
                               slot: try streams.acquire(),
                               poll: configuration.databaseURL == nil ? nil : EventStream.sharedStorePollSeconds).response()
        }
        add(.get, "/v1/jobs/{id}/checkpoints") { [unowned self] _, params in
            let job = try self.job(params).record
            let list = try jobs.store.checkpoints(job: job.id)
            return .json { w in
                w.beginObject()
                w.key("checkpoints")
                w.beginArray()
                for c in list { JobJSON.checkpoint(c, into: &w) }
                w.endArray()
                w.endObject()
            }
        }
        add(.get, "/v1/jobs/{id}/model") { [unowned self] request, params in
            let job = try self.job(params).record
            let format = try TensorFormat.ofResponse(request, offered: [.json, .safetensors])
            let encoding = try RequestBody.queryEncoding(request)
            let model = try jobs.trainedModel(job.id)
            if format == .safetensors {
                return try TensorService.binaryResponse(.safetensors, model.params, metadata: model.safetensorsMetadata(spec: job.spec))
            }
            return .json(capacity: model.params.reduce(256) { $0 + $1.tensor.count * 16 }) { w in
                w.beginObject()
                w.key("params")
                w.beginObject()
                for (name, t) in model.params { w.key(name); TensorCodec.encode(t, encoding: encoding, into: &w) }
                w.endObject()
                if let s = model.scaler {
                    w.key("scaling")
                    w.beginObject()
                    w.key("method"); w.string(s.method == .standardize ? "standardize" : "minmax")
                    w.key("shift"); TensorCodec.encode(Tensor(s.shift, shape: [s.shift.count]), encoding: encoding, into: &w)
                    w.key("scale"); TensorCodec.encode(Tensor(s.scale, shape: [s.scale.count]), encoding: encoding, into: &w)
                    w.endObject()
                }
                w.endObject()
            }
        }
        add(.post, "/v1/jobs/{id}/predict") { [unowned self] request, params in
            let job = try self.job(params).record
            let body = try RequestBody.parse(request, maxDepth: configuration.maxJSONDepth)
            try body.allowOnly(["inputs", "encoding"])
            let encoding = try body.encoding()
            guard let items = try body.array("inputs") else { throw Problem.badRequest("missing required field 'inputs'", pointer: "/inputs") }
            guard !items.isEmpty else { throw Problem.badRequest("'inputs' must hold at least one tensor", pointer: "/inputs") }
            let inputs = try items.enumerated().map { try tensor($1, at: "/inputs/\($0)") }
            let model = try jobs.trainedModel(job.id)
            let outputs = try compute { try inputs.enumerated().map { try model.predict($1, pointer: "/inputs/\($0)") } }
            return .json(capacity: outputs.reduce(64) { $0 + $1.count * 16 }) { w in
                w.beginObject()
                w.key("outputs")
                w.beginArray()
                for t in outputs { TensorCodec.encode(t, encoding: encoding, into: &w) }
                w.endArray()
                w.endObject()
            }
        }
    }

    /// Validates a job spec and makes the record of a new queued job from it, with the
    /// stored tensors its `{"ref"}`s name.
    func newJob(_ body: RequestBody, spec bytes: [UInt8], idempotencyKey: String?) throws -> (JobRecord, [String: Tensor]) {
        var refs: [String: Tensor] = [:]
        let spec = try JobSpec.parse(body, parserLimits: configuration.expressionLimits, bounds: jobBounds) { json, pointer in
            try jobTensor(json, at: pointer) { name, refPointer in
                guard let t = try store.get(name) else { throw Problem.unknownRef(name, pointer: refPointer) }
                refs[name] = t
                return t
            }
        }
        switch spec.kind {
        case .objective(let o): try compute { try o.dryRun() }
        case .model(let m): try compute { try m.dryRun(spec) }
        }
        let now = JobJSON.now()
        let isObjective: Bool = if case .objective = spec.kind { true } else { false }
        let record = JobRecord(id: Self.newJobId(), name: spec.name, isObjective: isObjective, status: .queued,
                               statusMessage: "waiting for a free slot", createdAt: now,
                               epoch: isObjective ? nil : 0, totalSteps: spec.totalSteps, totalEpochs: spec.totalEpochs,
                               transitions: [StatusTransition(status: .queued, at: now, message: "accepted")],
                               spec: bytes, idempotencyKey: idempotencyKey)
        return (record, refs)
    }

    private func job(_ params: PathParameters) throws -> JobView {
        let id = params["id"] ?? ""
        guard let found = try jobs.job(id) else { throw Problem.notFound("no job '\(id)'") }
        return found
    }

    /// The job resource with its strong ETag (a hash of the representation).
    private func jobResponse(_ view: JobView, status: HTTPStatus, location: Bool) -> Response {
        let answer = view.answer
        var headers: HTTPHeaders = ["ETag": answer.etag]
        if location { headers.add("Location", "/v1/jobs/\(view.record.id)") }
        return Response(status: status, headers: headers, json: answer.body)
    }

    func idempotencyKey(_ request: Request) throws -> String? {
        guard let key = request.headers["Idempotency-Key"] else { return nil }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            throw Problem.badRequest("Idempotency-Key must be 1 to 255 visible ASCII characters", pointer: "")
        }
        return key
    }

    func queryInt(_ request: Request, _ name: String, range: ClosedRange<Int>) throws -> Int? {
        guard let s = request.queryValue(name) else { return nil }
        guard let n = Int(s), range.contains(n) else {
            let bound = range.upperBound == Int.max ? "≥ \(range.lowerBound)" : "in \(range.lowerBound)…\(range.upperBound)"
            throw Problem.invalidArgument("\(name) must be an integer \(bound), got '\(s)'", pointer: "/\(name)")
        }
        return n
    }

    /// A tensor of a job spec; `resolve` supplies `{"ref"}`s.
    private func jobTensor(_ json: JSONValue, at pointer: String, resolve: (String, String) throws -> Tensor) throws -> Tensor {
        do {
            switch try codec.decode(json, at: pointer) {
            case .tensor(let t): return t
            case .ref(let name): return try resolve(name, JSONPointer.appending(pointer, "ref"))
            }
        } catch let e as WireError {
            throw Problem.from(e)
        }
    }

    private var jobBounds: JobSpec.Bounds { JobSpec.Bounds(jobs: configuration.jobLimits, maxElements: configuration.maxElements) }

    /// Parses a stored spec again (on the node that claims the job): refs come from the
    /// copies kept with the job.
    func storedJobSpec(_ record: JobRecord, store jobStore: JobStore) throws -> JobSpec {
        let value: JSONValue
        do { value = try JSONParser(maxDepth: configuration.maxJSONDepth).parse(record.spec) } catch { throw Problem.from(error) }
        guard case .object(let o) = value else { throw Problem.badRequest("the stored spec is not an object", pointer: "") }
        return try JobSpec.parse(RequestBody(object: o, pointer: ""), parserLimits: configuration.expressionLimits, bounds: jobBounds) { json, pointer in
            try jobTensor(json, at: pointer) { name, refPointer in
                guard let bytes = try jobStore.blob(job: record.id, name: "refs/\(name).tensor") else { throw Problem.unknownRef(name, pointer: refPointer) }
                return try TensorFile.decode(Data(bytes))
            }
        }
    }

    /// Of each key's `n` points keeps those at ⌊i·(n−1)/(m−1) + ½⌋, i = 0…m−1 (first and last included).
    static func downsample(_ points: [MetricPoint], to m: Int) -> [MetricPoint] {
        var out: [MetricPoint] = []
        var start = 0
        while start < points.count {
            var end = start
            while end < points.count && points[end].key == points[start].key { end += 1 }
            let n = end - start
            if n <= m {
                out += points[start..<end]
            } else {
                for i in 0..<m { out.append(points[start + (2 * i * (n - 1) + (m - 1)) / (2 * (m - 1))]) }
            }
            start = end
        }
        return out
    }

    static func newJobId() -> String {
        var g = SystemRandomNumberGenerator()
        return "j-" + String(format: "%012llx", g.next() & 0xFFFF_FFFF_FFFF)
    }
}

/// The opaque `page_token` of `GET /v1/jobs`: the filter and the last `seq` of the page,
/// base64url, so that a token used with another filter is recognised.
enum PageToken {
    static func encode(status: JobStatus?, seq: Int64) -> String {
        Data("v1|\(status?.rawValue ?? "*")|\(seq)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ token: String, status: JobStatus?) throws -> Int64 {
        var b64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        b64 += String(repeating: "=", count: (4 - b64.count % 4) % 4)
        let parts = Data(base64Encoded: b64).map { String(decoding: $0, as: UTF8.self).split(separator: "|") } ?? []
        guard parts.count == 3, parts[0] == "v1", let seq = Int64(parts[2]) else {
            throw Problem.invalidArgument("page_token was not issued by this server", pointer: "/page_token")
        }
        guard parts[1] == (status?.rawValue ?? "*") else {
            throw Problem.invalidArgument("page_token belongs to a listing with another status filter", pointer: "/page_token")
        }
        return seq
    }
}
