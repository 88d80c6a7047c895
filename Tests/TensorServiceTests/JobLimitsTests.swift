import Foundation
import Testing
@testable import TensorService

/// What a job may ask for is checked at submission: every limit, integers beyond 64 bits,
/// products that overflow, and programs that cannot run are 422 with a pointer, never a
/// crash or a job that fails at step 0.
@Suite(.serialized) struct JobLimitsTests {
    func refused(_ server: TestServer, _ body: String, _ status: Int = 422, pointer: String, mentions: String? = nil,
                 sourceLocation: SourceLocation = #_sourceLocation) throws {
        let r = try server.request("POST", "/v1/jobs", body: body)
        #expect(r.status == status, "\(r.text)", sourceLocation: sourceLocation)
        let j = try r.json()
        #expect((j["errors"] as? [[String: Any]])?.first?["pointer"] as? String == pointer, "\(r.text)", sourceLocation: sourceLocation)
        if let mentions { #expect((j["detail"] as? String ?? "").contains(mentions), "\(r.text)", sourceLocation: sourceLocation) }
    }

    static let (x, y) = JobFixtures.digits(0..<20)

    static func model(layers: String = #"[{"linear": {"in": 64, "out": 10}}]"#, epochs: String = "2", batch: String = "5") -> String {
        #"{"model": {"layers": \#(layers)}, "data": {"x": \#(x), "y": \#(y)}, "loss": "cross_entropy", "optimizer": {"type": "sgd", "lr": 0.1}, "epochs": \#(epochs), "batch_size": \#(batch)}"#
    }

    @Test func everyJobLimitIsEnforcedAtItsBoundary() throws {
        let server = try TestServer { c in
            c.maxElements = 2_000
            c.jobLimits.maxSteps = 100
            c.jobLimits.maxEpochs = 10
            c.jobLimits.maxBatchSize = 8
            c.jobLimits.maxLayerWidth = 64
        }
        defer { server.stop() }
        // Steps of an objective: 100 is allowed, 101 is not.
        _ = try server.submit(JobFixtures.bowl(steps: 100))
        try refused(server, JobFixtures.bowl(steps: 101), pointer: "/steps", mentions: "--max-job-steps")
        // Epochs, batch size, and epochs × batches per epoch (20 rows in batches of 5: 4 per epoch).
        _ = try server.submit(Self.model(epochs: "10", batch: "8"))
        try refused(server, Self.model(epochs: "11"), pointer: "/epochs", mentions: "--max-job-epochs")
        try refused(server, Self.model(batch: "9"), pointer: "/batch_size", mentions: "--max-job-batch-size")
        try refused(server, Self.model(epochs: "10", batch: "1"), pointer: "/epochs", mentions: "--max-job-steps")
        // Layer widths, then the parameter count against --max-elements (64×30 + 30 = 1,950 fits; one more layer does not).
        try refused(server, Self.model(layers: #"[{"linear": {"in": 64, "out": 65}}, {"linear": {"in": 65, "out": 10}}]"#),
                    pointer: "/model/layers/0/linear/out", mentions: "--max-layer-width")
        _ = try server.submit(Self.model(layers: #"[{"linear": {"in": 64, "out": 30}}]"#))
        try refused(server, Self.model(layers: #"[{"linear": {"in": 64, "out": 30}}, "relu", {"linear": {"in": 30, "out": 10}}]"#),
                    pointer: "/model/layers/2/linear", mentions: "--max-elements")
        // The parameters of an objective together (each 1,001 elements fits; both do not).
        let big = Array(repeating: "0.5", count: 1_001).joined(separator: ",")
        try refused(server, #"{"objective": {"params": {"a": {"data": [\#(big)]}, "b": {"data": [\#(big)]}}, "expr": "loss = sum(a) + sum(b)"}, "optimizer": {"type": "sgd"}, "steps": 3}"#,
                    pointer: "/objective/params", mentions: "--max-elements")
    }

    @Test func hostileIntegersAre4xxNeverACrash() throws {
        let server = try TestServer { c in
            // Limits wide open, so that only checked arithmetic stands between these and a trap.
            c.jobLimits.maxEpochs = Int.max
            c.jobLimits.maxBatchSize = Int.max
        }
        defer { server.stop() }
        let max = "9223372036854775807"
        try refused(server, Self.model(epochs: max, batch: "1"), pointer: "/epochs", mentions: "batches per epoch")
        try refused(server, Self.model(epochs: max, batch: max), pointer: "/epochs")
        try refused(server, JobFixtures.bowl(steps: Int.max), pointer: "/steps")
        try refused(server, Self.model(epochs: "99999999999999999999"), pointer: "/epochs", mentions: "out of range")
        try refused(server, Self.model(batch: "-9223372036854775808"), pointer: "/batch_size")
        try refused(server, Self.model(epochs: "true"), 400, pointer: "/epochs")
        try refused(server, Self.model(epochs: "2.5"), 400, pointer: "/epochs")
        // A batch as large as Int.max is one batch per epoch: accepted and trained.
        let id = try server.submit(Self.model(epochs: "1", batch: max))
        let job = try server.wait(id)
        #expect(job["status"] as? String == "succeeded", "\(job)")
        #expect((job["progress"] as? [String: Any])?["total_steps"] as? Int == 1)
        #expect(try server.request("GET", "/v1/health/live").status == 200)
    }

    @Test func aProgramThatCannotRunIsRefusedAtSubmission() throws {
        let server = try TestServer()
        defer { server.stop() }
        func objective(_ expr: String) -> String {
            #"{"objective": {"params": {"p": {"data": [1.0, 2.0]}}, "tensors": {"c": {"data": [1.0, 2.0, 3.0]}}, "expr": "\#(expr)"}, "optimizer": {"type": "sgd"}, "steps": 5}"#
        }
        try refused(server, objective("loss = sum(q * q)"), pointer: "/objective/expr", mentions: "q")
        try refused(server, objective("loss = sum(p * c)"), pointer: "/objective/expr")
        try refused(server, objective("loss = p * 2.0"), pointer: "/objective/expr", mentions: "one element")
        try refused(server, objective("loss = sum(p)[0]"), pointer: "/objective/expr")
        // Nothing was created by the refusals; a program that runs is accepted and succeeds.
        #expect((try server.request("GET", "/v1/jobs").json()["items"] as? [Any])?.isEmpty == true)
        let id = try server.submit(objective("loss = sum(p * p) + sum(c)"))
        #expect(try server.wait(id)["status"] as? String == "succeeded")
    }
}
