import Foundation
import Testing
@testable import TensorService

/// The sweep endpoints over a real loopback socket.
@Suite(.serialized) struct SweepsAPITests {
    /// A learning-rate sweep of the bowl `sum((p - c)²)` from p = [3, −2], c = [1, 0.5].
    static func bowlSweep(_ lrs: String, steps: Int = 10, name: String = "lr-sweep") -> String {
        #"{"name": "\#(name)", "base": \#(JobFixtures.bowl(steps: steps)), "grid": {"optimizer.lr": [\#(lrs)]}}"#
    }

    func problem(_ r: TestResponse, _ status: Int, _ code: String, pointer: String?, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(r.status == status, "\(r.text)", sourceLocation: sourceLocation)
        let j = try r.json()
        #expect(j["code"] as? String == code, "\(r.text)", sourceLocation: sourceLocation)
        if let pointer {
            #expect((j["errors"] as? [[String: Any]])?.first?["pointer"] as? String == pointer, "\(r.text)", sourceLocation: sourceLocation)
        }
    }

    func nothingCreated(_ server: TestServer, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect((try server.request("GET", "/v1/jobs").json()["items"] as? [Any])?.isEmpty == true, sourceLocation: sourceLocation)
        #expect((try server.request("GET", "/v1/sweeps").json()["items"] as? [Any])?.isEmpty == true, sourceLocation: sourceLocation)
    }

    func waitSweep(_ server: TestServer, _ id: String, timeout: Double = 60) throws -> [String: Any] {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline {
            let s = try server.request("GET", "/v1/sweeps/\(id)").json()
            if let status = s["status"] as? String, ["succeeded", "failed", "cancelled"].contains(status) { return s }
            Thread.sleep(forTimeInterval: 0.01)
        }
        throw TestError("sweep \(id) did not finish in \(timeout) s")
    }

    /// SGD on the bowl scales p − c by (1 − 2·lr) per step, so after k steps the loss is
    /// 10.25·(1 − 2·lr)^(2k): lr 0.01 crawls, 0.4 converges, 1.0 oscillates forever.
    @Test func learningRateSweepRunsEveryValueAndRanksThem() throws {
        let server = try TestServer()
        defer { server.stop() }
        let r = try server.request("POST", "/v1/sweeps", body: Self.bowlSweep("0.01, 0.4, 1.0"))
        #expect(r.status == 202, "\(r.text)")
        let created = try r.json()
        let id = try #require(created["id"] as? String)
        let jobIds = try #require(created["jobs"] as? [String])
        #expect(jobIds.count == 3 && r.headers["location"] == "/v1/sweeps/\(id)")
        for (jobId, lr) in zip(jobIds, [0.01, 0.4, 1.0]) {
            let job = try server.job(jobId)
            #expect(job["sweep_id"] as? String == id)
            #expect((job["grid"] as? [String: Any])?["optimizer.lr"] as? Double == lr)
            #expect(((job["spec"] as? [String: Any])?["optimizer"] as? [String: Any])?["lr"] as? Double == lr)
            #expect(job["name"] as? String == "bowl", "the base's name is kept")
        }
        let done = try waitSweep(server, id)
        #expect(done["status"] as? String == "succeeded")
        let jobs = try #require(done["jobs"] as? [[String: Any]])
        #expect(jobs.map { $0["id"] as? String } == jobIds)
        let finals = jobs.map { (($0["final_metrics"] as? [String: Any])?["loss"] as? NSNumber)?.doubleValue ?? .nan }
        #expect(abs(finals[0] - 10.25 * pow(0.98, 20)) < 1e-4 * 10.25)
        #expect(finals[1] < 1e-10)
        #expect(abs(finals[2] - 10.25) < 1e-4)
        // Best over the history: the first point (step 0) is the worst of a converging run.
        let bests = jobs.map { (($0["best_metrics"] as? [String: Any])?["loss"] as? NSNumber)?.doubleValue ?? .nan }
        #expect(abs(bests[0] - finals[0]) < 1e-6 && abs(bests[2] - 10.25) < 1e-4)
        let best = try #require(done["best"] as? [String: Any])
        #expect(best["job_id"] as? String == jobIds[1] && done["metric"] as? String == "loss" && done["rank_by"] as? String == "final")
        #expect((best["grid"] as? [String: Any])?["optimizer.lr"] as? Double == 0.4)
        let progress = try #require(done["progress"] as? [String: Any])
        #expect(progress["jobs"] as? Int == 3 && progress["succeeded"] as? Int == 3 && progress["percent"] as? Double == 100)

        let list = try #require(try server.request("GET", "/v1/sweeps").json()["items"] as? [[String: Any]])
        #expect(list.map { $0["id"] as? String } == [id])
        #expect(list[0]["status"] as? String == "succeeded")
        try problem(server.request("GET", "/v1/sweeps/\(id)?metric=loss&rank_by=median"), 422, "invalid_argument", pointer: "/rank_by")
        try problem(server.request("GET", "/v1/sweeps/\(id)?metric=bleu"), 422, "invalid_argument", pointer: "/metric")
        #expect(try server.request("GET", "/v1/sweeps/s-nope").status == 404)
    }

    /// Two paths make the product, the last varying fastest; an array index and a member the
    /// base lacks are paths too.
    @Test func gridOfTwoPathsMakesEveryCombination() throws {
        let server = try TestServer()
        defer { server.stop() }
        let body = #"{"base": \#(JobFixtures.bowl(steps: 2)), "grid": {"optimizer.type": ["sgd", "adam"], "objective.params.p.data.0": [1.0, 5.0], "optimizer.weight_decay": [0.0]}}"#
        let r = try server.request("POST", "/v1/sweeps", body: body)
        #expect(r.status == 202, "\(r.text)")
        let jobIds = try #require(try r.json()["jobs"] as? [String])
        let specs = try jobIds.map { try #require(try server.job($0)["spec"] as? [String: Any]) }
        #expect(specs.map { ($0["optimizer"] as? [String: Any])?["type"] as? String } == ["sgd", "sgd", "adam", "adam"])
        let starts = specs.map { ((($0["objective"] as? [String: Any])?["params"] as? [String: Any])?["p"] as? [String: Any])?["data"] as? [Double] }
        #expect(starts == [[1.0, -2.0], [5.0, -2.0], [1.0, -2.0], [5.0, -2.0]])
        #expect(specs.allSatisfy { ($0["optimizer"] as? [String: Any])?["weight_decay"] as? Double == 0 })
    }

    @Test func aBadCombinationIs422IntoTheGridAndCreatesNothing() throws {
        let server = try TestServer { $0.maxSweepJobs = 4; $0.maxQueuedJobs = 3 }
        defer { server.stop() }
        try problem(server.request("POST", "/v1/sweeps", body: Self.bowlSweep("0.1, -1.0")), 422, "invalid_grid", pointer: "/grid/optimizer.lr/1")
        try nothingCreated(server)
        let badType = #"{"base": \#(JobFixtures.bowl(steps: 2)), "grid": {"optimizer.type": ["sgd", "lbfgs"]}}"#
        try problem(server.request("POST", "/v1/sweeps", body: badType), 422, "invalid_grid", pointer: "/grid/optimizer.type/1")
        let wrongJSONType = #"{"base": \#(JobFixtures.bowl(steps: 2)), "grid": {"steps": [2, "many"]}}"#
        try problem(server.request("POST", "/v1/sweeps", body: wrongJSONType), 422, "invalid_grid", pointer: "/grid/steps/1")
        let throughANumber = #"{"base": \#(JobFixtures.bowl(steps: 2)), "grid": {"steps.count": [2]}}"#
        try problem(server.request("POST", "/v1/sweeps", body: throughANumber), 422, "invalid_grid", pointer: "/grid/steps.count")
        let pastTheArray = #"{"base": \#(JobFixtures.bowl(steps: 2)), "grid": {"objective.params.p.data.2": [2.0]}}"#
        try problem(server.request("POST", "/v1/sweeps", body: pastTheArray), 422, "invalid_grid", pointer: "/grid/objective.params.p.data.2")
        try problem(server.request("POST", "/v1/sweeps", body: Self.bowlSweep("1, 2, 3, 4, 5")), 422, "invalid_grid", pointer: "/grid")
        try problem(server.request("POST", "/v1/sweeps", body: #"{"base": \#(JobFixtures.bowl(steps: 2)), "grid": {"a..b": [1]}}"#), 422, "invalid_grid", pointer: "/grid/a..b")
        try problem(server.request("POST", "/v1/sweeps", body: #"{"base": \#(JobFixtures.bowl(steps: 2)), "grid": {}}"#), 422, "invalid_grid", pointer: "/grid")
        try problem(server.request("POST", "/v1/sweeps", body: #"{"base": \#(JobFixtures.bowl(steps: 2)), "grid": {"steps": 3}}"#), 400, "invalid_request", pointer: "/grid/steps")
        try problem(server.request("POST", "/v1/sweeps", body: #"{"grid": {"steps": [3]}}"#), 400, "invalid_request", pointer: "/base")
        // A fault of the base is reported in the base.
        let badBase = #"{"base": {"objective": {"params": {"p": {"data": [1.0]}}, "expr": "loss = sum(p)"}, "optimizer": {"type": "sgd", "lr": 0.1}, "steps": 0}, "grid": {"optimizer.lr": [0.1]}}"#
        try problem(server.request("POST", "/v1/sweeps", body: badBase), 422, "invalid_job_spec", pointer: "/base/steps")
        try problem(server.request("POST", "/v1/sweeps", body: Self.bowlSweep("0.1, 0.2, 0.3, 0.4")), 429, "queue_full", pointer: nil)
        try nothingCreated(server)
    }

    @Test func idempotencyKeyReturnsTheSameSweep() throws {
        let server = try TestServer()
        defer { server.stop() }
        let first = try server.request("POST", "/v1/sweeps", body: Self.bowlSweep("0.1, 0.2"), headers: ["Idempotency-Key": "sweep-1"])
        let again = try server.request("POST", "/v1/sweeps", body: Self.bowlSweep("0.1, 0.2"), headers: ["Idempotency-Key": "sweep-1"])
        #expect(first.status == 202 && again.status == 202)
        #expect(try first.json()["id"] as? String == again.json()["id"] as? String)
        #expect(try first.json()["jobs"] as? [String] == again.json()["jobs"] as? [String])
        let other = try server.request("POST", "/v1/sweeps", body: Self.bowlSweep("0.3"), headers: ["Idempotency-Key": "sweep-1"])
        try problem(other, 422, "idempotency_conflict", pointer: nil)
        #expect((try server.request("GET", "/v1/jobs").json()["items"] as? [Any])?.count == 2)
    }

    @Test func cancelThenDeleteRemovesTheSweepAndItsJobs() throws {
        let server = try TestServer { $0.maxRunningJobs = 1 }
        defer { server.stop() }
        let r = try server.request("POST", "/v1/sweeps", body: Self.bowlSweep("0.001, 0.002", steps: 1_000_000))
        let id = try #require(try r.json()["id"] as? String)
        let jobIds = try #require(try r.json()["jobs"] as? [String])
        try server.wait(jobIds[0], for: ["running"])
        #expect(try server.job(jobIds[1])["status"] as? String == "queued", "the running-jobs limit holds for sweeps")
        #expect(try server.request("GET", "/v1/sweeps/\(id)").json()["status"] as? String == "running")
        let busy = try server.request("DELETE", "/v1/sweeps/\(id)")
        try problem(busy, 409, "sweep_not_terminal", pointer: nil)
        let cancel = try server.request("POST", "/v1/sweeps/\(id)/cancel")
        #expect(cancel.status == 202, "\(cancel.text)")
        for job in jobIds { try server.wait(job) }
        #expect(try waitSweep(server, id)["status"] as? String == "cancelled")
        #expect(try server.request("DELETE", "/v1/sweeps/\(id)").status == 204)
        #expect(try server.request("GET", "/v1/sweeps/\(id)").status == 404)
        for job in jobIds { #expect(try server.request("GET", "/v1/jobs/\(job)").status == 404) }
    }

    @Test func aSweepOutlivesARestart() throws {
        let first = try TestServer()
        let r = try first.request("POST", "/v1/sweeps", body: Self.bowlSweep("0.1, 0.2", steps: 3))
        let id = try #require(try r.json()["id"] as? String)
        _ = try waitSweep(first, id)
        first.stop(removeData: false)
        let second = try TestServer(directory: first.directory)
        defer { second.stop() }
        let sweep = try second.request("GET", "/v1/sweeps/\(id)").json()
        #expect(sweep["status"] as? String == "succeeded")
        let grids = (sweep["jobs"] as? [[String: Any]])?.map { ($0["grid"] as? [String: Any])?["optimizer.lr"] as? Double }
        #expect(grids == [0.1, 0.2])
    }

    /// A job store made before sweeps gains their columns, and its jobs read as lone jobs.
    @Test func aStoreFromBeforeSweepsIsMigrated() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("jobs-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let old = try SQLiteDatabase(path: path)
            try old.execute("""
                CREATE TABLE jobs (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, name TEXT, objective INTEGER NOT NULL,
                    status TEXT NOT NULL, status_message TEXT, created_at INTEGER NOT NULL, started_at INTEGER, finished_at INTEGER,
                    step INTEGER NOT NULL, epoch INTEGER, total_steps INTEGER, total_epochs INTEGER, latest TEXT NOT NULL,
                    error TEXT, transitions TEXT NOT NULL, runtime REAL NOT NULL, spec BLOB NOT NULL, idempotency_key TEXT UNIQUE);
                INSERT INTO jobs (id, objective, status, created_at, step, latest, transitions, runtime, spec)
                    VALUES ('j-old', 1, 'succeeded', 0, 5, '{"values":{}}', '[]', 0, X'7B7D');
                """)
        }
        let store = try SQLiteJobStore(path: path)
        let job = try #require(try store.job("j-old"))
        #expect(job.sweepId == nil && job.grid == nil && job.step == 5)
        var record = job
        record.id = "j-new"
        record.idempotencyKey = nil
        record.sweepId = "s-1"
        record.grid = Array(#"{"optimizer.lr":0.1}"#.utf8)
        _ = try store.create(record, events: [], blobs: [:])
        #expect(try store.jobs(sweep: "s-1").map(\.grid) == [record.grid])
    }
}
