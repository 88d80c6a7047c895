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
