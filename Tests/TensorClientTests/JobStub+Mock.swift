import Foundation
import HTTPServer
import TensorEngine
@testable import TensorService
import TensorWire

/// The jobs endpoints of openapi.yaml as a stub on a plain `HTTPServer`, so the client's job
/// calls are tested before the real job system lands. A job plays a fixed script of events
/// (queued, running, one `loss` metric per step, a checkpoint, a log line, succeeded, end),
/// one every `interval`, from the moment it is submitted; its resource is derived from the
/// events that are due, so `GET`, the event stream and the metrics always agree.
///
/// A spec's `steps` sets the number of steps (10 by default), `epochs` makes it a model job,
/// and the name `stuck` keeps a job queued until it is cancelled.
final class JobStub: @unchecked Sendable {
    struct Event {
        var offset: Double
        var type: String
        var data: String
    }

    struct Job {
        var id: String
        var name: String?
        var spec: String
        var created: Date
        var steps: Int
        var epochs: Int?
        var events: [Event]
    }

    let interval: Double
    let token: String?
    private let lock = NSLock()
    private var jobs: [String: Job] = [:]
    private var order: [String] = []
    private var keys: [String: (body: [UInt8], id: String)] = [:]
    private var submitted: [(key: String?, body: [UInt8])] = []
    private var streamed: [String?] = []
    /// Every submission: its `Idempotency-Key` and body.
    var submissions: [(key: String?, body: [UInt8])] { synchronized { submitted } }
    /// Every event-stream request's `Last-Event-ID`.
    var streamRequests: [String?] { synchronized { streamed } }
    /// The next this-many event-stream requests are answered 503.
    var unavailableStreams = 0
    /// The next this-many submissions create the job and then break the connection.
    var dropSubmissions = 0
    /// The first this-many event streams break after sending `dropStreamAfter` events.
    var dropStreams = 0
    var dropStreamAfter = 3
    private(set) var server: HTTPServer!

    var port: Int { server.port }
    var baseURL: String { "http://127.0.0.1:\(port)" }

    init(interval: Double = 0.01, token: String? = nil) throws {
        self.interval = interval
        self.token = token
        var router = Router()
        addRoutes(to: &router)
        var c = HTTPServerConfiguration()
        c.host = "127.0.0.1"
        c.port = 0
        server = HTTPServer(configuration: c, router: router, errorRenderer: ProblemRenderer.renderer, logger: { _ in })
        try server.start()
    }

    func stop() { server.shutdown() }

    func synchronized<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    var jobCount: Int { synchronized { jobs.count } }

    // MARK: - Routes

    private func addRoutes(to router: inout Router) {
        route(&router, .post, "/v1/jobs") { [self] request, _ in try submit(request) }
        route(&router, .get, "/v1/jobs") { [self] request, _ in try list(request) }
        route(&router, .get, "/v1/jobs/{id}") { [self] request, p in
            let (json, tag) = try synchronized { () throws -> (String, String) in
                let job = try find(p["id"])
                return (resource(job, withSpec: true), etag(job))
            }
            if request.headers["If-None-Match"] == tag { return Response(status: .init(code: 304), headers: ["ETag": tag]) }
            return Response(headers: ["ETag": tag], json: json)
        }
        route(&router, .delete, "/v1/jobs/{id}") { [self] _, p in
            try synchronized {
                let job = try find(p["id"])
                guard status(job).isTerminal else {
                    throw Problem(status: 409, code: "job_not_terminal", title: "Job has not finished",
                                  detail: "job \(job.id) is \(status(job).rawValue); cancel it and wait for it to end before deleting it")
                }
                jobs[job.id] = nil
                order.removeAll { $0 == job.id }
                keys = keys.filter { $0.value.id != job.id }
            }
            return Response(status: .noContent)
        }
        route(&router, .post, "/v1/jobs/{id}/cancel") { [self] _, p in
            let json = try synchronized { () throws -> String in
                var job = try find(p["id"])
                switch status(job) {
                case .succeeded, .failed:
                    throw Problem(status: 409, code: "job_not_cancellable", title: "Job cannot be cancelled",
                                  detail: "job \(job.id) already \(status(job).rawValue)")
                case .cancelled, .cancelling:
                    break
                case .queued, .running:
                    let now = Date().timeIntervalSince(job.created)
                    job.events = job.events.filter { $0.offset <= now }
                    let at = stamp(job, now)
                    job.events.append(Event(offset: now, type: "status", data: #"{"status":"cancelled","at":"\#(at)","message":"cancelled"}"#))
                    job.events.append(Event(offset: now, type: "end", data: #"{"status":"cancelled","error":null}"#))
                    jobs[job.id] = job
                }
                return resource(job, withSpec: true)
            }
            return Response(status: .accepted, json: json)
        }
        route(&router, .get, "/v1/jobs/{id}/metrics") { [self] request, p in
            let keysWanted = request.query.filter { $0.name == "key" }.map(\.value)
            let start = request.queryValue("start_step").flatMap { Int($0) } ?? 0
            let end = request.queryValue("end_step").flatMap { Int($0) } ?? .max
            let points = try synchronized { () throws -> [String] in
                let job = try find(p["id"])
                return due(job).filter { $0.type == "metric" }.map(\.data).filter { data in
                    let step = Int(data.split(separator: "\"step\":")[1].prefix { $0.isNumber })!
                    return (keysWanted.isEmpty || keysWanted.contains("loss")) && step >= start && step <= end
                }
            }
            return Response(json: #"{"metrics":[\#(points.joined(separator: ","))]}"#)
        }
        route(&router, .get, "/v1/jobs/{id}/checkpoints") { [self] _, p in
            let list = try synchronized { try due(find(p["id"])).filter { $0.type == "checkpoint" }.map(\.data) }
            return Response(json: #"{"checkpoints":[\#(list.joined(separator: ","))]}"#)
        }
        route(&router, .get, "/v1/jobs/{id}/model") { [self] _, p in
            try synchronized {
                let job = try find(p["id"])
                guard status(job) != .queued else { throw notReady(job) }
            }
            return Response(json: #"{"params":{"0.weight":{"shape":[1,2],"dtype":"float32","data":[2,-1]},"0.bias":{"shape":[1],"dtype":"float32","data":[0.5]}},"#
                + #""scaling":{"method":"standardize","shift":{"shape":[2],"dtype":"float64","data":[0,0]},"scale":{"shape":[2],"dtype":"float64","data":[1,1]}}}"#)
        }
        route(&router, .post, "/v1/jobs/{id}/predict") { [self] request, p in
            try synchronized {
                let job = try find(p["id"])
                guard status(job) != .queued else { throw notReady(job) }
            }
            return try predict(request)
        }
        route(&router, .get, "/v1/jobs/{id}/events") { [self] request, p in
            let lastID = request.headers["Last-Event-ID"]
            if let lastID, Int(lastID) == nil {
                throw Problem.invalidArgument("Last-Event-ID must be a non-negative integer, got '\(lastID)'", pointer: "/")
            }
            let (id, drop) = try synchronized { () throws -> (String, Bool) in
                let job = try find(p["id"])
                streamed.append(lastID)
                if unavailableStreams > 0 {
                    unavailableStreams -= 1
                    throw Problem(status: 503, code: "service_unavailable", title: "Service Unavailable",
                                  detail: "starting up", retryAfter: 0)
                }
                let drop = dropStreams > 0
                if drop { dropStreams -= 1 }
                return (job.id, drop)
            }
            return .stream(headers: ["Content-Type": "text/event-stream", "Cache-Control": "no-store"]) { [self] writer in
                try stream(id, after: Int(lastID ?? "0") ?? 0, drop: drop, writer)
            }
        }
        router.get("/garbage") { _, _ in Response(text: "not json") }
        router.get("/plain-error") { _, _ in Response(status: .init(code: 500), text: "boom\n") }
        router.get("/slow") { _, _ in
            Thread.sleep(forTimeInterval: 2)
            return Response(json: "{}")
        }
    }

    /// A route with the server's bearer-token check in front.
    private func route(_ router: inout Router, _ method: HTTPMethod, _ pattern: String, _ handler: @escaping @Sendable (Request, PathParameters) throws -> Response) {
        let token = token
        router.add(method, pattern) { request, params in
            if let token, request.headers["Authorization"] != "Bearer \(token)" { throw Problem.unauthorized }
            return try handler(request, params)
        }
    }

    // MARK: - Handlers

    private func submit(_ request: Request) throws -> Response {
        let key = request.headers["Idempotency-Key"]
        let body = request.body
        let spec: JSONValue
        do { spec = try JSONParser().parse(body) } catch { throw Problem.from(error) }
        guard case .object = spec else { throw Problem.badRequest("the body must be a JSON object", pointer: "") }
        let (json, drop) = try synchronized { () throws -> (String, Bool) in
            submitted.append((key, body))
            if let key, let seen = keys[key] {
                guard seen.body == body else {
                    throw Problem(status: 422, code: "idempotency_conflict", title: "Idempotency key reused with a different request",
                                  detail: "Idempotency-Key '\(key)' was first used with a different body (job \(seen.id))")
                }
                return (resource(jobs[seen.id]!, withSpec: true), takeDrop())
            }
            let job = makeJob(spec, body: body)
            jobs[job.id] = job
            order.append(job.id)
            if let key { keys[key] = (body, job.id) }
            return (resource(job, withSpec: true, asOf: 0), takeDrop())
        }
        if drop {
            // The job exists, but the answer never arrives: the connection breaks mid-response.
            return .stream(status: .accepted) { _ in throw Problem.notFound("dropped") }
        }
        let id = json.split(separator: "\"")[3]
        return Response(status: .accepted, headers: ["Location": "/v1/jobs/\(id)"], json: json)
    }

    private func takeDrop() -> Bool {
        guard dropSubmissions > 0 else { return false }
        dropSubmissions -= 1
        return true
    }

    private func list(_ request: Request) throws -> Response {
        let filter = request.queryValue("status")
        if let filter, JobStatusName(rawValue: filter) == nil {
            throw Problem.invalidArgument("unknown status '\(filter)'", pointer: "/status")
        }
        let size = request.queryValue("page_size").flatMap { Int($0) } ?? 50
        let offset: Int
        if let token = request.queryValue("page_token") {
            guard token.hasPrefix("p"), let o = Int(token.dropFirst()) else {
                throw Problem.invalidArgument("page_token '\(token)' was not issued by this server", pointer: "/page_token")
            }
            offset = o
        } else {
            offset = 0
        }
        let (items, more) = synchronized { () -> ([String], Bool) in
            let all = order.reversed().compactMap { jobs[$0] }.filter { filter == nil || status($0).rawValue == filter }
            let page = all.dropFirst(offset).prefix(size)
            return (page.map { resource($0, withSpec: false) }, offset + size < all.count)
        }
        let next = more ? #""p\#(offset + size)""# : "null"
        return Response(json: #"{"items":[\#(items.joined(separator: ","))],"next_page_token":\#(next)}"#)
    }

    private func predict(_ request: Request) throws -> Response {
        let body = try JSONParser().parse(request.body)
        let codec = TensorCodec(maxElements: 1 << 20)
        var outputs: [String] = []
        for (i, input) in (body["inputs"]?.arrayElements ?? []).enumerated() {
            let x = try codec.decodeTensor(input, at: "/inputs/\(i)")
            guard x.shape.last == 2 else {
                throw Problem(status: 422, code: "shape_mismatch", title: "Shapes are incompatible",
                              detail: "the model takes 2 features, input \(i) has shape \(x.shape)",
                              errors: [.init(pointer: "/inputs/\(i)", detail: "expected 2 features")])
            }
            let v = x.doubles()
            let y = stride(from: 0, to: v.count, by: 2).map { Float(2 * v[$0] - v[$0 + 1] + 0.5) }
            let out = Tensor(y, shape: x.shape.count == 1 ? [1] : [x.shape[0], 1])
            outputs.append(String(decoding: TensorCodec.encode(out), as: UTF8.self))
        }
        return Response(json: #"{"outputs":[\#(outputs.joined(separator: ","))]}"#)
    }

    private func stream(_ id: String, after lastID: Int, drop: Bool, _ writer: ResponseWriter) throws {
        var sent = lastID
        var sentThisConnection = 0
        try writer.write("retry: 20\n: heartbeat\n\n")
        try writer.flush()
        while true {
            let (events, total, ended) = synchronized { () -> ([Event], Int, Bool) in
                guard let job = jobs[id] else { return ([], sent, true) }
                let due = due(job)
                return (Array(due.dropFirst(sent)), due.count, due.last?.type == "end")
            }
            for e in events {
                sent += 1
                try writer.write("id: \(sent)\nevent: \(e.type)\ndata: \(e.data)\n\n")
                sentThisConnection += 1
                if drop && sentThisConnection == dropStreamAfter {
                    try writer.flush()
                    throw Problem.notFound("dropped")
                }
            }
            try writer.flush()
            if ended && sent >= total { return }
            Thread.sleep(forTimeInterval: interval / 2)
        }
    }

    // MARK: - The simulated job

    private func makeJob(_ spec: JSONValue, body: [UInt8]) -> Job {
        var steps = 10
        if case .number(let n)? = spec["steps"], let i = n.integer { steps = Int(i) }
        var epochs: Int?
        if case .number(let n)? = spec["epochs"], let i = n.integer { epochs = Int(i) }
        var name: String?
        if case .string(let s)? = spec["name"] { name = s }
        let id = "j-\(String(format: "%08x", order.count + 1))"
        var job = Job(id: id, name: name, spec: String(decoding: body, as: UTF8.self), created: Date(), steps: steps, epochs: epochs, events: [])
        var t = 0.0
        func add(_ type: String, _ data: String) {
            job.events.append(Event(offset: t, type: type, data: data))
            t += interval
        }
        add("status", #"{"status":"queued","at":"\#(stamp(job, t))","message":"accepted"}"#)
        if name == "stuck" { return job }
        add("status", #"{"status":"running","at":"\#(stamp(job, t))","message":"started"}"#)
        let perEpoch = max(1, steps / (epochs ?? 1))
        for s in 0...steps {
            let epoch = epochs == nil ? "null" : String(min(s / perEpoch, epochs! - 1))
            add("metric", #"{"key":"loss","step":\#(s),"epoch":\#(epoch),"value":\#(1.0 / Double(s + 1)),"timestamp":"\#(stamp(job, t))"}"#)
        }
        add("checkpoint", #"{"step":\#(steps),"epoch":\#(epochs.map(String.init) ?? "null"),"created_at":"\#(stamp(job, t))","bytes":64}"#)
        add("log", #"{"level":"info","message":"finished \#(steps) steps","at":"\#(stamp(job, t))"}"#)
        add("status", #"{"status":"succeeded","at":"\#(stamp(job, t))","message":"finished"}"#)
        add("end", #"{"status":"succeeded","error":null}"#)
        return job
    }

    private func find(_ id: String?) throws -> Job {
        guard let id, let job = jobs[id] else { throw Problem.notFound("no job '\(id ?? "")'") }
        return job
    }

    /// The events that are due now, or at `offset` seconds after submission.
    private func due(_ job: Job, asOf offset: Double? = nil) -> [Event] {
        let now = offset ?? Date().timeIntervalSince(job.created)
        return job.events.filter { $0.offset <= now }
    }

    private func status(_ job: Job, asOf offset: Double? = nil) -> JobStatusName {
        let last = due(job, asOf: offset).last { $0.type == "status" }!
        return JobStatusName(rawValue: String(last.data.split(separator: "\"")[3]))!
    }

    private func etag(_ job: Job) -> String { #""\#(job.id)-\#(due(job).count)""# }

    private func notReady(_ job: Job) -> Problem {
        Problem(status: 409, code: "job_not_ready", title: "Job has no parameters yet", detail: "job \(job.id) is still queued")
    }

    /// Used under the lock only.
    private let formatter: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }()

    private func stamp(_ job: Job, _ offset: Double) -> String {
        formatter.string(from: job.created.addingTimeInterval(offset))
    }

    /// The job resource (`Job` in openapi.yaml) as of now.
    private func resource(_ job: Job, withSpec: Bool, asOf offset: Double? = nil) -> String {
        let due = due(job, asOf: offset)
        let st = status(job, asOf: offset)
        let metrics = due.filter { $0.type == "metric" }
        let step = metrics.count > 0 ? metrics.count - 1 : 0
        let loss = metrics.last.map { String($0.data.split(separator: "\"value\":")[1].prefix { $0 != "," }) } ?? "null"
        let transitions = due.filter { $0.type == "status" }.map(\.data)
        let started = st == .queued ? "null" : #""\#(stamp(job, interval))""#
        let finished = st.isTerminal ? #""\#(stamp(job, due.last!.offset))""# : "null"
        let epoch = job.epochs == nil ? "null" : String(step / max(1, job.steps / job.epochs!))
        let name = job.name.map { #""\#($0)""# } ?? "null"
        let spec = withSpec ? #","spec":\#(job.spec)"# : ""
        return #"{"id":"\#(job.id)","name":\#(name),"status":"\#(st.rawValue)","status_message":null,"#
            + #""created_at":"\#(stamp(job, 0))","started_at":\#(started),"finished_at":\#(finished),"#
            + #""progress":{"epoch":\#(epoch),"total_epochs":\#(job.epochs.map(String.init) ?? "null"),"step":\#(step),"total_steps":\#(job.steps),"#
            + #""percent":\#(100.0 * Double(step) / Double(job.steps)),"eta_seconds":null},"#
            + #""latest_metrics":{"loss":\#(loss),"val_loss":null,"accuracy":null,"val_accuracy":null,"lr":null,"grad_norm":null},"#
            + #""error":null\#(spec),"status_transitions":[\#(transitions.joined(separator: ","))]}"#
    }
}

/// The stub's own copy of the statuses, so the stub does not lean on the client under test.
enum JobStatusName: String {
    case queued, running, cancelling, succeeded, failed, cancelled
    var isTerminal: Bool { self == .succeeded || self == .failed || self == .cancelled }
}
