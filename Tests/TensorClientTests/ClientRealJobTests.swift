import Foundation
import Testing
import TensorClient
import TensorEngine
import TensorWire

/// The client's job calls against the real jobs of an in-process server (the stub tests cover
/// the corner cases the real server cannot be made to produce on demand).
@Suite(.serialized) final class ClientRealJobTests {
    let fixture: ServiceFixture
    let client: TensorClient

    init() throws {
        fixture = try ServiceFixture()
        client = try fixture.client()
    }

    /// Gradient descent on Σp², which halves p every step at lr 0.25: p_k = 4 · 0.5^k.
    let objective: JSONValue = ["name": "halving", "steps": 6,
                                "objective": ["params": ["p": ["data": [4.0]]], "expr": "loss = sum(p * p)"],
                                "optimizer": ["type": "sgd", "lr": 0.25]]

    @Test func submitWatchAndReadTheResults() throws {
        let job = try client.submit(objective, idempotencyKey: "real-1")
        #expect(try client.submit(objective, idempotencyKey: "real-1").id == job.id, "a retry returns the same job")
        var progress = 0
        let done = try client.waitForJob(job.id) { _ in progress += 1 }
        #expect(done.status == .succeeded, "\(done)")
        #expect(progress >= 1)
        let loss = try client.jobMetrics(job.id, keys: ["loss"])
        #expect(loss.map(\.step) == Array(0...6))
        #expect(loss.map(\.value) == (0...6).map { 16 * pow(0.25, Double($0)) })
        let model = try client.jobModel(job.id)
        #expect(model.params["p"]?.doubles() == [4 * pow(0.5, 6)])
        #expect(try client.allJobs(status: .succeeded).contains { $0.id == job.id })

        // The event stream replays everything and ends with the job; a resume skips what was seen.
        var kinds: [String] = []
        var firstMetricID = ""
        let last = try client.events(job.id) { event in
            switch event.kind {
            case .status: kinds.append("status")
            case .metric: kinds.append("metric"); if firstMetricID.isEmpty { firstMetricID = event.id }
            case .end(let status, _): kinds.append("end \(status)")
            default: break
            }
            return .proceed
        }
        #expect(kinds.filter { $0 == "metric" }.count >= 7)
        #expect(kinds.last == "end succeeded")
        var resumed = 0
        _ = try client.events(job.id, lastEventID: firstMetricID) { _ in resumed += 1; return .proceed }
        #expect(resumed < kinds.count && resumed > 0, "\(resumed) of \(kinds.count) after \(firstMetricID), last \(last)")

        try client.deleteJob(job.id)
        do {
            _ = try client.job(job.id)
            Issue.record("a deleted job is gone")
        } catch {
            #expect(error.status == 404)
        }
    }

    @Test func predictCancelAndErrors() throws {
        let line: JSONValue = ["name": "line", "model": ["layers": [["linear": ["in": 1, "out": 1]]], "seed": 1],
                               "data": ["x": ["data": [[0.0], [1.0], [2.0], [3.0]]], "y": ["data": [[1.0], [3.0], [5.0], [7.0]]], "shuffle": false],
                               "loss": "mse", "optimizer": ["type": "sgd", "lr": 0.05, "momentum": 0.9], "epochs": 300, "batch_size": 4]
        let fit = try client.waitForJob(try client.submit(line).id)
        #expect(fit.status == .succeeded)
        let y = try client.predict(fit.id, [Tensor([10] as [Float], shape: [1, 1])])
        #expect(abs(y[0].doubles()[0] - 21) < 0.5, "y = 2x + 1 at x = 10: \(y[0].doubles())")

        let long: JSONValue = ["name": "long", "steps": 1_000_000,
                               "objective": ["params": ["p": ["data": [1.0]]], "expr": "loss = sum(p * p)"],
                               "optimizer": ["type": "sgd", "lr": 0.001]]
        let running = try client.submit(long)
        let cancelled = try client.cancelJob(running.id)
        #expect([.cancelling, .cancelled].contains(cancelled.status))
        #expect(try client.waitForJob(running.id).status == .cancelled)

        do {
            _ = try client.submit(["name": "bad", "steps": 3, "objective": ["params": [:], "expr": "loss = 1"], "optimizer": ["type": "sgd"]])
            Issue.record("an invalid spec is refused")
        } catch {
            #expect(error.status == 422 && error.code == "invalid_job_spec", "\(error)")
        }
    }
}
