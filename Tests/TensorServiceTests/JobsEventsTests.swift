import Foundation
import Testing
@testable import TensorService

/// `GET /v1/jobs/{id}/events`: replay, live following, `Last-Event-ID`, heartbeats.
@Suite(.serialized) struct JobsEventsTests {
    @Test func replayOfAFinishedJobEndsWithEnd() throws {
        let server = try TestServer()
        defer { server.stop() }
        let id = try server.submit(JobFixtures.bowl(steps: 4))
        try server.wait(id)
        let stream = try SSEClient(port: server.port, path: "/v1/jobs/\(id)/events")
        let (_, closed) = stream.read(timeout: 5)
        #expect(closed, "the server closes the stream after end")
        let events = stream.events
        #expect(events.map(\.id) == (1...events.count).map { $0 }, "ids count from 1 without gaps")
        #expect(events.first?.event == "status" && events.first?.data.contains(#""status":"queued""#) == true)
        #expect(events.last == SSEEvent(id: events.count, event: "end", data: #"{"status":"succeeded","error":null}"#))
        // 5 losses, 5·2 trajectory points, 4 lr and 4 grad_norm.
        #expect(events.filter { $0.event == "metric" }.count == 5 + 10 + 8)
        #expect(events.contains { $0.event == "metric" && $0.data.hasPrefix(#"{"key":"loss","step":0,"epoch":null,"value":"#) })

        let resumed = try SSEClient(port: server.port, path: "/v1/jobs/\(id)/events", headers: ["Last-Event-ID": "10"])
        _ = resumed.read(timeout: 5)
        #expect(resumed.events == Array(events.dropFirst(10)), "Last-Event-ID replays exactly what follows it")
        let bad = try server.request("GET", "/v1/jobs/\(id)/events", headers: ["Last-Event-ID": "x"])
        #expect(bad.status == 422)
    }

    /// A client that disconnects mid-stream and reconnects with the last id it saw gets every
    /// event exactly once.
    @Test func lastEventIdResumesALiveStream() throws {
        let server = try TestServer()
        defer { server.stop() }
        let id = try server.submit(JobFixtures.bowl(steps: 400))
        var first: [SSEEvent]
        do {
            let live = try SSEClient(port: server.port, path: "/v1/jobs/\(id)/events")
            _ = live.read(timeout: 10) { $0.components(separatedBy: "event: metric").count > 30 }
            first = live.events
        }
        let lastSeen = try #require(first.last?.id)
        let again = try SSEClient(port: server.port, path: "/v1/jobs/\(id)/events", headers: ["Last-Event-ID": String(lastSeen)])
        let (_, closed) = again.read(timeout: 30)
        #expect(closed)
        let all = first + again.events
        #expect(all.map(\.id) == (1...all.count).map { $0 }, "nothing missed, nothing twice")
        #expect(all.last?.event == "end")
        let replay = try SSEClient(port: server.port, path: "/v1/jobs/\(id)/events")
        _ = replay.read(timeout: 10)
        #expect(replay.events == all, "the live stream and the replay agree")
        #expect(all.filter { $0.event == "checkpoint" }.count == 4, "every 100 steps")
    }

    /// Checkpoint and log events are capped per job (`--max-job-events`): the oldest go while
    /// the job runs, status, metric and end events all stay, and a client resuming from a
    /// pruned id gets the stored events after it.
    @Test func checkpointAndLogEventsAreCappedPerJob() throws {
        let server = try TestServer { $0.jobLimits.maxEvents = 20 }
        defer { server.stop() }
        // A checkpoint every 2 steps: 199 checkpoint events over the run.
        let id = try server.submit(JobFixtures.bowl(steps: 400, extra: #", "checkpoint": {"every_steps": 2, "keep_last": 1}"#))
        let store = server.service.jobs.store
        func capped() throws -> Int { try store.events(job: id, after: 0, limit: 100_000).filter { $0.kind.isCapped }.count }
        var most = 0
        let deadline = Date(timeIntervalSinceNow: 60)
        while Date() < deadline, try store.job(id)?.status.isTerminal != true {
            most = max(most, try capped())
            Thread.sleep(forTimeInterval: 0.005)
        }
        #expect(try server.wait(id)["status"] as? String == "succeeded")
        // Pruned every 20 / 10 = 2 new ones, in the commit that writes them.
        #expect(most <= 22, "at most \(most) stored while running")
        let stream = try SSEClient(port: server.port, path: "/v1/jobs/\(id)/events")
        #expect(stream.read(timeout: 10).closed)
        let events = stream.events
        let checkpoints = events.filter { $0.event == "checkpoint" }
        #expect(events.filter { $0.event == "checkpoint" || $0.event == "log" }.count <= 22)
        #expect(checkpoints.count >= 18, "the newest are kept: \(checkpoints.count)")
        #expect(checkpoints.last?.data.hasPrefix(#"{"step":400,"#) == true, "\(checkpoints.last?.data ?? "")")
        #expect(events.filter { $0.event == "status" }.map { $0.data.contains(#""status":"queued""#) } == [true, false, false])
        // 401 losses, 401·2 trajectory points, 400 lr and 400 grad_norm: none pruned.
        #expect(events.filter { $0.event == "metric" }.count == 401 + 802 + 800)
        #expect(events.last?.event == "end")
        let ids = events.compactMap(\.id)
        #expect(ids == ids.sorted() && Set(ids).count == ids.count, "ids still increase")
        // A client that last saw an event since pruned resumes after it.
        let pruned = try #require((1...(ids.last ?? 1)).first { !Set(ids).contains($0) })
        let resumed = try SSEClient(port: server.port, path: "/v1/jobs/\(id)/events", headers: ["Last-Event-ID": String(pruned)])
        _ = resumed.read(timeout: 10)
        #expect(resumed.events == events.filter { ($0.id ?? 0) > pruned })
    }

    /// Each open stream holds a thread: past `maxEventStreams` a new one is 503 with
    /// `Retry-After`, and a stream that ends gives its place back.
    @Test func eventStreamsAreCapped() throws {
        let server = try TestServer { $0.maxEventStreams = 1 }
        defer { server.stop() }
        let id = try server.submit(JobFixtures.bowl(steps: 1_000_000))
        let first = try SSEClient(port: server.port, path: "/v1/jobs/\(id)/events")
        _ = first.read(timeout: 10) { $0.contains("event: status") }
        #expect(server.service.streams.count == 1)
        let refused = try server.request("GET", "/v1/jobs/\(id)/events")
        #expect(refused.status == 503, "\(refused.text)")
        #expect(refused.headers["retry-after"] == "5")
        #expect(try refused.json()["code"] as? String == "service_unavailable")
        _ = try server.request("POST", "/v1/jobs/\(id)/cancel")
        #expect(first.read(timeout: 30).closed, "the first stream ends with its job")
        let deadline = Date(timeIntervalSinceNow: 10)
        while server.service.streams.count > 0 && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        let replay = try server.request("GET", "/v1/jobs/\(id)/events")
        #expect(replay.status == 200 && replay.text.contains("event: end"), "its place was given back: \(replay.status)")
    }

    @Test func idleStreamsGetHeartbeats() throws {
        let server = try TestServer { $0.maxRunningJobs = 1; $0.eventHeartbeatSeconds = 0.1 }
        defer { server.stop() }
        let blocker = try server.submit(JobFixtures.bowl(steps: 1_000_000))
        let waiting = try server.submit(JobFixtures.bowl(steps: 5))
        let stream = try SSEClient(port: server.port, path: "/v1/jobs/\(waiting)/events")
        let (text, _) = stream.read(timeout: 5) { $0.components(separatedBy: ": heartbeat\n\n").count > 2 }
        #expect(text.components(separatedBy: ": heartbeat\n\n").count > 2, "\(text)")
        #expect(stream.events.map(\.event) == ["status"], "only the queued status so far")
        _ = try server.request("POST", "/v1/jobs/\(blocker)/cancel")
        let (_, closed) = stream.read(timeout: 10)
        #expect(closed && stream.events.last?.event == "end", "the queued job runs once the slot frees, then ends")
    }
}
