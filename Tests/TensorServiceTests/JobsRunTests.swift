import Foundation
import Testing
@testable import TensorService
#if canImport(Glibc)
import Glibc
#endif

/// Jobs end to end: a real classifier, many jobs at once, and a crash in the middle of one.
@Suite(.serialized) struct JobsRunTests {
    /// A digits MLP trained as a job classifies the 20 % of the digits it never saw (every
    /// fifth image, held out of training and validation).
    @Test func digitsMLPJobSucceedsAndGeneralises() throws {
        let server = try TestServer()
        defer { server.stop() }
        let heldOut = stride(from: 4, to: 1797, by: 5).map { $0 }
        let training = (0..<1797).filter { $0 % 5 != 4 }
        let spec = JobFixtures.digitsJob(training, epochs: 12, extra: #", "lr_schedule": {"type": "cosine", "t_max": 12, "eta_min": 0.0003}"#)
        let id = try server.submit(spec)
        let job = try server.wait(id, timeout: 300)
        #expect(job["status"] as? String == "succeeded", "\(job)")
        let latest = try #require(job["latest_metrics"] as? [String: Any])
        let valAccuracy = try #require(latest["val_accuracy"] as? Double)
        #expect(valAccuracy >= 0.9)
        #expect((job["progress"] as? [String: Any])?["epoch"] as? Int == 12)

        let (x, _) = JobFixtures.digits(heldOut)
        let labels = heldOut.map { JobFixtures.digitsCSV[$0][64] }
        let predicted = try server.request("POST", "/v1/jobs/\(id)/predict", body: #"{"inputs": [\#(x)]}"#)
        let logits = try #require((try predicted.json()["outputs"] as? [[String: Any]])?.first?["data"] as? [Double])
        let classes = stride(from: 0, to: logits.count, by: 10).map { i in (0..<10).max { logits[i + $0] < logits[i + $1] }! }
        let accuracy = Double(zip(classes, labels).filter { $0 == $1 }.count) / Double(labels.count)
        print("digits job: held-out accuracy \(accuracy) on \(labels.count) images, val_accuracy \(valAccuracy)")
        #expect(accuracy >= 0.93, "held-out accuracy \(accuracy)")

        let metrics = try server.metrics(id, query: "?key=loss&key=val_loss&key=val_accuracy")
        let steps = (training.count - training.count / 10 + 31) / 32
        #expect(metrics.filter { $0.0 == "loss" }.map(\.1) == Array(0..<(12 * steps)))
        #expect(metrics.filter { $0.0 == "val_loss" }.map(\.1) == (1...12).map { $0 * steps }, "validation at the step that ends each epoch")
        #expect(try #require(try server.request("GET", "/v1/jobs/\(id)/checkpoints").json()["checkpoints"] as? [Any]).count == 3)
    }

    /// Shutdown returns only after the job step under way has ended (a process that exits in
    /// the middle of a step tears BLAS down under it), and no step runs after it.
    @Test func shutdownWaitsForTheStepUnderWay() throws {
        let server = try TestServer()
        defer { server.stop() }
        // Each step multiplies two 800×800 matrices (~10 ms): long enough to be caught in the middle.
        let id = try server.submit(#"""
            {"objective": {"params": {"p": {"data": [1.0]}}, "expr": "loss = sum(tanh(ones([800, 800]) @ ones([800, 800]))) * sum(p ** 2)"},
             "optimizer": {"type": "sgd", "lr": 0.0001}, "steps": 1000000}
            """#)
        try server.wait(id, for: ["running"])
        func step() throws -> Int { try #require((try server.job(id)["progress"] as? [String: Any])?["step"] as? Int) }
        let deadline = Date(timeIntervalSinceNow: 60)
        while try step() < 3 {
            #expect(try server.job(id)["status"] as? String == "running")
            try #require(Date() < deadline, "the job should make steps")
            usleep(1000)
        }
        #expect(try server.job(id)["node"] as? String == server.service.configuration.nodeId, "the job names the node that runs it")
        server.service.jobs.shutdown()
        let atShutdown = try step()
        usleep(200_000)
        #expect(try step() == atShutdown, "no step completed after shutdown returned")
        #expect(server.service.jobs.steps.current == 0)
        #expect(try server.job(id)["status"] as? String == "running", "the job stays running, to resume on restart")
        let stored = try #require(try server.service.jobs.store.job(id))
        #expect(stored.owner == nil && stored.attempts == 0, "a clean stop releases the lease and uses no attempt")
        #expect(try server.service.jobs.store.claim(node: "other", leaseMillis: 1000, job: nil)?.id == id, "another node may resume it at once")
    }

    /// 20 jobs submitted at once all finish, never more than `max_running_jobs` at a time.
    @Test func twentyJobsAtOnce() throws {
        nonisolated(unsafe) let server = try TestServer { $0.maxRunningJobs = 3 }
        defer { server.stop() }
        let ids = Locked([String]())
        let maxRunning = Locked(0)
        let done = Locked(false)
        let monitor = Thread {
            while !done.value {
                let n = server.service.jobs.runningCount
                maxRunning.update { $0 = max($0, n) }
                usleep(500)
            }
        }
        monitor.start()
        DispatchQueue.concurrentPerform(iterations: 20) { i in
            if let id = try? server.submit(JobFixtures.bowl(steps: 200, name: "job-\(i)")) { ids.update { $0.append(id) } }
        }
        #expect(ids.value.count == 20)
        let jobs = try ids.value.map { try server.wait($0, timeout: 120) }
        done.update { $0 = true }
        #expect(jobs.allSatisfy { $0["status"] as? String == "succeeded" })
        #expect(maxRunning.value <= 3 && maxRunning.value >= 2, "at most 3 running, saw \(maxRunning.value)")
        // The same from the recorded transitions: running intervals never overlap more than 3 deep.
        var edges: [(String, Int)] = []
        for j in jobs {
            for t in j["status_transitions"] as? [[String: Any]] ?? [] {
                let at = t["at"] as? String ?? ""
                if t["status"] as? String == "running" { edges.append((at, 1)) }
                if t["status"] as? String == "succeeded" { edges.append((at, -1)) }
            }
        }
        var depth = 0, deepest = 0
        for (_, d) in edges.sorted(by: { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }) { depth += d; deepest = max(deepest, depth) }
        #expect(deepest <= 3)
    }

    /// `kill -9` in the middle of training; the restarted server resumes the job from its last
    /// checkpoint and ends with the parameters and metric history of an uninterrupted run.
    @Test func crashMidTrainingResumesBitIdentically() throws {
        let spec = JobFixtures.digitsJob(0..<600, epochs: 30, hidden: 48, extra: #", "checkpoint": {"every_steps": 7}"#)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tensord-crash-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }

        var child = try ChildServer(directory: directory)
        let id = try child.submit(spec)
        var killedAt = 0
        let deadline = Date(timeIntervalSinceNow: 60)
        // Kill once a checkpoint is in the store: the job writer runs in the idle scheduling
        // class, so while other work keeps the cores busy it may commit after the lane has
        // stepped past the checkpoint.
        while Date() < deadline {
            let job = try child.get("/v1/jobs/\(id)")
            let step = (job["progress"] as? [String: Any])?["step"] as? Int ?? 0
            let stored = try child.get("/v1/jobs/\(id)/checkpoints")["checkpoints"] as? [Any] ?? []
            if step >= 30 && !stored.isEmpty { killedAt = step; break }
            usleep(2000)
        }
        child.kill()
        #expect(killedAt >= 30 && killedAt < 30 * 17, "killed mid-run at step \(killedAt)")

        child = try ChildServer(directory: directory)
        defer { child.kill() }
        var job: [String: Any] = [:]
        while Date() < deadline.addingTimeInterval(60) {
            job = try child.get("/v1/jobs/\(id)")
            if job["status"] as? String == "succeeded" || job["status"] as? String == "failed" { break }
            usleep(20_000)
        }
        #expect(job["status"] as? String == "succeeded", "\(job)")
        let events = try child.raw("/v1/jobs/\(id)/events")
        #expect(events.contains("resumed after a restart from the checkpoint at step "), "the job resumed from a checkpoint")
        let crashed = try child.raw("/v1/jobs/\(id)/model?encoding=b64")
        let crashedMetrics = try child.get("/v1/jobs/\(id)/metrics")["metrics"] as? [[String: Any]] ?? []

        let reference = try TestServer()
        defer { reference.stop() }
        let refId = try reference.submit(spec)
        try reference.wait(refId, timeout: 120)
        let uninterrupted = try reference.request("GET", "/v1/jobs/\(refId)/model?encoding=b64").text
        #expect(crashed == uninterrupted, "final parameters are bit-identical")
        let refMetrics = try reference.request("GET", "/v1/jobs/\(refId)/metrics").json()["metrics"] as? [[String: Any]] ?? []
        func strip(_ m: [[String: Any]]) -> [String] { m.map { "\($0["key"]!)@\($0["step"]!)=\($0["value"]!)" } }
        #expect(strip(crashedMetrics) == strip(refMetrics), "no metric step lost or duplicated")
        let losses = crashedMetrics.filter { $0["key"] as? String == "loss" }.compactMap { $0["step"] as? Int }
        #expect(losses == Array(0..<(30 * 17)))
    }
}
