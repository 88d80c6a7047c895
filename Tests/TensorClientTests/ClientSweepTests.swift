import Foundation
import Testing
import TensorClient
import TensorWire

/// Sweeps through the client library and `tensorctl sweeps`, against an in-process server.
@Suite(.serialized) struct ClientSweepTests {
    /// Σp² from p = 4 at lr 0.25 halves p every step (final loss 16·0.25⁶ after 6 steps);
    /// at lr 0.5 one step reaches the minimum (final loss 0): the best job.
    static let sweep = #"{"name": "halving", "base": {"objective": {"params": {"p": {"data": [4.0]}}, "expr": "loss = sum(p * p)"}, "optimizer": {"type": "sgd", "lr": 0.1}, "steps": 6}, "grid": {"optimizer.lr": [0.25, 0.5]}}"#

    @Test func submitReadCancelAndDeleteThroughTheClient() throws {
        let fixture = try ServiceFixture()
        let client = try fixture.client()
        let spec = try JSONParser().parse(Self.sweep)
        let created = try client.submitSweep(spec, idempotencyKey: "sweep-a")
        #expect(try client.submitSweep(spec, idempotencyKey: "sweep-a") == created, "a retry returns the same sweep")
        #expect(created.jobs.count == 2)
        for job in created.jobs { _ = try client.waitForJob(job) { _ in } }
        let sweep = try client.sweep(created.id)
        #expect(sweep.status == .succeeded && sweep.jobs.map(\.id) == created.jobs)
        #expect(sweep.jobs.map(\.finalMetrics?.loss) == [16 * pow(0.25, 6), 0])
        #expect(sweep.jobs[0].bestMetrics?.loss == 16 * pow(0.25, 6))
        #expect(sweep.best?.jobId == created.jobs[1] && sweep.best?.value == 0)
        #expect(try client.job(created.jobs[0]).json.jsonText.contains(#""sweep_id":"\#(created.id)""#))
        #expect(try client.sweeps().items.map(\.id) == [created.id])
        #expect(try client.cancelSweep(created.id).status == .succeeded, "cancelling a finished sweep changes nothing")
        try client.deleteSweep(created.id)
        #expect(throws: TensorClientError.self) { try client.sweep(created.id) }
    }

    @Test func tensorctlSubmitsAndWatchesASweep() throws {
        let fixture = try ServiceFixture()
        let ctl = TensorctlTests()
        let file = try ctl.file(Self.sweep)
        let r = try ctl.tensorctl(["sweeps", "submit", file, "--watch"], server: fixture.baseURL)
        #expect(r.status == 0, "\(r)")
        let id = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(id.hasPrefix("s-"))
        // Not a terminal: the job lines, then the verdict.
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.contains { $0.contains("lr=0.25") && $0.contains("succeeded") && $0.contains("step 6/6") }, "\(r.stderr)")
        #expect(lines.contains { $0.contains("lr=0.5") && $0.contains("succeeded") && $0.contains("loss 0") }, "\(r.stderr)")
        #expect(lines.last?.hasPrefix("\(id) succeeded; best loss 0: j-") == true, "\(r.stderr)")
        let list = try ctl.tensorctl(["sweeps", "list"], server: fixture.baseURL)
        #expect(list.status == 0 && list.stdout.contains(id) && list.stdout.contains("halving"), "\(list)")
        let get = try ctl.tensorctl(["sweeps", "get", id, "--metric", "loss", "--rank-by", "best"], server: fixture.baseURL)
        #expect(get.status == 0 && get.stdout.contains(#""rank_by":"best""#), "\(get)")
        #expect(try ctl.tensorctl(["sweeps", "rm", id], server: fixture.baseURL).status == 0)
        let gone = try ctl.tensorctl(["sweeps", "get", id], server: fixture.baseURL)
        #expect(gone.status == 1 && gone.stderr.contains("not_found"), "\(gone)")
    }
}
