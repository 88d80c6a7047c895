import Foundation
import Testing
@testable import TensorService

/// Reads of jobs from memory (`LiveJobBoard`, `JobView`): a finished job's answer is kept
/// with the embedded store, goes with any write of the job, and the kept views stay within
/// their bytes.
struct JobReadsTests {
    @Test func aFinishedJobIsAnsweredFromMemoryUntilItIsDeleted() throws {
        let server = try TestServer()
        defer { server.stop() }
        let id = try server.submit(JobFixtures.bowl(steps: 20))
        #expect(try server.wait(id)["status"] as? String == "succeeded")
        let first = try server.request("GET", "/v1/jobs/\(id)")
        #expect(first.status == 200)
        #expect(first.headers["etag"] == "\"\(String(JobView.fnv1a(first.body), radix: 16))\"", "the ETag is the FNV-1a of the body")
        // The row changes behind the runner's back (nothing in the server does that to a
        // finished job): reads keep answering from memory, byte for byte, with no database read.
        let sqlite = try #require(server.service.jobs.store as? SQLiteJobStore)
        try sqlite.locked { try sqlite.db.execute("UPDATE jobs SET name = 'changed' WHERE id = '\(id)'") }
        #expect(try sqlite.job(id)?.name == "changed")
        let second = try server.request("GET", "/v1/jobs/\(id)")
        #expect(second.status == 200 && second.body == first.body && second.headers["etag"] == first.headers["etag"])
        let etag = try #require(first.headers["etag"])
        #expect(try server.request("GET", "/v1/jobs/\(id)", headers: ["If-None-Match": etag]).status == 304)
        // A deletion forgets it.
        #expect(try server.request("DELETE", "/v1/jobs/\(id)").status == 204)
        #expect(try server.request("GET", "/v1/jobs/\(id)").status == 404)
        #expect(try server.request("GET", "/v1/jobs/\(id)/metrics").status == 404)
    }

    /// While reads of a running job's parameters keep coming, its lane copies them after a
    /// step, so a read that finds a step under way (the lane holding the work, as one the
    /// kernel keeps off the CPU would) answers from that copy instead of waiting.
    @Test func aPolledModelReadDoesNotWaitForAStep() throws {
        let server = try TestServer()
        defer { server.stop() }
        let id = try server.submit(JobFixtures.bowl(steps: 1_000_000, name: "live"))
        let deadline = Date(timeIntervalSinceNow: 30)
        while (try server.job(id)["progress"] as? [String: Any])?["step"] as? Int ?? 0 < 1 && Date() < deadline { usleep(5_000) }
        #expect(try server.request("GET", "/v1/jobs/\(id)/model").status == 200)
        let exec = try #require(server.service.jobs.board.live(id)?.execution)
        while exec.askParams() == nil && Date() < deadline { usleep(1_000) }
        let port = server.port
        let answer = Locked<TestResponse?>(nil)
        let finished = DispatchSemaphore(value: 0)
        exec.workLock.lock()
        Thread.detachNewThread {
            let head = "GET /v1/jobs/\(id)/model HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
            if let r = try? TestResponse(TestServer.exchange(port: port, Array(head.utf8))) { answer.update { $0 = r } }
            finished.signal()
        }
        let answered = finished.wait(timeout: .now() + 5) == .success
        exec.workLock.unlock()
        if !answered { finished.wait() }
        #expect(answered, "the read did not wait for the step")
        // SGD with lr 0.1 on |p − c|², p₀ = (3, −2), c = (1, 0.5): p_k = c + (p₀ − c)·0.8^k, so
        // a whole step's parameters (not a torn copy) have (p₀ − 1)/2 = (0.5 − p₁)/2.5.
        let p = try #require((try answer.value?.json()["params"] as? [String: Any])?["p"] as? [String: Any])["data"] as? [Double]
        let x = try #require(p)
        #expect(x.count == 2 && abs((x[0] - 1) / 2 - (0.5 - x[1]) / 2.5) < 1e-5, "\(x)")
        _ = try server.request("POST", "/v1/jobs/\(id)/cancel")
        #expect(try server.wait(id)["status"] as? String == "cancelled")
    }

    @Test func keptViewsStayWithinTheirBytesOldestOutFirst() {
        func view(_ id: String, status: JobStatus = .succeeded) -> JobView {
            JobView(JobRecord(id: id, isObjective: true, status: status, createdAt: 0, spec: Array(repeating: 32, count: 1000)))
        }
        let footprint = view("x").footprint
        #expect(footprint == 2 * 1000 + 4096)
        let board = LiveJobBoard(keptBytes: 3 * footprint)
        for id in ["a", "b", "c"] { board.keep(view(id), readSince: board.readMark) }
        #expect(["a", "b", "c"].allSatisfy { board.view($0) != nil } && board.keptFootprint == 3 * footprint)
        board.keep(view("d"), readSince: board.readMark)
        #expect(board.view("a") == nil && ["b", "c", "d"].allSatisfy { board.view($0) != nil }, "the oldest went")
        #expect(board.keptFootprint == 3 * footprint)
        // Forgotten: gone at once; its place in the order is skipped, not evicted twice.
        board.forget("b")
        #expect(board.view("b") == nil && board.keptFootprint == 2 * footprint)
        board.keep(view("e"), readSince: board.readMark)
        #expect(["c", "d", "e"].allSatisfy { board.view($0) != nil } && board.keptFootprint == 3 * footprint)
        // A read that began before a write of a terminal job (any job) is not kept: it may
        // have read the row before that write.
        let mark = board.readMark
        board.forget("zzz")
        board.keep(view("f"), readSince: mark)
        #expect(board.view("f") == nil)
        // Only terminal jobs are kept; and with no bytes (a shared database) none is.
        board.keep(view("g", status: .running), readSince: board.readMark)
        #expect(board.view("g") == nil)
        let shared = LiveJobBoard(keptBytes: 0)
        shared.keep(view("h"), readSince: shared.readMark)
        #expect(shared.view("h") == nil && shared.keptFootprint == 0)
        // Many keeps and forgets leave the order bounded: every view still found is the last kept.
        for i in 0..<1_000 {
            board.keep(view("n\(i)"), readSince: board.readMark)
            if i % 2 == 0 { board.forget("n\(i)") }
        }
        #expect(board.keptFootprint <= 3 * footprint && board.view("n999") != nil && board.view("n998") == nil)
    }

    /// A view renders its answer once; each change of a job is a new view.
    @Test func aViewRendersItsAnswerOnce() throws {
        var record = JobRecord(id: "j-1", isObjective: true, status: .running, createdAt: 1_736_935_200_000, spec: Array(#"{"a":1}"#.utf8))
        record.step = 3
        record.totalSteps = 10
        let view = JobView(record, eta: 1.25)
        let answer = view.answer
        #expect(view.answer.body == answer.body && view.answer.etag == answer.etag)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any])
        #expect(json["id"] as? String == "j-1" && json["created_at"] as? String == "2025-01-15T10:00:00.000Z")
        #expect((json["spec"] as? [String: Any])?["a"] as? Int == 1)
        let progress = try #require(json["progress"] as? [String: Any])
        #expect(progress["step"] as? Int == 3 && progress["percent"] as? Double == 30 && progress["eta_seconds"] as? Double == 1.3)
        record.step = 4
        #expect(JobView(record, eta: 1.25).answer.etag != answer.etag)
    }
}
