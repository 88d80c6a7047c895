import Foundation
@testable import TensorService

/// A job store that forwards to another and lets a test fail commits: `failing` sees each
/// write first and fails it by throwing (nothing of it is applied); `applied` lists the
/// writes that were, in order.
final class FaultyJobStore: JobStore, @unchecked Sendable {
    let base: JobStore
    let failing = Locked<@Sendable (JobWrite) throws -> Void>({ _ in })
    let applied = Locked<[JobWrite]>([])

    init(_ base: JobStore) { self.base = base }

    func commit(_ write: JobWrite) throws {
        try failing.value(write)
        try base.commit(write)
        applied.update { $0.append(write) }
    }

    func create(_ jobs: [NewJob], maxQueued: Int?) throws -> [JobCreation] { try base.create(jobs, maxQueued: maxQueued) }
    func job(_ id: String) throws -> JobRecord? { try base.job(id) }
    func job(idempotencyKey: String) throws -> JobRecord? { try base.job(idempotencyKey: idempotencyKey) }
    func list(status: JobStatus?, beforeSeq: Int64?, limit: Int) throws -> [JobRecord] { try base.list(status: status, beforeSeq: beforeSeq, limit: limit) }
    func jobs(sweep: String) throws -> [JobRecord] { try base.jobs(sweep: sweep) }
    func count(status: JobStatus) throws -> Int { try base.count(status: status) }
    func unclaimedCount() throws -> Int { try base.unclaimedCount() }
    func claim(node: String, leaseMillis: Millis, job id: String?) throws -> JobRecord? { try base.claim(node: node, leaseMillis: leaseMillis, job: id) }
    func renew(node: String, leases: [String: Int64], leaseMillis: Millis) throws -> [String: LeaseRenewal] {
        try base.renew(node: node, leases: leases, leaseMillis: leaseMillis)
    }
    func requestCancel(_ id: String) throws -> JobRecord? { try base.requestCancel(id) }
    func startNode(_ node: String) throws { try base.startNode(node) }
    func endStalledWriters(leaseMillis: Millis) throws -> [StalledWriter] { try base.endStalledWriters(leaseMillis: leaseMillis) }
    func blob(job: String, name: String) throws -> [UInt8]? { try base.blob(job: job, name: name) }
    func metrics(job: String, keys: [String]?, from: Int, through: Int?) throws -> [MetricPoint] {
        try base.metrics(job: job, keys: keys, from: from, through: through)
    }
    func events(job: String, after id: Int64, limit: Int) throws -> [JobEventRecord] { try base.events(job: job, after: id, limit: limit) }
    func lastEventId(job: String) throws -> Int64 { try base.lastEventId(job: job) }
    func checkpoints(job: String) throws -> [CheckpointInfo] { try base.checkpoints(job: job) }
    func delete(_ id: String) throws { try base.delete(id) }
}
