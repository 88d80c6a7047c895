import Foundation
import TensorEngine
import TensorWire

// Training jobs: /v1/jobs and /v1/jobs/{id}/…
extension TensorClient {
    /// Submits a job spec (`JobSpec` in openapi.yaml) and returns the queued job.
    ///
    /// The submission carries an `Idempotency-Key`, so it is retried safely: when the
    /// connection fails (or the server answers 503) the same bytes are sent again with the same
    /// key, up to ``Configuration/submitRetries`` times, and the server returns the job the
    /// first attempt created rather than a second one.
    ///
    /// ```swift
    /// let spec: JSONValue = ["objective": ["params": ["p": ["data": [3.0]]], "expr": "loss = sum(p * p)"],
    ///                        "optimizer": ["type": "sgd", "lr": 0.1], "steps": 50]
    /// let job = try client.submit(spec)
    /// ```
    public func submit(_ spec: JSONValue, idempotencyKey: String = "tc-" + UUID().uuidString) throws(TensorClientError) -> Job {
        let reply = try submitRetrying("/v1/jobs", Self.json { $0.value(spec) }, idempotencyKey: idempotencyKey)
        return try Job(try reply.json(), etag: reply.header("ETag"))
    }

    /// POSTs a submission, sending the same bytes with the same key again when the connection
    /// fails or the server answers 503, up to ``Configuration/submitRetries`` times.
    func submitRetrying(_ path: String, _ body: [UInt8], idempotencyKey: String) throws(TensorClientError) -> Reply {
        var failures = 0
        while true {
            do {
                return try send("POST", path, headers: [("Idempotency-Key", idempotencyKey)], body: body)
            } catch .transport(let e) where failures < configuration.submitRetries {
                _ = e
            } catch .problem(let p) where p.status == 503 && failures < configuration.submitRetries {
                if let seconds = p.retryAfter { Thread.sleep(forTimeInterval: Double(min(seconds, 30))) }
            }
            Thread.sleep(forTimeInterval: Self.seconds(configuration.retryDelay) * Double(1 << min(failures, 6)))
            failures += 1
        }
    }

    /// ``submit(_:idempotencyKey:)`` with the spec as JSON text (a file's contents, say).
    public func submit(json text: String, idempotencyKey: String = "tc-" + UUID().uuidString) throws(TensorClientError) -> Job {
        let spec: JSONValue
        do { spec = try JSONParser().parse(text) } catch { throw .invalidRequest("the job spec is not JSON: \(error.message)") }
        return try submit(spec, idempotencyKey: idempotencyKey)
    }

    /// One page of jobs, newest first, optionally only those with `status`.
    public func jobs(status: JobStatus? = nil, pageSize: Int? = nil, pageToken: String? = nil) throws(TensorClientError) -> JobPage {
        var query: [(String, String)] = []
        if let status { query.append(("status", status.rawValue)) }
        if let pageSize { query.append(("page_size", String(pageSize))) }
        if let pageToken { query.append(("page_token", pageToken)) }
        let json = try send("GET", "/v1/jobs", query: query).json()
        return JobPage(items: try json.array("items").map { (j: JSONValue) throws(TensorClientError) in try Job(j) },
                       nextPageToken: try json.optionalString("next_page_token"))
    }

    /// Every job (following `next_page_token` to the last page).
    public func allJobs(status: JobStatus? = nil, pageSize: Int? = nil) throws(TensorClientError) -> [Job] {
        var out: [Job] = []
        var token: String? = nil
        repeat {
            let page = try jobs(status: status, pageSize: pageSize, pageToken: token)
            out += page.items
            token = page.nextPageToken
        } while token != nil
        return out
    }

    /// The job `id` (404 `not_found` when there is none).
    public func job(_ id: String) throws(TensorClientError) -> Job {
        let reply = try send("GET", jobPath(id))
        return try Job(try reply.json(), etag: reply.header("ETag"))
    }

    /// The job when it changed since the representation with `etag`; `nil` when it did not
    /// (`304 Not Modified`), which costs the server no body.
    public func job(_ id: String, ifNoneMatch etag: String) throws(TensorClientError) -> Job? {
        let reply = try send("GET", jobPath(id), headers: [("If-None-Match", etag)])
        if reply.status == 304 { return nil }
        return try Job(try reply.json(), etag: reply.header("ETag"))
    }

    /// Asks the job to stop (idempotent); 409 `job_not_cancellable` when it already succeeded or failed.
    @discardableResult
    public func cancelJob(_ id: String) throws(TensorClientError) -> Job {
        let reply = try send("POST", jobPath(id) + "/cancel")
        return try Job(try reply.json(), etag: reply.header("ETag"))
    }

    /// Deletes a finished job with its metrics and checkpoints; 409 `job_not_terminal` otherwise.
    public func deleteJob(_ id: String) throws(TensorClientError) {
        _ = try send("DELETE", jobPath(id))
    }

    /// The job's metric history, sorted by key then step; `keys` selects metrics, the steps
    /// bound the range (inclusive), `maxPoints` downsamples each key keeping first and last.
    public func jobMetrics(_ id: String, keys: [String] = [], startStep: Int? = nil, endStep: Int? = nil,
                           maxPoints: Int? = nil) throws(TensorClientError) -> [MetricPoint] {
        var query = keys.map { ("key", $0) }
        if let startStep { query.append(("start_step", String(startStep))) }
        if let endStep { query.append(("end_step", String(endStep))) }
        if let maxPoints { query.append(("max_points", String(maxPoints))) }
        return try send("GET", jobPath(id) + "/metrics", query: query).json().array("metrics").map {
            (m: JSONValue) throws(TensorClientError) in try MetricPoint(m)
        }
    }

    /// The checkpoints kept for the job, oldest first.
    public func jobCheckpoints(_ id: String) throws(TensorClientError) -> [Checkpoint] {
        try send("GET", jobPath(id) + "/checkpoints").json().array("checkpoints").map {
            (c: JSONValue) throws(TensorClientError) in try Checkpoint(c)
        }
    }

    /// The job's parameters (after its last step, or its latest for a running job) and its
    /// feature scaling; 409 `job_not_ready` while it has none.
    public func jobModel(_ id: String) throws(TensorClientError) -> JobModel {
        let query = configuration.encoding == .b64 ? [("encoding", "b64")] : []
        let json = try send("GET", jobPath(id) + "/model", query: query).json()
        let scaling = try json.optionalMember("scaling").map { (s: JSONValue) throws(TensorClientError) in
            FeatureScaling(method: try s.string("method"), shift: try s.member("shift").tensor(at: "/scaling/shift"),
                           scale: try s.member("scale").tensor(at: "/scaling/scale"))
        }
        return JobModel(params: try json.namedTensors("params"), scaling: scaling, json: json)
    }

    /// Runs a model job's model (with its feature scaling) on each input: `[N, in]` → `[N, out]`.
    public func predict(_ id: String, _ inputs: [TensorInput]) throws(TensorClientError) -> [Tensor] {
        let body = Self.json { w in
            w.beginObject()
            w.key("inputs")
            w.beginArray()
            for input in inputs { write(input, into: &w) }
            w.endArray()
            writeEncoding(into: &w)
            w.endObject()
        }
        return try send("POST", jobPath(id) + "/predict", body: body).json().array("outputs").enumerated().map {
            (i, o) throws(TensorClientError) in try o.tensor(at: "/outputs/\(i)")
        }
    }

    /// ``predict(_:_:)`` with inline tensors.
    public func predict(_ id: String, _ inputs: [Tensor]) throws(TensorClientError) -> [Tensor] {
        try predict(id, inputs.map { .tensor($0) })
    }

    func jobPath(_ id: String) -> String { "/v1/jobs/\(Self.percentEncoded(id))" }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
