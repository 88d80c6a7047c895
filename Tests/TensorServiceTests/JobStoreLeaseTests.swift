import Foundation
import CPostgres
import Testing
@testable import TensorService
#if canImport(Glibc)
import Glibc
#endif

/// Claims, leases and the fence of the job store, without a runner: two nodes claiming one
/// job, the stale token's write rejected whole, heartbeats, cancels from elsewhere, blobs.
@Suite struct JobStoreLeaseTests {
    /// A fresh embedded store in a temporary file.
    static func sqliteStore() throws -> (JobStore, cleanup: () -> Void) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tensord-leases-\(UUID().uuidString).sqlite").path
        return (try SQLiteJobStore(path: path), { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } })
    }

    static func queued(_ id: String) -> JobRecord {
        JobRecord(id: id, name: id, isObjective: true, status: .queued, createdAt: JobJSON.now(), totalSteps: 10,
                  transitions: [StatusTransition(status: .queued, at: 0, message: "accepted")], spec: Array("{}".utf8))
    }

    static func event(_ id: Int64) -> JobEventRecord { JobEventRecord(id: id, kind: .log, data: Array("{}".utf8)) }

    @Test(arguments: JobStoreTests.Kind.allCases)
    func aStaleTokenWritesNothingAndTheNewOwnerWrites(_ kind: JobStoreTests.Kind) throws {
        let fixture = try JobStoreTests.Fixture(kind)
        let store = fixture.store
        _ = try store.create(Self.queued("j-1"), events: [Self.event(1)], blobs: ["refs/x.tensor": [1, 2, 3]])

        // Node A claims with a lease that has already run out (a paused node), node B takes over.
        var a = try #require(try store.claim(node: "a", leaseMillis: 0, job: nil))
        #expect(a.owner == "a" && a.leaseToken == 1 && a.attempts == 1 && a.status == .queued)
        a.status = .running
        try store.commit(JobWrite(job: a, metrics: [MetricPoint(key: "loss", step: 0, epoch: nil, value: 4, timestamp: 0)], events: [Self.event(2)]))
        var b = try #require(try store.claim(node: "b", leaseMillis: 60_000, job: nil))
        #expect(b.owner == "b" && b.leaseToken == 2 && b.attempts == 2 && b.status == .running)
        #expect(try store.claim(node: "c", leaseMillis: 60_000, job: nil) == nil, "B's lease holds: nothing to claim")

        // A wakes up and writes step 1 with a checkpoint: rejected, and nothing of it applied.
        a.step = 1
        a.latest.values["loss"] = 1
        var stale = JobWrite(job: a, truncateMetrics: MetricTruncation(keys: [:], others: -1),
                             metrics: [MetricPoint(key: "loss", step: 1, epoch: nil, value: 1, timestamp: 0)], events: [Self.event(3)])
        stale.addCheckpoint = CheckpointInfo(step: 1, epoch: nil, createdAt: 0, bytes: 3, file: "step-1.ckpt", metricState: nil)
        stale.blobs = ["checkpoints/step-1.ckpt": [9, 9, 9], "final.ckpt": [7]]
        #expect(throws: JobStoreError.leaseLost("j-1")) { try store.commit(stale) }
        let after = try #require(try store.job("j-1"))
        #expect(after.step == 0 && after.latest.values["loss"] == nil && after.owner == "b" && after.leaseToken == 2)
        #expect(try store.metrics(job: "j-1", keys: nil, from: 0, through: nil).map(\.value) == [4])
        #expect(try store.events(job: "j-1", after: 0, limit: 10).map(\.id) == [1, 2])
        #expect(try store.checkpoints(job: "j-1").isEmpty)
        #expect(try store.blob(job: "j-1", name: "checkpoints/step-1.ckpt") == nil && store.blob(job: "j-1", name: "final.ckpt") == nil)
        #expect(try store.renew(node: "a", leases: ["j-1": 1], leaseMillis: 60_000).isEmpty, "A's heartbeat learns it lost the lease")

        // B resumes: drops what came after its checkpoint (none here: every point), writes its own.
        b.step = 1
        var fresh = JobWrite(job: b, truncateMetrics: MetricTruncation(keys: [:], others: -1),
                             metrics: [MetricPoint(key: "loss", step: 0, epoch: nil, value: 4, timestamp: 0),
                                       MetricPoint(key: "loss", step: 1, epoch: nil, value: 2, timestamp: 0)], events: [Self.event(3)])
        fresh.addCheckpoint = CheckpointInfo(step: 1, epoch: nil, createdAt: 0, bytes: 2, file: "step-1.ckpt", metricState: nil)
        fresh.blobs = ["checkpoints/step-1.ckpt": [5, 6]]
        try store.commit(fresh)
        #expect(try store.metrics(job: "j-1", keys: nil, from: 0, through: nil).map(\.value) == [4, 2])
        #expect(try store.blob(job: "j-1", name: "checkpoints/step-1.ckpt") == [5, 6])
        #expect(try store.blob(job: "j-1", name: "refs/x.tensor") == [1, 2, 3])
        #expect(try store.renew(node: "b", leases: ["j-1": 2], leaseMillis: 60_000) == ["j-1": LeaseRenewal(cancelRequested: false)])

        // A checkpoint pushed out of keep_last takes its blob with it; deleting the job, all of them.
        b.step = 2
        var next = JobWrite(job: b, removeCheckpoints: [1])
        next.addCheckpoint = CheckpointInfo(step: 2, epoch: nil, createdAt: 0, bytes: 1, file: "step-2.ckpt", metricState: nil)
        next.blobs = ["checkpoints/step-2.ckpt": [8]]
        try store.commit(next)
        #expect(try store.checkpoints(job: "j-1").map(\.step) == [2])
        #expect(try store.blob(job: "j-1", name: "checkpoints/step-1.ckpt") == nil)
        try store.delete("j-1")
        #expect(try store.blob(job: "j-1", name: "checkpoints/step-2.ckpt") == nil && store.blob(job: "j-1", name: "refs/x.tensor") == nil)
    }

    @Test(arguments: JobStoreTests.Kind.allCases)
    func claimsTakeTheOldestFirstAndSkipHeldLeases(_ kind: JobStoreTests.Kind) throws {
        let fixture = try JobStoreTests.Fixture(kind)
        let store = fixture.store
        for id in ["j-1", "j-2", "j-3"] { _ = try store.create(Self.queued(id), events: [], blobs: [:]) }
        var first = try #require(try store.claim(node: "a", leaseMillis: 60_000, job: nil))
        #expect(first.id == "j-1")
        first.status = .running
        try store.commit(JobWrite(job: first))
        #expect(try store.claim(node: "b", leaseMillis: 60_000, job: "j-1") == nil, "a held lease cannot be claimed by id either")
        #expect(try store.claim(node: "b", leaseMillis: 60_000, job: "j-3")?.id == "j-3", "a queued job by id")
        #expect(try store.claim(node: "b", leaseMillis: 60_000, job: nil)?.id == "j-2")
        #expect(try store.claim(node: "b", leaseMillis: 60_000, job: nil) == nil)

        // A cancel asked elsewhere reaches the owner at its heartbeat.
        #expect(try store.requestCancel("j-1")?.cancelRequested == true)
        #expect(try store.renew(node: "a", leases: ["j-1": first.leaseToken], leaseMillis: 60_000) == ["j-1": LeaseRenewal(cancelRequested: true)])
        #expect(try store.renew(node: "b", leases: ["j-1": first.leaseToken], leaseMillis: 60_000).isEmpty, "only the owner renews")

        // A clean stop releases the lease: the job is claimable at once, still running.
        try store.commit(JobWrite(job: first, releaseLease: true))
        let again = try #require(try store.claim(node: "b", leaseMillis: 60_000, job: nil))
        #expect(again.id == "j-1" && again.status == .running && again.leaseToken == first.leaseToken + 1 && again.owner == "b")
    }

    /// Claims count a job's starts; a write gives them back only for progress (a checkpoint past
    /// every stored one) or a clean stop, and never raises the count, whatever its record says.
    @Test(arguments: JobStoreTests.Kind.allCases)
    func aCheckpointPastTheNewestEndsTheRowOfAttempts(_ kind: JobStoreTests.Kind) throws {
        let fixture = try JobStoreTests.Fixture(kind)
        let store = fixture.store
        _ = try store.create(Self.queued("j-1"), events: [], blobs: [:])
        func claim(_ node: String) throws -> JobRecord {
            var j = try #require(try store.claim(node: node, leaseMillis: 0, job: nil))
            j.status = .running
            return j
        }
        func write(_ j: JobRecord, checkpoint step: Int? = nil, release: Bool = false) throws -> Int {
            var w = JobWrite(job: j, releaseLease: release)
            w.addCheckpoint = step.map { CheckpointInfo(step: $0, epoch: nil, createdAt: 0, bytes: 1, file: "step-\($0).ckpt", metricState: nil) }
            try store.commit(w)
            return try #require(try store.job("j-1")).attempts
        }
        let a = try claim("a")
        #expect(a.attempts == 1)
        #expect(try write(a) == 1, "a write without progress keeps the count")
        #expect(try write(a, checkpoint: 10) == 0, "a first checkpoint is progress")
        let b = try claim("b")
        #expect(b.attempts == 1)
        #expect(try write(b, checkpoint: 10) == 1, "writing again the checkpoint it resumed from is not progress")
        let c = try claim("c")
        #expect(c.attempts == 2)
        #expect(try write(c) == 2)
        let d = try claim("d")
        #expect(d.attempts == 3)
        #expect(try write(d, checkpoint: 20) == 0, "past the newest: the row of attempts ends")
        #expect(try write(d) == 0, "a later write of that start, its record still saying 3, does not raise it")
        var e = try claim("e")
        #expect(e.attempts == 1)
        e.attempts = 0  // as a clean stop writes it
        #expect(try write(e, release: true) == 0, "a clean stop gives the start back")
        var f = try claim("f")
        f.attempts = 9
        #expect(try write(f) == 1, "only a claim raises the count")
    }

    /// The embedded store belongs to one process: a node starting on it takes every lease over at once.
    @Test func aStartingNodeTakesTheEmbeddedStoresLeasesOver() throws {
        let (store, cleanup) = try Self.sqliteStore()
        defer { cleanup() }
        _ = try store.create(Self.queued("j-1"), events: [], blobs: [:])
        var job = try #require(try store.claim(node: "old", leaseMillis: 3_600_000, job: nil))
        job.status = .running
        try store.commit(JobWrite(job: job))
        #expect(try store.claim(node: "new", leaseMillis: 60_000, job: nil) == nil)
        try store.startNode("new")
        #expect(try store.claim(node: "new", leaseMillis: 60_000, job: nil)?.leaseToken == 2)
    }

    /// The shared store belongs to many nodes: a starting node ends only the leases held
    /// under its own name (a restart with the same --node-id), not those of live nodes.
    @Test func aStartingNodeEndsOnlyItsOwnLeasesInTheSharedStore() throws {
        let store = try JobStoreTests.Fixture(.postgres).store
        for id in ["j-1", "j-2"] { _ = try store.create(Self.queued(id), events: [], blobs: [:]) }
        _ = try #require(try store.claim(node: "a", leaseMillis: 3_600_000, job: "j-1"))
        _ = try #require(try store.claim(node: "b", leaseMillis: 3_600_000, job: "j-2"))
        try store.startNode("c")
        #expect(try store.claim(node: "c", leaseMillis: 60_000, job: nil) == nil)
        try store.startNode("a")
        let again = try #require(try store.claim(node: "a", leaseMillis: 60_000, job: nil))
        #expect(again.id == "j-1" && again.leaseToken == 2 && again.attempts == 2)
    }

    /// A node stopped in the middle of sending a statement of its write (libpq sends a large
    /// one in pieces) leaves its backend reading the rest of a message: not idle, so
    /// `idle_in_transaction_session_timeout` never ends it, and it keeps the lock on the job's
    /// row that the write's fence took, which every claim skips. A claimer ends that session
    /// once the lease has run out and the transaction has been open for a lease; then the job
    /// is claimed, and nothing of the stalled write remains.
    @Test func aWriterStoppedMidStatementIsEndedSoItsJobCanBeClaimed() throws {
        let fixture = try JobStoreTests.Fixture(.postgres)
        let store = fixture.store, pool = (store as! PostgresJobStore).pool
        _ = try store.create(Self.queued("j-1"), events: [], blobs: [:])
        let a = try #require(try store.claim(node: "a", leaseMillis: 300, job: nil))

        // Node A's writer, as TensorService sets its sessions up (an idle transaction ends after
        // one lease): the fence, then a statement whose Bind message stops after 2 of its bytes.
        let writer = try PostgresConnection(url: pool.url, setup: ["SET idle_in_transaction_session_timeout = 300", PostgresConnection.naming("tensord a")])
        let pid = try writer.query("SELECT pg_backend_pid()").rows[0].int(0)
        try writer.execute("BEGIN")
        try writer.query("UPDATE jobs SET step = 7 WHERE id = $1 AND lease_token = $2 RETURNING 1", [.text("j-1"), .integer(a.leaseToken)])
        #expect(try store.endStalledWriters(leaseMillis: 300).isEmpty, "a transaction open for less than a lease is a live writer's")
        func message(_ type: Character, length: Int, _ body: [UInt8]) -> [UInt8] {
            [type.asciiValue!] + withUnsafeBytes(of: Int32(length + 4).bigEndian, Array.init) + body
        }
        let parse = Array("\0SELECT $1::bytea\0".utf8) + [0, 0]
        let partial = message("P", length: parse.count, parse) + message("B", length: 100_000, [0, 0])
        #expect(partial.withUnsafeBytes { write(PQsocket(try? writer.connected()), $0.baseAddress, $0.count) } == partial.count)

        usleep(900_000)  // three times the lease and the idle timeout
        let seen = try pool.with { try $0.query("SELECT state, wait_event FROM pg_stat_activity WHERE pid = $1", [.integer(pid)]).rows }
        #expect(try seen.map { [try $0.text(0), try $0.text(1)] } == [["active", "ClientRead"]], "PostgreSQL keeps the session: \(PostgresTestServer.sessions(pool.url))")
        #expect(try store.claim(node: "b", leaseMillis: 60_000, job: nil) == nil, "the row is locked: the claim skips it")
        #expect(try store.endStalledWriters(leaseMillis: 60_000).isEmpty, "open for less than that lease")

        #expect(try store.endStalledWriters(leaseMillis: 300) == [StalledWriter(job: "j-1", session: pid, node: "a")])
        var b: JobRecord?
        let deadline = Date(timeIntervalSinceNow: 10)
        while b == nil && Date() < deadline {
            b = try store.claim(node: "b", leaseMillis: 60_000, job: nil)
            if b == nil { usleep(10_000) }
        }
        #expect(b?.id == "j-1" && b?.owner == "b" && b?.leaseToken == a.leaseToken + 1 && b?.step == 0, "claimed, the stalled write rolled back: \(String(describing: b))")
    }
}

/// A data directory of an earlier version kept job files under `jobs/<id>/`.
@Suite struct JobFilesImportTests {
    @Test func jobFilesMoveIntoTheStoreOnce() throws {
        let (store, cleanup) = try JobStoreLeaseTests.sqliteStore()
        defer { cleanup() }
        _ = try store.create(JobStoreLeaseTests.queued("j-1"), events: [], blobs: [:])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tensord-jobfiles-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let job = dir.appendingPathComponent("j-1")
        for sub in ["refs", "checkpoints"] { try FileManager.default.createDirectory(at: job.appendingPathComponent(sub), withIntermediateDirectories: true) }
        try Data([1, 2]).write(to: job.appendingPathComponent("refs/x.tensor"))
        try Data([3]).write(to: job.appendingPathComponent("checkpoints/step-7.ckpt"))
        try Data([4, 5, 6]).write(to: job.appendingPathComponent("final.ckpt"))
        // A folder of a job the store does not know is dropped with the rest.
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("j-gone"), withIntermediateDirectories: true)
        try (store as! SQLiteJobStore).importJobFiles(from: dir)
        #expect(try store.blob(job: "j-1", name: "refs/x.tensor") == [1, 2])
        #expect(try store.blob(job: "j-1", name: "checkpoints/step-7.ckpt") == [3])
        #expect(try store.blob(job: "j-1", name: "final.ckpt") == [4, 5, 6])
        #expect(!FileManager.default.fileExists(atPath: dir.path))
    }
}
