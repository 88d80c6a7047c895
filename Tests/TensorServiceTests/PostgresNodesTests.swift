import Foundation
import Testing
@testable import TensorService

/// `tensord --database postgresql://…` as a process: a job submitted to one node runs and
/// its record, metrics and the tensor store are answered by another node on the database.
struct PostgresNodesTests {
    @Test func aJobRunOnOneNodeIsAnsweredByAnother() throws {
        let url = try PostgresTestServer.shared.database()
        let dirA = FileManager.default.temporaryDirectory.appendingPathComponent("tensord-node-a-\(UUID().uuidString)")
        let dirB = FileManager.default.temporaryDirectory.appendingPathComponent("tensord-node-b-\(UUID().uuidString)")
        defer { for d in [dirA, dirB] { try? FileManager.default.removeItem(at: d) } }
        let a = try ChildServer(directory: dirA, arguments: ["--database", url, "--node-id", "node-a"])
        defer { a.kill() }
        let about = try a.get("/v1")
        #expect(about["node_id"] as? String == "node-a" && about["database"] as? String == "postgresql")

        #expect(try a.request("PUT", "/v1/tensors/w", body: #"{"shape":[2],"data":[1.5,-2]}"#).status == 201)
        let id = try a.submit(JobFixtures.bowl(steps: 40))
        var job: [String: Any] = [:]
        let deadline = Date(timeIntervalSinceNow: 120)
        while Date() < deadline {
            job = try a.get("/v1/jobs/\(id)")
            if ["succeeded", "failed", "cancelled"].contains(job["status"] as? String ?? "") { break }
            usleep(20_000)
        }
        #expect(job["status"] as? String == "succeeded", "\(job)")
        let metricsA = try a.raw("/v1/jobs/\(id)/metrics")
        let losses = try #require(try JSONSerialization.jsonObject(with: Data(metricsA.utf8)) as? [String: Any])["metrics"] as? [[String: Any]] ?? []
        #expect(losses.filter { $0["key"] as? String == "loss" }.compactMap { $0["step"] as? Int } == Array(0...40))
        let model = try a.raw("/v1/jobs/\(id)/model")
        #expect(model.contains("\"p\""), "\(model)")

        // A second node on the same database (its own data directory) answers for the job.
        let b = try ChildServer(directory: dirB, arguments: ["--database", url, "--node-id", "node-b"])
        defer { b.kill() }
        #expect(try b.get("/v1")["node_id"] as? String == "node-b")
        let onB = try b.get("/v1/jobs/\(id)")
        #expect(onB["status"] as? String == "succeeded" && (onB["progress"] as? [String: Any])?["step"] as? Int == 40)
        #expect(try b.raw("/v1/jobs/\(id)/metrics") == metricsA)
        #expect(try b.raw("/v1/jobs?page_size=5").contains(id))
        #expect(try b.raw("/v1/jobs/\(id)/events").contains("event: end"))
        // A finished job is kept in memory only with the embedded store: deleted on one node,
        // it is gone on the other, which had just read it.
        #expect(try b.request("DELETE", "/v1/jobs/\(id)").status == 204)
        #expect(try a.request("GET", "/v1/jobs/\(id)").status == 404)
        #expect(try b.request("GET", "/v1/jobs/\(id)").status == 404)

        // The tensor store is shared, and a replacement on one node is what the other reads.
        #expect(try b.get("/v1/tensors/w")["data"] as? [Double] == [1.5, -2])
        #expect(try b.request("PUT", "/v1/tensors/w", body: #"{"shape":[1],"data":[7]}"#).status == 200)
        #expect(try a.get("/v1/tensors/w")["data"] as? [Double] == [7])
        #expect(try a.request("DELETE", "/v1/tensors/w").status == 204)
        #expect(try b.request("GET", "/v1/tensors/w").status == 404)
    }

    /// `GET /v1/jobs/{id}/events` on a node that does not run the job streams it live (woken
    /// by LISTEN/NOTIFY), a cancel from that node reaches the owner, and `Last-Event-ID`
    /// resumes the stream on any node.
    @Test func anotherNodeStreamsAJobLive() throws {
        let url = try PostgresTestServer.shared.database()
        let dirs = (0..<2).map { FileManager.default.temporaryDirectory.appendingPathComponent("tensord-node-\($0)-\(UUID().uuidString)") }
        defer { for d in dirs { try? FileManager.default.removeItem(at: d) } }
        let a = try ChildServer(directory: dirs[0], arguments: ["--database", url, "--node-id", "node-a", "--lease-seconds", "3"])
        defer { a.kill() }
        // Its metric events follow the stored points, one or two per bucket of its planned steps
        // (about 1,000 of 5,000,000): with 50,000,000, a debug node on a loaded machine had not
        // sent three within the minute. It still runs for minutes, until the cancel below.
        let id = try a.submit(JobFixtures.bowl(steps: 5_000_000))
        let deadline = Date(timeIntervalSinceNow: 60)
        while try a.get("/v1/jobs/\(id)")["status"] as? String != "running", Date() < deadline { usleep(20_000) }
        // Started after node A holds the job, so B only watches it.
        let b = try ChildServer(directory: dirs[1], arguments: ["--database", url, "--node-id", "node-b", "--lease-seconds", "3"])
        defer { b.kill() }
        let stream = try SSEClient(port: b.port, path: "/v1/jobs/\(id)/events")
        let live = stream.read(timeout: 60) { $0.components(separatedBy: "event: metric").count > 3 }
        #expect(!live.closed && live.text.contains("event: metric"), "\(live.text)")
        #expect(try a.get("/v1/jobs/\(id)")["status"] as? String == "running", "the metric events came while the job ran")

        #expect(try b.request("POST", "/v1/jobs/\(id)/cancel").status == 202)
        let end = stream.read(timeout: 60) { $0.contains("event: end") }
        #expect(end.text.contains("event: end") && end.text.contains("cancelled"), "\(end.text)")
        let ids = SSEClient.parse(end.text).compactMap(\.id)
        #expect(ids == Array(1...(ids.last ?? 0)), "every event once, in order")

        // Resumed on the other node after event 2: the same events from 3 on.
        let resumed = try SSEClient(port: a.port, path: "/v1/jobs/\(id)/events", headers: ["Last-Event-ID": "2"])
        let rest = resumed.read(timeout: 60) { $0.contains("event: end") }
        #expect(SSEClient.parse(rest.text).compactMap(\.id) == Array(ids.dropFirst(2)))
    }
}
