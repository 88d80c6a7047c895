import Foundation
import Testing
import TensorClient
import TensorEngine
import TensorWire

/// The client's job calls against the stub of openapi.yaml's jobs endpoints.
@Suite(.serialized) final class ClientJobTests {
    let stub: JobStub
    let client: TensorClient

    init() throws {
        stub = try JobStub(interval: 0.01, token: "t0k")
        client = try TensorClient(.init(baseURL: stub.baseURL, token: "t0k", retryDelay: .milliseconds(20)))
    }

    deinit { stub.stop() }

    let spec: JSONValue = ["name": "line", "steps": 10, "objective": ["params": ["p": ["data": [3.0]]], "expr": "loss = sum(p * p)"],
                           "optimizer": ["type": "sgd", "lr": 0.1]]

    func expectCode(_ status: Int, _ code: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("expected \(code)", sourceLocation: sourceLocation)
        } catch let e as TensorClientError {
            #expect(e.status == status && e.code == code, "\(e)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func submitGetAndWait() throws {
        let job = try client.submit(spec, idempotencyKey: "k-1")
        #expect(job.status == .queued && job.name == "line" && job.progress.totalSteps == 10)
        #expect(job.spec?["steps"]?.jsonText == "10")
        #expect(stub.submissions.last?.key == "k-1")
        var seen: [Job] = []
        let done = try client.waitForJob(job.id) { seen.append($0) }
        #expect(done.status == .succeeded && done.finishedAt != nil)
        #expect(done.statusTransitions.map(\.status) == [.queued, .running, .succeeded])
        #expect(done.latestMetrics.loss == 1.0 / 11)
        let steps = seen.map(\.progress.step)
        #expect(steps == steps.sorted() && steps.last == 10, "progress only moves forward")
        #expect(seen.contains { $0.status == .running && $0.progress.etaSeconds != nil }, "an ETA while running")
        #expect(seen.contains { $0.progress.percent == 50 })
        let again = try client.job(job.id)
        #expect(try client.job(job.id, ifNoneMatch: try #require(again.etag)) == nil, "304 when nothing changed")
        #expect(try client.job(job.id, ifNoneMatch: "\"stale\"")?.status == .succeeded)
    }

    @Test func submissionIsRetriedWithTheSameKey() throws {
        stub.dropSubmissions = 2
        let job = try client.submit(spec)
        #expect(stub.jobCount == 1, "three attempts, one job")
        let attempts = stub.submissions
        #expect(attempts.count == 3)
        #expect(Set(attempts.map { $0.key ?? "" }).count == 1 && attempts[0].key?.isEmpty == false, "one key for every attempt")
        #expect(Set(attempts.map(\.body)).count == 1, "byte-for-byte the same body")
        #expect(try client.job(job.id).id == job.id)
        // The same key with another body is a conflict, not a retry.
        expectCode(422, "idempotency_conflict") { _ = try client.submit(["steps": 3], idempotencyKey: attempts[0].key!) }
    }

    @Test func retriesGiveUp() throws {
        stub.dropSubmissions = 10
        let c = try TensorClient(.init(baseURL: stub.baseURL, token: "t0k", submitRetries: 1, retryDelay: .milliseconds(1)))
        do {
            _ = try c.submit(spec)
            Issue.record("expected a transport error")
        } catch let e {
            guard case .transport(let t) = e else { Issue.record("\(e)"); return }
            #expect(t.kind == .connectionLost, "\(t)")
        }
        #expect(stub.submissions.count == 2)
    }

    @Test func listPagesAndFilters() throws {
        var ids: [String] = []
        for i in 0..<5 { ids.append(try client.submit(["name": .string(i == 4 ? "stuck" : "j\(i)"), "steps": 1]).id) }
        let first = try client.jobs(pageSize: 2)
        #expect(first.items.map(\.id) == [ids[4], ids[3]], "newest first")
        #expect(first.items.allSatisfy { $0.spec == nil }, "lists leave out the spec")
        #expect(first.nextPageToken != nil)
        let second = try client.jobs(pageSize: 2, pageToken: first.nextPageToken)
        #expect(second.items.map(\.id) == [ids[2], ids[1]])
        #expect(try client.allJobs(pageSize: 2).map(\.id) == ids.reversed(), "allJobs follows the tokens to the end")
        _ = try client.waitForJob(ids[3])
        #expect(try client.jobs(status: .queued).items.map(\.id) == [ids[4]])
        #expect(try client.jobs(status: .succeeded).items.count == 4)
        expectCode(422, "invalid_argument") { _ = try client.jobs(pageToken: "forged") }
    }

    @Test func cancelAndDelete() throws {
        let stuck = try client.submit(["name": "stuck"])
        expectCode(409, "job_not_terminal") { try client.deleteJob(stuck.id) }
        expectCode(409, "job_not_ready") { _ = try client.jobModel(stuck.id) }
        #expect(try client.cancelJob(stuck.id).status == .cancelled)
        #expect(try client.cancelJob(stuck.id).status == .cancelled, "cancel is idempotent")
        try client.deleteJob(stuck.id)
        expectCode(404, "not_found") { _ = try client.job(stuck.id) }
        let done = try client.waitForJob(try client.submit(spec).id)
        expectCode(409, "job_not_cancellable") { try client.cancelJob(done.id) }
    }

    @Test func metricsCheckpointsModelPredict() throws {
        let job = try client.waitForJob(try client.submit(spec).id)
        let all = try client.jobMetrics(job.id)
        #expect(all.map(\.step) == Array(0...10) && all.allSatisfy { $0.key == "loss" && $0.epoch == nil })
        #expect(try client.jobMetrics(job.id, keys: ["loss"], startStep: 2, endStep: 4).map(\.step) == [2, 3, 4])
        #expect(try client.jobMetrics(job.id, keys: ["val_loss"]).isEmpty)
        #expect(try client.jobCheckpoints(job.id).map(\.step) == [10])
        let model = try client.jobModel(job.id)
        #expect(model.params.names == ["0.weight", "0.bias"])
        #expect(model.params["0.weight"]?.shape == [1, 2] && model.scaling?.method == "standardize")
        let out = try client.predict(job.id, [Tensor.f32([1, 2, 3, 1], [2, 2])])
        #expect(out.count == 1 && out[0].shape == [2, 1] && out[0].doubles() == [0.5, 5.5])
        expectCode(422, "shape_mismatch") { _ = try client.predict(job.id, [Tensor.f32([1, 2, 3])]) }
        expectCode(404, "not_found") { _ = try client.jobMetrics("nope") }
    }

    @Test func eventsStreamInOrder() throws {
        let job = try client.submit(spec)
        var events: [JobEvent] = []
        let last = try client.events(job.id) { events.append($0); return .proceed }
        #expect(events.map(\.id) == (1...events.count).map(String.init), "ids 1, 2, 3, … with none missing")
        #expect(last == String(events.count))
        guard case .end(.succeeded, nil)? = events.last?.kind else { Issue.record("ends with end"); return }
        #expect(events.filter { if case .metric = $0.kind { true } else { false } }.count == 11)
        #expect(events.contains { if case .checkpoint(let c) = $0.kind { c.step == 10 } else { false } })
        #expect(events.contains { if case .log(let l) = $0.kind { l.level == "info" } else { false } })
        #expect(stub.streamRequests == [nil])
    }

    @Test func eventsReconnectWithLastEventID() throws {
        stub.dropStreams = 2
        stub.dropStreamAfter = 4
        let job = try client.submit(spec)
        var ids: [String] = []
        try client.events(job.id) { ids.append($0.id); return .proceed }
        #expect(ids == (1...ids.count).map(String.init), "after two broken connections: nothing missed, nothing twice")
        #expect(stub.streamRequests == [nil, "4", "8"], "each reconnect resumed after the last event seen")
    }

    @Test func eventsResumeAndStop() throws {
        let job = try client.waitForJob(try client.submit(spec).id)
        var ids: [String] = []
        try client.events(job.id, lastEventID: "10") { ids.append($0.id); return .proceed }
        #expect(ids.first == "11" && ids.count > 1, "\(ids)")
        var count = 0
        let stoppedAt = try client.events(job.id) { _ in
            count += 1
            return count == 3 ? .stop : .proceed
        }
        #expect(count == 3 && stoppedAt == "3", "the handler can stop the stream")
        expectCode(404, "not_found") { try client.events("nope") { _ in .proceed } }
    }

    @Test func eventsRetryUnavailableThenGiveUp() throws {
        let c = try TensorClient(.init(baseURL: stub.baseURL, token: "t0k", retryDelay: .milliseconds(1), maxReconnects: 2))
        let job = try c.submit(spec)
        stub.unavailableStreams = 2
        var count = 0
        try c.events(job.id) { _ in count += 1; return .proceed }
        #expect(count > 0 && stub.streamRequests.count == 3, "two 503s, then the stream")
        stub.unavailableStreams = 100
        do {
            try c.events(job.id) { _ in .proceed }
            Issue.record("expected to give up")
        } catch let e {
            #expect(e.status == 503 && e.code == "service_unavailable", "\(e)")
        }
        #expect(stub.streamRequests.count == 3 + 3, "one attempt and two reconnects")
    }

    @Test func jobErrorsAreTyped() throws {
        let noToken = try TensorClient(baseURL: stub.baseURL)
        expectCode(401, "unauthorized") { _ = try noToken.jobs() }
        expectCode(400, "invalid_request") { _ = try client.request("POST", "/v1/jobs", body: [1]) }
        do {
            _ = try client.submit(json: "{")
            Issue.record("expected invalid_request")
        } catch let e {
            #expect(e.code == "invalid_request" && e.status == nil, "refused before sending")
        }
        expectCode(404, "not_found") { _ = try client.cancelJob("nope") }
    }
}
