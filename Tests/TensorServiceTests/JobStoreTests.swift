import Foundation
import Testing
@testable import TensorService

/// The `JobStore` protocol, run against each implementation: SQLite in a temporary file and
/// PostgreSQL in a database of the tests' own server. Both must give the same answers.
struct JobStoreTests {
    enum Kind: String, CaseIterable, CustomTestStringConvertible {
        case sqlite, postgres
        var testDescription: String { rawValue }
    }

    /// A fresh, empty store of `kind`; `another()` opens a second one on the same data (for
    /// PostgreSQL, a second node with its own connections).
    final class Fixture {
        let store: JobStore
        let another: () throws -> JobStore
        private let path: String?

        init(_ kind: Kind) throws {
            switch kind {
            case .sqlite:
                let path = NSTemporaryDirectory() + "tensord-jobstore-\(UUID().uuidString).sqlite"
                self.path = path
                store = try SQLiteJobStore(path: path)
                another = { try SQLiteJobStore(path: path) }
            case .postgres:
                path = nil
                let pool = try PostgresTestServer.shared.migratedPool()
                store = PostgresJobStore(pool: pool)
                another = { PostgresJobStore(pool: try PostgresPool(url: pool.url)) }
            }
        }

        deinit {
            if let path { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        }
    }

    static func record(_ id: String, status: JobStatus = .queued, key: String? = nil, spec: String = "{}", sweep: String? = nil,
                       createdAt: Millis = 1_000) -> JobRecord {
        JobRecord(id: id, name: "n-\(id)", isObjective: true, status: status, statusMessage: nil, createdAt: createdAt,
                  transitions: [StatusTransition(status: status, at: createdAt, message: "job created")], spec: Array(spec.utf8),
                  idempotencyKey: key, sweepId: sweep, grid: sweep.map { _ in Array(#"{"optimizer.lr":0.1}"#.utf8) })
    }

    @Test(arguments: Kind.allCases)
    func createReadAndIdempotencyKeys(_ kind: Kind) throws {
        let store = try Fixture(kind).store
        guard case .created(let a) = try store.create(Self.record("j-a", key: "k1", spec: #"{"x":1}"#)) else { Issue.record("not created"); return }
        guard case .created(let b) = try store.create(Self.record("j-b")) else { Issue.record("not created"); return }
        #expect(a.seq > 0 && b.seq > a.seq)
        #expect(try store.job("j-a") == a)
        #expect(a.name == "n-j-a" && a.spec == Array(#"{"x":1}"#.utf8) && a.transitions.count == 1 && a.attempts == 0)
        #expect(try store.job(idempotencyKey: "k1")?.id == "j-a")
        #expect(try store.job("nope") == nil && store.job(idempotencyKey: "nope") == nil)
        // The same key: the same body finds the job, another body is a conflict.
        #expect(try store.create(Self.record("j-c", key: "k1", spec: #"{"x":1}"#)) == .existing(a))
        #expect(try store.create(Self.record("j-d", key: "k1", spec: #"{"x":2}"#)) == .conflict("j-a"))
        #expect(try store.job("j-c") == nil && store.job("j-d") == nil)
    }

    @Test(arguments: Kind.allCases)
    func listsCountsSweepsAndUnclaimed(_ kind: Kind) throws {
        let store = try Fixture(kind).store
        let statuses: [JobStatus] = [.succeeded, .running, .queued, .failed, .cancelling, .queued]
        for (i, s) in statuses.enumerated() { _ = try store.create(Self.record("j-\(i)", status: s, sweep: i % 2 == 0 ? "s-1" : nil)) }
        #expect(try store.list(status: nil, beforeSeq: nil, limit: 10).map(\.id) == ["j-5", "j-4", "j-3", "j-2", "j-1", "j-0"])
        let page = try store.list(status: nil, beforeSeq: nil, limit: 2)
        #expect(page.map(\.id) == ["j-5", "j-4"])
        #expect(try store.list(status: nil, beforeSeq: page[1].seq, limit: 2).map(\.id) == ["j-3", "j-2"])
        #expect(try store.list(status: .queued, beforeSeq: nil, limit: 10).map(\.id) == ["j-5", "j-2"])
        #expect(try store.count(status: .queued) == 2 && store.count(status: .cancelled) == 0)
        #expect(try store.jobs(sweep: "s-1").map(\.id) == ["j-0", "j-2", "j-4"])
        #expect(try store.jobs(sweep: "s-1").first?.grid == Array(#"{"optimizer.lr":0.1}"#.utf8))
        #expect(try store.unclaimedCount() == 2)
        _ = try store.claim(node: "a", leaseMillis: 60_000, job: "j-5")
        #expect(try store.unclaimedCount() == 1)
    }

    @Test(arguments: Kind.allCases)
    func commitWritesTheJobMetricsEventsAndCheckpoints(_ kind: Kind) throws {
        let store = try Fixture(kind).store
        guard case .created(var job) = try store.create(Self.record("j-1")) else { Issue.record("not created"); return }
        job.status = .running
        job.startedAt = 2_000
        job.step = 3
        job.epoch = 1
        job.totalSteps = 10
        job.latest.values = ["loss": 0.25, "lr": .nan]
        job.error = JobProblem(Problem(status: 422, code: "bad", title: "Bad", detail: "d", errors: [.init(pointer: "/x", detail: "d")]))
        job.transitions.append(StatusTransition(status: .running, at: 2_000, message: "started"))
        job.runtimeSeconds = 1.5
        job.attempts = 2
        let state = MetricHistory.KeyState(first: MetricPoint(key: "loss", step: 0, epoch: nil, value: 1, timestamp: 5),
                                           last: MetricPoint(key: "loss", step: 2, epoch: 1, value: .infinity, timestamp: 6),
                                           open: nil, emittedThrough: 2)
        let points = [MetricPoint(key: "loss", step: 0, epoch: nil, value: 1, timestamp: 5),
                      MetricPoint(key: "loss", step: 1, epoch: 0, value: .nan, timestamp: 5),
                      MetricPoint(key: "loss", step: 2, epoch: 1, value: -.infinity, timestamp: 6),
                      MetricPoint(key: "lr", step: 0, epoch: nil, value: 0.1, timestamp: 5),
                      MetricPoint(key: "lr", step: 1, epoch: nil, value: .leastNonzeroMagnitude, timestamp: 5)]
        try store.commit(JobWrite(job: job, metrics: points,
                                  events: [JobEventRecord(id: 1, kind: .status, data: Array(#"{"s":1}"#.utf8)),
                                           JobEventRecord(id: 2, kind: .metric, data: [0, 1, 255])],
                                  addCheckpoint: CheckpointInfo(step: 2, epoch: 1, createdAt: 7, bytes: 99, file: "step-2.ckpt", metricState: ["loss": state])))
        let back = try #require(try store.job("j-1"))
        #expect(back.status == .running && back.startedAt == 2_000 && back.step == 3 && back.epoch == 1 && back.totalSteps == 10)
        #expect(back.latest.values["loss"] == 0.25 && back.latest.values["lr"]!.isNaN)
        #expect(back.error?.pointer == "/x" && back.transitions.count == 2 && back.runtimeSeconds == 1.5)
        #expect(back.attempts == 0, "only a claim raises attempts, and this write's checkpoint is progress")
        func bits(_ p: [MetricPoint]) -> [String] { p.map { "\($0.key)@\($0.step)/\($0.epoch ?? -1)=\($0.value.bitPattern)@\($0.timestamp)" } }
        #expect(bits(try store.metrics(job: "j-1", keys: nil, from: 0, through: nil)) == bits(points))
        #expect(bits(try store.metrics(job: "j-1", keys: ["lr"], from: 1, through: nil)) == bits([points[4]]))
        #expect(bits(try store.metrics(job: "j-1", keys: ["loss", "lr"], from: 0, through: 0)) == bits([points[0], points[3]]))
        #expect(try store.metrics(job: "j-1", keys: [], from: 0, through: nil).isEmpty)
        #expect(try store.events(job: "j-1", after: 0, limit: 10).map(\.id) == [1, 2])
        #expect(try store.events(job: "j-1", after: 1, limit: 10) == [JobEventRecord(id: 2, kind: .metric, data: [0, 1, 255])])
        #expect(try store.events(job: "j-1", after: 0, limit: 1).map(\.id) == [1])
        #expect(try store.lastEventId(job: "j-1") == 2 && store.lastEventId(job: "other") == 0)
        #expect(try store.checkpoints(job: "j-1") == [CheckpointInfo(step: 2, epoch: 1, createdAt: 7, bytes: 99, file: "step-2.ckpt", metricState: ["loss": state])])

        // A later flush replaces the points of a key from a step on, re-records a step (no
        // duplicate), and moves the checkpoints along.
        try store.commit(JobWrite(job: job, metrics: [MetricPoint(key: "loss", step: 1, epoch: 0, value: 0.5, timestamp: 8),
                                                       MetricPoint(key: "lr", step: 0, epoch: nil, value: 0.2, timestamp: 8)],
                                  replaceMetricsFrom: ["loss": 1],
                                  addCheckpoint: CheckpointInfo(step: 4, epoch: nil, createdAt: 9, bytes: 1, file: "step-4.ckpt", metricState: nil),
                                  removeCheckpoints: [2]))
        #expect(try store.metrics(job: "j-1", keys: nil, from: 0, through: nil).map { "\($0.key)@\($0.step)=\($0.value)" }
                == ["loss@0=1.0", "loss@1=0.5", "lr@0=0.2", "lr@1=5e-324"])
        #expect(try store.checkpoints(job: "j-1").map(\.step) == [4])
        #expect(try store.checkpoints(job: "j-1").first?.metricState == nil)
    }

    @Test(arguments: Kind.allCases)
    func truncateOnResumptionAndDelete(_ kind: Kind) throws {
        let store = try Fixture(kind).store
        guard case .created(let job) = try store.create(Self.record("j-1", status: .running)) else { Issue.record("not created"); return }
        let points = (0..<6).flatMap { s in ["loss", "acc", "lr"].map { MetricPoint(key: $0, step: s, epoch: nil, value: Double(s), timestamp: 1) } }
        try store.commit(JobWrite(job: job, metrics: points, events: [JobEventRecord(id: 1, kind: .log, data: [1])],
                                  addCheckpoint: CheckpointInfo(step: 3, epoch: nil, createdAt: 1, bytes: 1, file: "c", metricState: nil)))
        try store.commit(JobWrite(job: job, truncateMetrics: MetricTruncation(keys: ["loss": 2, "acc": 4], others: 3)))
        let kept = try store.metrics(job: "j-1", keys: nil, from: 0, through: nil)
        #expect(Dictionary(grouping: kept, by: \.key).mapValues { $0.map(\.step) } == ["loss": [0, 1, 2], "acc": [0, 1, 2, 3, 4], "lr": [0, 1, 2, 3]])
        try store.commit(JobWrite(job: job, truncateMetrics: MetricTruncation(keys: [:], others: 1)))
        #expect(try store.metrics(job: "j-1", keys: nil, from: 0, through: nil).map(\.step).allSatisfy { $0 <= 1 })

        try store.delete("j-1")
        #expect(try store.job("j-1") == nil)
        #expect(try store.metrics(job: "j-1", keys: nil, from: 0, through: nil).isEmpty)
        #expect(try store.events(job: "j-1", after: 0, limit: 10).isEmpty && store.checkpoints(job: "j-1").isEmpty)
    }

    /// Readers on other threads (and, for PostgreSQL, another node) see each flush whole:
    /// never a job row ahead of its metrics, never half a flush, and never wait for the writer.
    @Test(arguments: Kind.allCases)
    func readersSeeWholeFlushesWhileAWriterCommits(_ kind: Kind) throws {
        let fixture = try Fixture(kind)
        let store = fixture.store, reader = try fixture.another()
        guard case .created(var job) = try store.create(Self.record("j-1", status: .running)) else { Issue.record("not created"); return }
        let flushes = 60, perFlush = 20
        let done = Locked(false), torn = Locked<[String]>([])
        let readers = (0..<3).map { _ in
            Thread {
                while !done.value {
                    do {
                        let points = try reader.metrics(job: "j-1", keys: ["loss"], from: 0, through: nil)
                        if points.count % perFlush != 0 { torn.update { $0.append("\(points.count) points") } }
                        let step = try reader.job("j-1")?.step ?? 0
                        let after = try reader.metrics(job: "j-1", keys: ["loss"], from: 0, through: nil).count
                        if after < step { torn.update { $0.append("job at step \(step) with \(after) points") } }
                    } catch { torn.update { $0.append("\(error)") } }
                }
            }
        }
        readers.forEach { $0.start() }
        for f in 0..<flushes {
            let steps = (f * perFlush)..<((f + 1) * perFlush)
            job.step = steps.upperBound
            try store.commit(JobWrite(job: job, metrics: steps.map { MetricPoint(key: "loss", step: $0, epoch: nil, value: Double($0), timestamp: 1) }))
        }
        done.update { $0 = true }
        while readers.contains(where: { !$0.isFinished }) { usleep(1000) }
        #expect(torn.value.isEmpty, "\(torn.value.prefix(5))")
        #expect(try reader.metrics(job: "j-1", keys: nil, from: 0, through: nil).count == flushes * perFlush)
    }

    /// Nodes claiming at once (FOR UPDATE SKIP LOCKED) never take one job twice, and between
    /// them take every job, oldest first per node.
    @Test func postgresClaimsFromManyNodesAtOnceTakeEachJobOnce() throws {
        let fixture = try Fixture(.postgres)
        for i in 0..<40 { _ = try fixture.store.create(Self.record(String(format: "j-%02d", i))) }
        let nodes = try (0..<4).map { _ in try fixture.another() }
        let claimed = Locked<[String: [String]]>([:]), failures = Locked<[String]>([])
        let threads = nodes.enumerated().map { i, node in
            Thread {
                do {
                    while let job = try node.claim(node: "n\(i)", leaseMillis: 60_000, job: nil) {
                        claimed.update { $0["n\(i)", default: []].append(job.id) }
                    }
                } catch { failures.update { $0.append("\(error)") } }
            }
        }
        threads.forEach { $0.start() }
        while threads.contains(where: { !$0.isFinished }) { usleep(1000) }
        #expect(failures.value.isEmpty, "\(failures.value)")
        let all = claimed.value.values.flatMap { $0 }
        #expect(all.sorted() == (0..<40).map { String(format: "j-%02d", $0) })
        #expect(claimed.value.values.allSatisfy { $0 == $0.sorted() })
        #expect(try fixture.store.unclaimedCount() == 0)
    }

    /// A bounded submission goes in whole or not at all; a job whose key was used before is
    /// answered even when the queue is full, and takes no place; a claim makes room.
    @Test(arguments: Kind.allCases)
    func creationsHoldTheQueueBound(_ kind: Kind) throws {
        let fixture = try Fixture(kind)
        let store = fixture.store
        func created(_ outcomes: [JobCreation]) -> [String] { outcomes.compactMap { if case .created(let j) = $0 { j.id } else { nil } } }
        #expect(created(try store.create([NewJob(job: Self.record("j-1", key: "k", spec: #"{"a":1}"#)), NewJob(job: Self.record("j-2"))], maxQueued: 3)) == ["j-1", "j-2"])
        #expect(throws: JobStoreError.queueFull(queued: 2)) {
            try store.create([NewJob(job: Self.record("j-3")), NewJob(job: Self.record("j-4"))], maxQueued: 3)
        }
        #expect(try store.job("j-3") == nil && store.job("j-4") == nil, "nothing of a submission that does not fit")
        #expect(created(try store.create([NewJob(job: Self.record("j-3"))], maxQueued: 3)) == ["j-3"])
        #expect(throws: JobStoreError.queueFull(queued: 3)) { try store.create([NewJob(job: Self.record("j-5"))], maxQueued: 3) }
        let again = try store.create([NewJob(job: Self.record("j-6", key: "k", spec: #"{"a":1}"#))], maxQueued: 3)
        #expect(again.count == 1 && again.first.map { if case .existing(let j) = $0 { j.id == "j-1" } else { false } } == true, "\(again)")
        #expect(try store.create([NewJob(job: Self.record("j-7"))], maxQueued: nil).count == 1, "no bound without one")
        #expect(try store.unclaimedCount() == 4)
        _ = try #require(try store.claim(node: "n", leaseMillis: 60_000, job: nil))
        _ = try #require(try store.claim(node: "n", leaseMillis: 60_000, job: nil))
        #expect(created(try store.create([NewJob(job: Self.record("j-8"))], maxQueued: 3)) == ["j-8"], "claims made room")
    }

    /// Nodes submitting at once never pass the queue's bound between them: the count and the
    /// insert of each submission are one (an advisory lock orders them across nodes).
    @Test func postgresQueueBoundHoldsAcrossNodes() throws {
        let fixture = try Fixture(.postgres)
        let nodes = try (0..<4).map { _ in try fixture.another() }
        let created = Locked(0), full = Locked(0), failures = Locked<[String]>([])
        let threads = (0..<8).map { t in
            Thread {
                for i in 0..<5 {
                    do {
                        _ = try nodes[t % nodes.count].create([NewJob(job: Self.record("j-\(t)-\(i)"))], maxQueued: 10)
                        created.update { $0 += 1 }
                    } catch JobStoreError.queueFull {
                        full.update { $0 += 1 }
                    } catch { failures.update { $0.append("\(error)") } }
                }
            }
        }
        threads.forEach { $0.start() }
        while threads.contains(where: { !$0.isFinished }) { usleep(1000) }
        #expect(failures.value.isEmpty, "\(failures.value)")
        #expect(created.value == 10 && full.value == 30, "\(created.value) created, \(full.value) refused")
        #expect(try fixture.store.unclaimedCount() == 10)
    }

    /// Two nodes creating with one idempotency key at the same moment make one job.
    @Test func postgresIdempotencyHoldsAcrossNodes() throws {
        let fixture = try Fixture(.postgres)
        let nodes = try (0..<4).map { _ in try fixture.another() }
        let results = Locked<[JobCreation]>([])
        let threads = nodes.enumerated().map { i, node in
            Thread {
                do {
                    let r = try node.create(Self.record("j-\(i)", key: "same", spec: #"{"a":1}"#))
                    results.update { $0.append(r) }
                } catch { Issue.record("\(error)") }
            }
        }
        threads.forEach { $0.start() }
        while threads.contains(where: { !$0.isFinished }) { usleep(1000) }
        let created = results.value.compactMap { if case .created(let j) = $0 { j } else { nil } }
        let existing = results.value.compactMap { if case .existing(let j) = $0 { j } else { nil } }
        #expect(created.count == 1 && existing.count == 3)
        #expect(existing.allSatisfy { $0 == created.first })
        #expect(try fixture.store.list(status: nil, beforeSeq: nil, limit: 10).count == 1)
    }
}

extension JobStore {
    /// One job, with no bound on the queue (no first events or blobs unless given), as most of these tests need.
    func create(_ job: JobRecord, events: [JobEventRecord] = [], blobs: [String: [UInt8]] = [:]) throws -> JobCreation {
        let outcomes = try create([NewJob(job: job, events: events, blobs: blobs)], maxQueued: nil)
        guard outcomes.count == 1 else { throw TestError("\(outcomes.count) outcomes for one job") }
        return outcomes[0]
    }
}
