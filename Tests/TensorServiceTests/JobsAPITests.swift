import Foundation
import Testing
@testable import TensorService

/// The job endpoints over a real loopback socket.
@Suite(.serialized) struct JobsAPITests {
    func problem(_ r: TestResponse, _ status: Int, _ code: String, pointer: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(r.status == status, "\(r.text)", sourceLocation: sourceLocation)
        let j = try r.json()
        #expect(j["code"] as? String == code, "\(r.text)", sourceLocation: sourceLocation)
        if let pointer {
            #expect((j["errors"] as? [[String: Any]])?.first?["pointer"] as? String == pointer, "\(r.text)", sourceLocation: sourceLocation)
        }
    }

    @Test func submitReadListPageAndETag() throws {
        let server = try TestServer()
        defer { server.stop() }
        let r = try server.request("POST", "/v1/jobs", body: JobFixtures.bowl(steps: 20, name: "first"))
        #expect(r.status == 202)
        let id = try #require(try r.json()["id"] as? String)
        #expect(r.headers["location"] == "/v1/jobs/\(id)")
        let created = try r.json()
        for field in ["name", "status_message", "started_at", "finished_at", "error", "spec", "status_transitions", "progress", "latest_metrics"] {
            #expect(created.keys.contains(field), "missing \(field)")
        }
        let done = try server.wait(id)
        #expect(done["status"] as? String == "succeeded")
        #expect(done["status_message"] as? String == "completed 20 steps")
        let progress = try #require(done["progress"] as? [String: Any])
        #expect(progress["step"] as? Int == 20 && progress["total_steps"] as? Int == 20 && progress["percent"] as? Double == 100)
        #expect(progress["epoch"] is NSNull, "objective jobs have no epochs")
        #expect((done["status_transitions"] as? [[String: Any]])?.map { $0["status"] as? String } == ["queued", "running", "succeeded"])
        #expect(done["finished_at"] is String && done["error"] is NSNull)

        let get = try server.request("GET", "/v1/jobs/\(id)")
        let etag = try #require(get.headers["etag"])
        let notModified = try server.request("GET", "/v1/jobs/\(id)", headers: ["If-None-Match": etag])
        #expect(notModified.status == 304 && notModified.body.isEmpty && notModified.headers["etag"] == etag)
        #expect(try server.request("GET", "/v1/jobs/\(id)", headers: ["If-None-Match": "\"other\""]).status == 200)
        try problem(server.request("GET", "/v1/jobs/j-nope"), 404, "not_found")

        let second = try server.submit(JobFixtures.bowl(steps: 5, name: "second"))
        let third = try server.submit(JobFixtures.bowl(steps: 5, name: "third"))
        try server.wait(second); try server.wait(third)
        let all = try server.request("GET", "/v1/jobs").json()
        let items = try #require(all["items"] as? [[String: Any]])
        #expect(items.map { $0["id"] as? String } == [third, second, id], "newest first")
        #expect(items.allSatisfy { $0["spec"] == nil }, "listings leave out the spec")
        #expect(all["next_page_token"] is NSNull)
        var seen: [String] = []
        var token: String?
        repeat {
            let page = try server.request("GET", "/v1/jobs?page_size=2" + (token.map { "&page_token=\($0)" } ?? "")).json()
            seen += (page["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            token = page["next_page_token"] as? String
        } while token != nil
        #expect(seen == [third, second, id])
        let page1 = try server.request("GET", "/v1/jobs?page_size=1&status=succeeded").json()
        let t = try #require(page1["next_page_token"] as? String)
        try problem(server.request("GET", "/v1/jobs?page_token=\(t)"), 422, "invalid_argument", pointer: "/page_token")
        try problem(server.request("GET", "/v1/jobs?page_token=garbage"), 422, "invalid_argument")
        try problem(server.request("GET", "/v1/jobs?page_size=501"), 422, "invalid_argument")
        try problem(server.request("GET", "/v1/jobs?status=done"), 422, "invalid_argument")
        #expect((try server.request("GET", "/v1/jobs?status=failed").json()["items"] as? [Any])?.isEmpty == true)
        let metrics = try server.request("GET", "/metrics").text
        #expect(metrics.contains(#"tensord_jobs{status="succeeded"} 3.0"#))
    }

    @Test func badSpecsAre422WithAPointer() throws {
        let server = try TestServer()
        defer { server.stop() }
        let (x, y) = JobFixtures.digits(0..<20)
        func model(_ layers: String = #"[{"linear": {"in": 64, "out": 10}}]"#, data: String? = nil, loss: String = "cross_entropy",
                   optimizer: String = #"{"type": "sgd", "lr": 0.1}"#, extra: String = "") -> String {
            #"{"model": {"layers": \#(layers)}, "data": \#(data ?? #"{"x": \#(x), "y": \#(y)}"#), "loss": "\#(loss)", "optimizer": \#(optimizer), "epochs": 2\#(extra)}"#
        }
        try problem(server.request("POST", "/v1/jobs", body: model(#"[{"linear": {"in": 64, "out": 128}}, "relu", {"linear": {"in": 100, "out": 10}}]"#)),
                    422, "invalid_job_spec", pointer: "/model/layers/2/linear/in")
        try problem(server.request("POST", "/v1/jobs", body: model(#"[{"linear": {"in": 64, "out": 10}}, "swish"]"#)), 422, "invalid_job_spec", pointer: "/model/layers/1")
        try problem(server.request("POST", "/v1/jobs", body: model(loss: "hinge")), 422, "invalid_job_spec", pointer: "/loss")
        try problem(server.request("POST", "/v1/jobs", body: model(loss: "mse")), 422, "invalid_job_spec", pointer: "/data/y")
        try problem(server.request("POST", "/v1/jobs", body: model(#"[{"linear": {"in": 64, "out": 5}}]"#)), 422, "invalid_job_spec", pointer: "/data/y")
        try problem(server.request("POST", "/v1/jobs", body: model(optimizer: #"{"type": "adam", "momentum": 0.9}"#)), 422, "invalid_job_spec", pointer: "/optimizer/momentum")
        try problem(server.request("POST", "/v1/jobs", body: model(optimizer: #"{"type": "lbfgs"}"#)), 422, "invalid_job_spec", pointer: "/optimizer/type")
        try problem(server.request("POST", "/v1/jobs", body: model(extra: #", "lr_schedule": {"type": "step", "step_size": 0}"#)), 422, "invalid_job_spec", pointer: "/lr_schedule/step_size")
        try problem(server.request("POST", "/v1/jobs", body: model(extra: #", "stopping": {"early_stopping": {"metric": "val_loss", "patience": 2}}"#)),
                    422, "invalid_job_spec", pointer: "/stopping/early_stopping/metric")
        try problem(server.request("POST", "/v1/jobs", body: model(data: #"{"x": \#(x), "y": \#(y), "validation_split": 1.5}"#)), 422, "invalid_job_spec", pointer: "/data/validation_split")
        try problem(server.request("POST", "/v1/jobs", body: model(data: #"{"x": {"ref": "nope"}, "y": \#(y)}"#)), 422, "unknown_ref", pointer: "/data/x/ref")
        try problem(server.request("POST", "/v1/jobs", body: model(extra: #", "batch_size": 0"#)), 422, "invalid_job_spec", pointer: "/batch_size")
        try problem(server.request("POST", "/v1/jobs", body: #"{"model": {"layers": [{"linear": {"in": 64, "out": 10}}], "params": {"0.weight": {"shape": [10, 63], "data": [\#(Array(repeating: "0", count: 630).joined(separator: ","))]}}}, "data": {"x": \#(x), "y": \#(y)}, "loss": "cross_entropy", "optimizer": {"type": "sgd"}, "epochs": 1}"#),
                    422, "invalid_job_spec", pointer: "/model/params/0.weight")
        try problem(server.request("POST", "/v1/jobs", body: JobFixtures.bowl(steps: 5).replacingOccurrences(of: "loss = ", with: "l = ")), 422, "invalid_job_spec", pointer: "/objective/expr")
        try problem(server.request("POST", "/v1/jobs", body: JobFixtures.bowl(steps: 5).replacingOccurrences(of: "** 2)", with: "** )")), 422, "invalid_job_spec", pointer: "/objective/expr")
        try problem(server.request("POST", "/v1/jobs", body: JobFixtures.bowl(steps: 0)), 422, "invalid_job_spec", pointer: "/steps")
        // Structure: 400.
        try problem(server.request("POST", "/v1/jobs", body: #"{"model": {"layers": []}}"#), 400, "invalid_request", pointer: "/data")
        try problem(server.request("POST", "/v1/jobs", body: model(extra: #", "epoch": 3"#)), 400, "invalid_request", pointer: "/epoch")
        try problem(server.request("POST", "/v1/jobs", body: model().replacingOccurrences(of: #""epochs": 2"#, with: #""epochs": "2""#)), 400, "invalid_request", pointer: "/epochs")
        try problem(server.request("POST", "/v1/jobs", body: "{"), 400, "invalid_json")
        // null is a wrong JSON type where the schema does not allow it, not an absent member.
        try problem(server.request("POST", "/v1/jobs", body: model(extra: #", "name": null"#)), 400, "invalid_request", pointer: "/name")
        try problem(server.request("POST", "/v1/jobs", body: model(extra: #", "stopping": {"early_stopping": {"metric": null, "patience": 2}}"#)),
                    400, "invalid_request", pointer: "/stopping/early_stopping/metric")
        try problem(server.request("POST", "/v1/jobs", body: model(extra: #", "checkpoint": null"#)), 400, "invalid_request", pointer: "/checkpoint")
        try problem(server.request("POST", "/v1/jobs", body: JobFixtures.bowl(steps: 5).replacingOccurrences(of: #""steps": 5"#, with: #""steps": null"#)),
                    400, "invalid_request", pointer: "/steps")
        #expect((try server.request("GET", "/v1/jobs").json()["items"] as? [Any])?.isEmpty == true, "no bad spec became a job")
    }

    /// Stored tensors a model spec names are checked as inline ones are, and a model that the
    /// static checks pass but that cannot run is caught at submission by a dry run of its first step.
    @Test func modelSpecsThatCannotRunAre422AtSubmission() throws {
        let server = try TestServer()
        defer { server.stop() }
        let (x, y) = JobFixtures.digits(0..<20)
        func spec(_ model: String) -> String {
            #"{"model": \#(model), "data": {"x": \#(x), "y": \#(y)}, "loss": "cross_entropy", "optimizer": {"type": "sgd"}, "epochs": 1}"#
        }
        func zeros(_ n: Int) -> String { Array(repeating: "0", count: n).joined(separator: ",") }
        let layers = #"[{"linear": {"in": 64, "out": 10}}]"#
        // A stored weight one column short, named as params and through init.safetensors.
        #expect(try server.request("PUT", "/v1/tensors/m.0.weight", body: #"{"shape": [10, 63], "data": [\#(zeros(630))]}"#).status < 300)
        #expect(try server.request("PUT", "/v1/tensors/m.0.bias", body: #"{"shape": [10], "data": [\#(zeros(10))]}"#).status < 300)
        try problem(server.request("POST", "/v1/jobs", body: spec(#"{"layers": \#(layers), "params": {"0.weight": {"ref": "m.0.weight"}, "0.bias": {"ref": "m.0.bias"}}}"#)),
                    422, "invalid_job_spec", pointer: "/model/params/0.weight")
        try problem(server.request("POST", "/v1/jobs", body: spec(#"{"layers": \#(layers), "init": {"safetensors": "m."}}"#)),
                    422, "invalid_job_spec", pointer: "/model/init/safetensors")
        // float64 parameters pass the static checks (they are floating, of the right shapes),
        // but the first step cannot multiply them with the float32 data (as in PyTorch).
        let float64 = #"{"layers": \#(layers), "params": {"0.weight": {"shape": [10, 64], "dtype": "float64", "data": [\#(zeros(640))]}, "#
            + #""0.bias": {"shape": [10], "dtype": "float64", "data": [\#(zeros(10))]}}}"#
        try problem(server.request("POST", "/v1/jobs", body: spec(float64)), 422, "dtype_mismatch", pointer: "/model")
        #expect((try server.request("GET", "/v1/jobs").json()["items"] as? [Any])?.isEmpty == true, "no job was made")
        // The same parameters as float32 run.
        let id = try server.submit(spec(float64.replacingOccurrences(of: #""float64""#, with: #""float32""#)))
        #expect(try server.wait(id)["status"] as? String == "succeeded")
    }

    /// `clip_grad_norm` is the one member of a spec whose schema allows null (no clipping);
    /// the job's `spec` echoes it as sent.
    @Test func nullClipGradNormMeansNoClipping() throws {
        let server = try TestServer()
        defer { server.stop() }
        let id = try server.submit(JobFixtures.bowl(steps: 3, extra: #", "clip_grad_norm": null"#))
        let job = try server.wait(id)
        #expect(job["status"] as? String == "succeeded", "\(job)")
        let spec = try #require(try server.job(id)["spec"] as? [String: Any])
        #expect(spec["clip_grad_norm"] is NSNull)
        // Unclipped SGD on sum((p - c)^2): p ← p - 0.1 · 2(p - c), so p - c shrinks by 0.8 a step.
        let p = try #require(try server.request("GET", "/v1/jobs/\(id)/model").json()["params"] as? [String: Any])
        let data = try #require((p["p"] as? [String: Any])?["data"] as? [Double])
        #expect(abs(data[0] - (1.0 + 2.0 * 0.512)) < 1e-5 && abs(data[1] - (0.5 - 2.5 * 0.512)) < 1e-5, "\(data)")
    }

    @Test func idempotentResubmission() throws {
        let server = try TestServer()
        defer { server.stop() }
        let spec = JobFixtures.bowl(steps: 30)
        let first = try server.request("POST", "/v1/jobs", body: spec, headers: ["Idempotency-Key": "k-1"])
        let id = try #require(try first.json()["id"] as? String)
        try server.wait(id)
        let retry = try server.request("POST", "/v1/jobs", body: spec, headers: ["Idempotency-Key": "k-1"])
        #expect(retry.status == 202 && retry.headers["location"] == "/v1/jobs/\(id)")
        #expect(try retry.json()["id"] as? String == id)
        #expect(try retry.json()["status"] as? String == "succeeded", "a retry answers with the job as it is now")
        try problem(server.request("POST", "/v1/jobs", body: spec + " ", headers: ["Idempotency-Key": "k-1"]), 422, "idempotency_conflict")
        let other = try server.submit(spec, headers: ["Idempotency-Key": "k-2"])
        #expect(other != id)
        try problem(server.request("POST", "/v1/jobs", body: spec, headers: ["Idempotency-Key": "bad key"]), 400, "invalid_request")
        try server.wait(other)
        #expect((try server.request("GET", "/v1/jobs").json()["items"] as? [Any])?.count == 2)
    }

    @Test func cancelMidRunThenDelete() throws {
        // Every point of the long run is kept (no decimation), to count the steps taken.
        let server = try TestServer { $0.jobLimits.maxMetricPoints = 1_000_001 }
        defer { server.stop() }
        let id = try server.submit(JobFixtures.bowl(steps: 1_000_000))
        try problem(server.request("DELETE", "/v1/jobs/\(id)"), 409, "job_not_terminal")
        let deadline = Date(timeIntervalSinceNow: 20)
        while (try server.job(id)["progress"] as? [String: Any])?["step"] as? Int ?? 0 < 5 && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        let cancel = try server.request("POST", "/v1/jobs/\(id)/cancel")
        #expect(cancel.status == 202)
        #expect(["cancelling", "cancelled"].contains(try cancel.json()["status"] as? String ?? ""))
        let done = try server.wait(id, timeout: 5)
        #expect(done["status"] as? String == "cancelled")
        let statuses = (done["status_transitions"] as? [[String: Any]])?.map { $0["status"] as? String ?? "" }
        #expect(statuses == ["queued", "running", "cancelling", "cancelled"])
        let step = try #require((done["progress"] as? [String: Any])?["step"] as? Int)
        #expect(step >= 5 && step < 1_000_000)
        // Cancellation took effect within one step: nothing ran after the job said cancelled.
        Thread.sleep(forTimeInterval: 0.1)
        #expect((try server.job(id)["progress"] as? [String: Any])?["step"] as? Int == step)
        #expect(try server.metrics(id, query: "?key=loss").count == step, "the loss of every step taken, 0 … step − 1")
        #expect(try server.request("POST", "/v1/jobs/\(id)/cancel").status == 202, "idempotent")
        #expect(try server.request("GET", "/v1/jobs/\(id)/model").status == 200, "a cancelled job keeps its parameters")

        let queued = try TestServer { $0.maxRunningJobs = 1 }
        defer { queued.stop() }
        let blocker = try queued.submit(JobFixtures.bowl(steps: 1_000_000))
        let waiting = try queued.submit(JobFixtures.bowl(steps: 5))
        #expect(try queued.job(waiting)["status"] as? String == "queued")
        try problem(queued.request("GET", "/v1/jobs/\(waiting)/model"), 409, "job_not_ready")
        let c = try queued.request("POST", "/v1/jobs/\(waiting)/cancel").json()
        #expect(c["status"] as? String == "cancelled", "a queued job is cancelled at once")
        _ = try queued.request("POST", "/v1/jobs/\(blocker)/cancel")
        try queued.wait(blocker)

        let finished = try server.submit(JobFixtures.bowl(steps: 3))
        try server.wait(finished)
        try problem(server.request("POST", "/v1/jobs/\(finished)/cancel"), 409, "job_not_cancellable")
        #expect(try server.request("DELETE", "/v1/jobs/\(id)").status == 204)
        try problem(server.request("GET", "/v1/jobs/\(id)"), 404, "not_found")
        try problem(server.request("GET", "/v1/jobs/\(id)/metrics"), 404, "not_found")
        try problem(server.request("DELETE", "/v1/jobs/\(id)"), 404, "not_found")
    }

    @Test func queueIsBounded() throws {
        let server = try TestServer { $0.maxRunningJobs = 1; $0.maxQueuedJobs = 2 }
        defer { server.stop() }
        let ids = try (0..<3).map { _ in try server.submit(JobFixtures.bowl(steps: 1_000_000)) }
        let full = try server.request("POST", "/v1/jobs", body: JobFixtures.bowl(steps: 1))
        try problem(full, 429, "queue_full")
        #expect(full.headers["retry-after"] != nil)
        for id in ids.reversed() { _ = try server.request("POST", "/v1/jobs/\(id)/cancel") }
        for id in ids { try server.wait(id) }
    }

    @Test func metricsByKeyStepRangeAndMaxPoints() throws {
        let server = try TestServer()
        defer { server.stop() }
        let id = try server.submit(JobFixtures.bowl(steps: 10))
        try server.wait(id)
        let all = try server.metrics(id)
        #expect(Set(all.map(\.0)) == ["loss", "lr", "grad_norm", "p[0]", "p[1]"])
        #expect(all.filter { $0.0 == "loss" }.map(\.1) == Array(0...10), "loss at every step 0 … steps")
        #expect(all.filter { $0.0 == "lr" }.map(\.1) == Array(0..<10), "lr for each update")
        #expect(all.map(\.0) == all.map(\.0).sorted(), "sorted by key")
        let p0 = all.filter { $0.0 == "p[0]" }
        #expect(p0.first?.2 == 3.0)
        // p ← p − 0.1·2(p − c): the distance to c shrinks by 0.8 each step.
        #expect(abs(p0[1].2 - (1 + 0.8 * 2)) < 1e-6)
        let some = try server.metrics(id, query: "?key=loss&key=p%5B1%5D&start_step=2&end_step=4")
        #expect(some.map { "\($0.0)@\($0.1)" } == ["loss@2", "loss@3", "loss@4", "p[1]@2", "p[1]@3", "p[1]@4"])
        let thin = try server.metrics(id, query: "?key=loss&max_points=3")
        #expect(thin.map(\.1) == [0, 5, 10])
        let four = try server.metrics(id, query: "?key=loss&max_points=4")
        #expect(four.map(\.1) == [0, 3, 7, 10], "⌊i·10/3 + ½⌋")
        #expect(try server.metrics(id, query: "?key=nothing").isEmpty)
        try problem(server.request("GET", "/v1/jobs/\(id)/metrics?max_points=1"), 422, "invalid_argument")
        try problem(server.request("GET", "/v1/jobs/\(id)/metrics?key=&end_step=0"), 422, "invalid_argument")
        let checkpoints = try #require(try server.request("GET", "/v1/jobs/\(id)/checkpoints").json()["checkpoints"] as? [[String: Any]])
        #expect(checkpoints.isEmpty, "the default is a checkpoint every 100 steps")
    }

    @Test func modelAndPredictApplyTheScaling() throws {
        let server = try TestServer()
        defer { server.stop() }
        let spec = #"""
        {"name": "line-fit",
         "model": {"layers": [{"linear": {"in": 2, "out": 1}}],
                   "params": {"0.weight": {"shape": [1, 2], "data": [0.5, -0.25]}, "0.bias": {"shape": [1], "data": [0.1]}}},
         "data": {"x": {"shape": [4, 2], "data": [1, 2, 3, 4, 5, 6, 7, 8]}, "y": {"shape": [4, 1], "data": [1, 2, 3, 4]},
                  "shuffle": false, "scaling": "standardize"},
         "loss": "mse", "optimizer": {"type": "sgd", "lr": 0.1, "momentum": 0.9}, "epochs": 200, "batch_size": 4,
         "checkpoint": {"every_epochs": 50, "keep_last": 2}}
        """#
        let id = try server.submit(spec)
        try server.wait(id)
        let model = try server.request("GET", "/v1/jobs/\(id)/model").json()
        let params = try #require(model["params"] as? [String: Any])
        #expect(Set(params.keys) == ["0.weight", "0.bias"])
        let scaling = try #require(model["scaling"] as? [String: Any])
        #expect(scaling["method"] as? String == "standardize")
        #expect((scaling["shift"] as? [String: Any])?["data"] as? [Double] == [4, 5])
        let predicted = try server.request("POST", "/v1/jobs/\(id)/predict", body: #"{"inputs": [{"data": [[1, 2], [7, 8]]}, {"data": [3, 4]}]}"#)
        #expect(predicted.status == 200, "\(predicted.text)")
        let outputs = try #require(try predicted.json()["outputs"] as? [[String: Any]])
        #expect(outputs[0]["shape"] as? [Int] == [2, 1] && outputs[1]["shape"] as? [Int] == [1])
        let values = (outputs[0]["data"] as? [Double] ?? []) + (outputs[1]["data"] as? [Double] ?? [])
        for (v, want) in zip(values, [1.0, 4.0, 2.0]) { #expect(abs(v - want) < 1e-2, "\(values)") }
        try problem(server.request("POST", "/v1/jobs/\(id)/predict", body: #"{"inputs": [{"data": [[1, 2, 3]]}]}"#), 422, "shape_mismatch", pointer: "/inputs/0")
        let checkpoints = try #require(try server.request("GET", "/v1/jobs/\(id)/checkpoints").json()["checkpoints"] as? [[String: Any]])
        #expect(checkpoints.map { $0["epoch"] as? Int } == [100, 150], "every 50 epochs, keeping the last 2 (the end is the final model)")

        let objective = try server.submit(JobFixtures.bowl(steps: 3))
        try server.wait(objective)
        let p = try server.request("GET", "/v1/jobs/\(objective)/model?encoding=b64").json()
        #expect(((p["params"] as? [String: Any])?["p"] as? [String: Any])?["data_b64"] is String)
        try problem(server.request("POST", "/v1/jobs/\(objective)/predict", body: #"{"inputs": [{"data": [1, 2]}]}"#), 422, "invalid_argument")
    }

    @Test func aFailingStepFailsTheJobWithItsProblem() throws {
        let server = try TestServer()
        defer { server.stop() }
        // A fault the dry run finds is refused at submission; one that depends on the values
        // reached fails the job: the first update takes p[1] past 1, out of binary_cross_entropy's domain.
        try problem(server.request("POST", "/v1/jobs", body: #"{"objective": {"params": {"p": {"shape": [2], "data": [3, 1]}}, "tensors": {"q": {"shape": [3], "data": [1, 2, 3]}}, "expr": "loss = sum(p * q)"}, "optimizer": {"type": "sgd", "lr": 0.5}, "steps": 1000}"#),
                    422, "shape_mismatch", pointer: "/objective/expr")
        let id = try server.submit(#"{"objective": {"params": {"p": {"shape": [2], "data": [0.6, 0.9]}}, "tensors": {"c": {"data": [1.0, 1.0]}}, "expr": "loss = binary_cross_entropy(p, c)"}, "optimizer": {"type": "sgd", "lr": 0.5}, "steps": 1000}"#)
        let job = try server.wait(id)
        #expect(job["status"] as? String == "failed")
        let error = try #require(job["error"] as? [String: Any])
        #expect(error["code"] as? String == "invalid_argument")
        #expect((error["errors"] as? [[String: Any]])?.first?["pointer"] as? String == "/objective/expr")
        #expect((job["status_message"] as? String)?.hasPrefix("step 1: ") == true)
        let stream = try SSEClient(port: server.port, path: "/v1/jobs/\(id)/events")
        let (_, closed) = stream.read(timeout: 5)
        #expect(closed)
        let events = stream.events
        #expect(events.map(\.event).suffix(3) == ["status", "log", "end"])
        #expect(events.last?.data.contains(#""code":"invalid_argument""#) == true)
    }
}
