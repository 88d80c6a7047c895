import Foundation
import Testing
@testable import TensorService
import Training

/// A job-store write that fails while the node still holds the job's lease (a PostgreSQL
/// session ended under a starved writer did it in JobsClusterTests): the flushes queued
/// behind it must not commit, or a later checkpoint would be stored without the points of
/// the failed write, and the run resumed from it would never record them again.
@Suite struct JobsWriteFailureTests {
    @Test func noWriteAfterAFailedOneIsAppliedAndTheRerunRecordsEveryStep() throws {
        let spec = JobFixtures.bowl(steps: 60, extra: #", "checkpoint": {"every_steps": 10}"#)
        let reference = try TestServer()
        defer { reference.stop() }
        let refId = try reference.submit(spec)
        try reference.wait(refId)

        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tensord-write-failure-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = FaultyJobStore(try SQLiteJobStore(path: path))
        var jobLimits = JobLimits()
        jobLimits.leaseSeconds = 0.5
        // A flush after every step, so each step's points are one write.
        let limits = JobRunner.Limits(maxRunning: 1, maxQueued: 4, flushInterval: 0, maxElements: reference.service.configuration.maxElements,
                                      jobs: jobLimits, keptJobBytes: 0)
        let logs = Locked<[String]>([])
        let runner = try JobRunner(store: store, engine: reference.service.engine, node: "n", limits: limits,
                                   log: { line in logs.update { $0.append(line) } }) { [service = reference.service] record in
            try service.storedJobSpec(record, store: store)
        }
        defer { runner.shutdown() }

        // The write of step 15 fails once the flushes of the next eight steps (the checkpoint
        // at step 20 among them) wait behind it in the writer's queue.
        let failure = Locked<(token: Int64, applied: Int)?>(nil)
        store.failing.update { $0 = { [runner] write in
            guard failure.value == nil, write.metrics.contains(where: { $0.key == "loss" && $0.step == 15 }) else { return }
            let deadline = Date(timeIntervalSinceNow: 30)
            while runner.writer.queued < 8 && Date() < deadline { usleep(1000) }
            failure.update { $0 = (write.job.leaseToken, store.applied.value.count) }
            throw TestError("the connection was lost")
        } }

        let now = JobJSON.now()
        let record = JobRecord(id: "job-write-failure", name: "bowl", isObjective: true, status: .queued, createdAt: now, totalSteps: 60,
                               transitions: [StatusTransition(status: .queued, at: now, message: "accepted")], spec: Array(spec.utf8))
        _ = try runner.submit(record, refs: [:])
        let deadline = Date(timeIntervalSinceNow: 60)
        while try store.job(record.id)?.status != .succeeded && Date() < deadline { usleep(10_000) }

        let job = try #require(try store.job(record.id))
        #expect(job.status == .succeeded, "\(job.status) \(job.statusMessage ?? "")")
        let failed = try #require(failure.value, "the write of step 15 was made and failed")
        let after = store.applied.value[failed.applied...]
        #expect(after.allSatisfy { $0.job.leaseToken != failed.token },
                "no write under the failed write's lease was applied after it: \(after.filter { $0.job.leaseToken == failed.token }.map(\.job.step))")
        #expect(logs.value.contains { $0.contains("cannot write to the job store") }, "\(logs.value)")

        // The run was resumed from a checkpoint the failed write's points precede, so its
        // history and parameters are those of the uninterrupted run.
        func strip(_ points: [MetricPoint]) -> [String] { points.map { "\($0.key)@\($0.step)=\($0.value.bitPattern)" } }
        let want = try reference.service.jobs.store.metrics(job: refId, keys: nil, from: 0, through: nil)
        let got = try store.metrics(job: record.id, keys: nil, from: 0, through: nil)
        let same = strip(got) == strip(want)
        #expect(same, "missing \(Set(strip(want)).subtracting(strip(got)).sorted().prefix(10)), extra \(Set(strip(got)).subtracting(strip(want)).sorted().prefix(10))")
        #expect(got.filter { $0.key == "loss" }.map(\.step) == Array(0...60))
        func final(_ store: JobStore, _ id: String) throws -> [TensorSnapshot] {
            try JSONDecoder().decode(ObjectiveCheckpoint.self, from: Data(try #require(try store.blob(job: id, name: "final.ckpt")))).params
        }
        #expect(try final(store, record.id) == final(reference.service.jobs.store, refId), "the parameters of the uninterrupted run")
    }
}
