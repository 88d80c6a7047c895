import Foundation
import Testing
@testable import TensorService

/// What a job produces is bounded: its stored metric history, the writer's queue (the job
/// waits, memory does not grow), reads that never wait for the writer, and restarts.
@Suite(.serialized) struct JobsBoundedTests {
    @Test func aLongRunStoresABoundedHistoryThatKeepsItsShape() throws {
        let server = try TestServer { $0.jobLimits.maxMetricPoints = 100 }
        defer { server.stop() }
        // 3,001 loss points in ⌊(100 − 4) / 2⌋ = 48 buckets of 63 steps.
        let id = try server.submit(JobFixtures.bowl(steps: 3_000).replacingOccurrences(of: #""lr": 0.1"#, with: #""lr": 0.001"#))
        #expect(try server.wait(id)["status"] as? String == "succeeded")
        let all = try server.metrics(id)
        let loss = all.filter { $0.0 == "loss" }
        #expect(loss.count <= 100 && loss.count >= 48, "\(loss.count) loss points")
        #expect(Set(all.map(\.0)) == ["loss", "lr", "grad_norm", "p[0]", "p[1]"])
        #expect(Dictionary(grouping: all, by: \.0).values.allSatisfy { $0.count <= 100 })
        // First and last: p starts at (3, −2), c = (1, 0.5): loss 4 + 6.25, then × 0.998² per step.
        #expect(loss.first?.1 == 0 && loss.first?.2 == 10.25)
        #expect(loss.last?.1 == 3_000 && abs((loss.last?.2 ?? 0) - 10.25 * pow(0.996004, 3_000)) < 1e-5)
        // SGD on a bowl decreases the loss at every step: each bucket keeps its first step
        // (the maximum) and its last (the minimum), and nothing else.
        let steps = Set(loss.map(\.1))
        for b in 0..<48 {
            #expect(steps.intersection((b * 63)..<(b * 63 + 63)) == [b * 63, min(b * 63 + 62, 3_000)], "bucket \(b)")
        }
        // The event stream carries the same points, not one per step.
        let events = try server.request("GET", "/v1/jobs/\(id)/events").text
        let lossEvents = events.components(separatedBy: "\n\n").filter { $0.contains("event: metric") && $0.contains(#""key":"loss""#) }
        #expect(lossEvents.count == loss.count)
    }

    @Test func aLongObjectiveWritesAboutAThousandCheckpointsByDefault() throws {
        let server = try TestServer()
        defer { server.stop() }
        func checkpoints(_ id: String) throws -> [Int] {
            (try server.request("GET", "/v1/jobs/\(id)/checkpoints").json()["checkpoints"] as? [[String: Any]] ?? []).compactMap { $0["step"] as? Int }
        }
        let short = try server.submit(JobFixtures.bowl(steps: 250))
        #expect(try server.wait(short)["status"] as? String == "succeeded")
        #expect(try checkpoints(short) == [100, 200], "every 100 steps")
        let long = try server.submit(JobFixtures.bowl(steps: 300_000))
        let deadline = Date(timeIntervalSinceNow: 30)
        while try checkpoints(long).count < 2 && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        let steps = try checkpoints(long)
        #expect(steps.count >= 2 && steps.allSatisfy { $0 % 300 == 0 }, "every 300,000 / 1,000 steps: \(steps)")
        _ = try server.request("POST", "/v1/jobs/\(long)/cancel")
        try server.wait(long)
    }

    @Test func theWritersQueueIsBoundedAndMakesItsCallerWait() throws {
        let writer = SerialWriter(name: "test-writer", capacity: 2)
        let gate = DispatchSemaphore(value: 0), running = DispatchSemaphore(value: 0)
        writer.async { running.signal(); gate.wait() }
        running.wait()
        writer.async {}
        writer.async {}
        #expect(writer.queued == 2)
        let third = Locked(false)
        Thread.detachNewThread {
            writer.async {}
            third.update { $0 = true }
        }
        Thread.sleep(forTimeInterval: 0.2)
        #expect(third.value == false, "a third block waits for room")
        #expect(writer.queued == 2, "the queue does not grow")
        // A block queued without waiting (a job start, under the runner's lock) still gets in.
        writer.async(waiting: false) {}
        #expect(writer.queued == 3)
        gate.signal()
        writer.sync()
        let deadline = Date(timeIntervalSinceNow: 5)
        while !third.value && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        #expect(third.value, "it is queued once the writer has made room")
    }

    @Test func readsDoNotWaitForTheWriter() throws {
        let server = try TestServer()
        defer { server.stop() }
        let done = try server.submit(JobFixtures.bowl(steps: 20))
        #expect(try server.wait(done)["status"] as? String == "succeeded")
        // Hold the job writer: a read that waited for it would never answer.
        let gate = DispatchSemaphore(value: 0)
        server.service.jobs.writer.async { gate.wait() }
        defer { gate.signal() }
        let running = try server.submit(JobFixtures.bowl(steps: 1_000_000, name: "held"))
        for path in ["/v1/jobs", "/v1/jobs?status=succeeded", "/v1/jobs/\(done)", "/v1/jobs/\(running)", "/v1/jobs/\(done)/metrics",
                     "/v1/jobs/\(done)/events", "/v1/jobs/\(done)/checkpoints", "/metrics"] {
            let start = Date()
            let r = try server.request("GET", path)
            #expect(r.status == 200, "\(path): \(r.text)")
            #expect(-start.timeIntervalSinceNow < 2, "\(path) answered while the writer was held")
        }
        #expect(try server.metrics(done).filter { $0.0 == "loss" }.count == 21)
        try server.wait(running, for: ["running"])
        #expect(try server.service.jobs.store.job(running)?.attempts == 1, "its claim wrote its attempt, without the writer")
        gate.signal()
        _ = try server.request("POST", "/v1/jobs/\(running)/cancel")
        try server.wait(running)
    }

    /// The job lanes (idle scheduling class) take the runner's lock after every step; a read
    /// that took it too could wait as long as the kernel keeps an idle-class thread off the CPU.
    /// So do none of: reads of a job (its record, list, model), the replay of a submission
    /// (its idempotency key used before) and the deletion of a finished job (issue 13).
    @Test func readsOfLiveJobsDoNotTakeTheRunnersLock() throws {
        let server = try TestServer()
        defer { server.stop() }
        let spec = JobFixtures.bowl(steps: 5, name: "done")
        let done = try server.submit(spec, headers: ["Idempotency-Key": "k-done"])
        let gone = try server.submit(JobFixtures.bowl(steps: 5, name: "gone"))
        try server.wait(done)
        try server.wait(gone)
        let id = try server.submit(JobFixtures.bowl(steps: 1_000_000, name: "live"))
        try server.wait(id, for: ["running"])
        // Its parameters exist from its first step on.
        let deadline = Date(timeIntervalSinceNow: 30)
        while (try server.job(id)["progress"] as? [String: Any])?["step"] as? Int ?? 0 < 1 && Date() < deadline { usleep(5_000) }
        // Held as a lane preempted in its bookkeeping would hold it; the requests run on another
        // thread so that one that waited for the lock fails the test instead of hanging it.
        let runner: JobRunner = server.service.jobs, port = server.port
        let requests = ["GET /v1/jobs", "GET /v1/jobs?page_size=1", "GET /v1/jobs/\(id)", "GET /v1/jobs/\(id)/model",
                        "POST /v1/jobs", "DELETE /v1/jobs/\(gone)"]
        let answers = Locked<[String: TestResponse]>([:])
        let finished = DispatchSemaphore(value: 0)
        runner.lock.lock()
        Thread.detachNewThread {
            for request in requests {
                let body = request == "POST /v1/jobs" ? spec : ""
                let head = "\(request) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nIdempotency-Key: k-done\r\n"
                    + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
                if let r = try? TestResponse(TestServer.exchange(port: port, Array((head + body).utf8))) { answers.update { $0[request] = r } }
            }
            finished.signal()
        }
        let answered = finished.wait(timeout: .now() + 5) == .success
        runner.lock.unlock()
        #expect(answered, "requests answered while the runner's lock was held")
        if !answered { finished.wait() }
        for request in requests.prefix(3) {
            let r = answers.value[request]
            #expect(r?.status == 200, "\(request): \(r?.text ?? "no answer")")
            #expect(r?.text.contains(#""status":"running""#) == true, "\(request) shows the live job: \(r?.text ?? "")")
        }
        let model = answers.value["GET /v1/jobs/\(id)/model"]
        #expect(model?.status == 200 && (try? model?.json()["params"] as? [String: Any])?["p"] != nil, "\(model?.text ?? "no answer")")
        let replay = answers.value["POST /v1/jobs"]
        #expect(replay?.status == 202 && (try? replay?.json()["id"] as? String) == done, "\(replay?.text ?? "no answer")")
        #expect(answers.value["DELETE /v1/jobs/\(gone)"]?.status == 204)
        #expect(try server.request("GET", "/v1/jobs/\(gone)").status == 404)
        _ = try server.request("POST", "/v1/jobs/\(id)/cancel")
        #expect(try server.wait(id)["status"] as? String == "cancelled")
    }

    /// A clean stop (SIGTERM) is quick with long jobs running and does not count against them;
    /// kills do, unless the job checkpointed in between. A job that takes its node down again
    /// before its next checkpoint is failed after `--max-job-attempts` such starts, on one
    /// SQLite node restarted or across PostgreSQL nodes (each kill's jobs claimed by another
    /// node once their leases ran out); one that checkpoints between kills is resumed each
    /// time, however many there are.
    @Test(arguments: JobStoreTests.Kind.allCases)
    func aJobThatKeepsTakingItsNodeDownWithoutProgressIsFailedAfterItsAttempts(_ kind: JobStoreTests.Kind) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tensord-attempts-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var flags = ["--max-job-attempts", "2", "--shutdown-grace", "5", "--max-running-jobs", "2"]
        if kind == .postgres { flags += ["--database", try PostgresTestServer.shared.database(), "--lease-seconds", "4"] }
        var starts = 0
        func start() throws -> ChildServer {
            starts += 1
            return try ChildServer(directory: directory, arguments: flags + ["--node-id", "node\(starts)"])
        }
        var child = try start()
        defer { child.kill() }
        // Neither checkpoints nor stops on its own in this test: one never checkpoints, one every 50 steps.
        let stuck = try child.submit(JobFixtures.bowl(steps: 50_000_000, name: "stuck", extra: #", "checkpoint": {"every_steps": 1000000000}"#))
        let progressing = try child.submit(JobFixtures.bowl(steps: 50_000_000, name: "progressing", extra: #", "checkpoint": {"every_steps": 50}"#))

        /// Waits until this start of `id` runs on `child` and has stepped (and, with `checkpointed`,
        /// committed a checkpoint: its attempts are back to 0); returns the job.
        func waitUntilStepping(_ id: String, checkpointed: Bool = false) throws -> [String: Any] {
            let deadline = Date(timeIntervalSinceNow: 90)
            var from: Int?, job: [String: Any] = [:]
            while Date() < deadline {
                job = try child.get("/v1/jobs/\(id)")
                let step = (job["progress"] as? [String: Any])?["step"] as? Int ?? 0
                if job["status"] as? String == "running" && job["node"] as? String == "node\(starts)" {
                    if let from, step > from + 60, !checkpointed || job["attempts"] as? Int == 0 { return job }
                    from = from ?? step
                }
                usleep(10_000)
            }
            throw TestError("\(id) did not step on node\(starts): \(job)")
        }

        #expect(try waitUntilStepping(stuck)["attempts"] as? Int == 1)
        _ = try waitUntilStepping(progressing, checkpointed: true)
        let seconds = child.terminate()
        // The jobs would run for hours: the stop waits only for their steps under way (the grace
        // is 5 s; a loaded machine adds its own delays to a process's exit).
        #expect(seconds < 10, "SIGTERM took \(seconds) s")
        child = try start()
        #expect(try waitUntilStepping(stuck)["attempts"] as? Int == 1, "a clean stop used no attempt")
        _ = try waitUntilStepping(progressing, checkpointed: true)
        child.kill()
        child = try start()
        #expect(try waitUntilStepping(stuck)["attempts"] as? Int == 2, "the kill used one")
        #expect(try waitUntilStepping(progressing, checkpointed: true)["attempts"] as? Int == 0)
        child.kill()

        // The stuck job's next start would be its third in a row without progress: it fails.
        // The progressing one resumes after this kill and the next, past the limit.
        for _ in 0..<2 {
            child = try start()
            _ = try waitUntilStepping(progressing, checkpointed: true)
            child.kill()
        }
        child = try start()
        _ = try waitUntilStepping(progressing)
        let job = try child.get("/v1/jobs/\(stuck)")
        #expect(job["status"] as? String == "failed", "\(job)")
        #expect((job["status_message"] as? String ?? "").contains("not resumed"), "\(job)")
        #expect((job["error"] as? [String: Any])?["code"] as? String == "job_attempts_exhausted")
        #expect(try child.raw("/v1/jobs/\(stuck)/events").contains("event: end"), "its streams end")
        // (Its event stream would follow it: it runs until the test ends.)
        let resumed = try child.get("/v1/jobs/\(progressing)")
        #expect(resumed["status"] as? String == "running" && resumed["node"] as? String == "node6", "resumed after four kills: \(resumed)")
    }
}
