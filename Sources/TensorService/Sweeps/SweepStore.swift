import Foundation

/// A sweep as stored: the request that made it. Its jobs are found by their `sweep_id`.
struct SweepRecord: Sendable, Equatable {
    var id: String
    /// Creation order (newest first in listings).
    var seq: Int64 = 0
    var name: String?
    var createdAt: Millis
    /// The grid object of the request, byte for byte as re-serialised.
    var grid: [UInt8]
    /// The request body that created the sweep, byte for byte (for idempotent retries).
    var request: [UInt8]
    var idempotencyKey: String?
}

/// The outcome of creating a sweep with an idempotency key.
enum SweepCreation: Sendable, Equatable {
    case created(SweepRecord)
    /// The idempotency key was used before with the same body: that sweep.
    case existing(SweepRecord)
    /// The key was used before with another body: that sweep's id.
    case conflict(String)
}

/// Where sweeps live: SQLite in the data directory by default, PostgreSQL beside the shared
/// job store.
protocol SweepStore: AnyObject, Sendable {
    /// Inserts a sweep unless its idempotency key was already used; assigns `seq`.
    func create(_ sweep: SweepRecord) throws -> SweepCreation
    func sweep(_ id: String) throws -> SweepRecord?
    func sweep(idempotencyKey: String) throws -> SweepRecord?
    /// Sweeps newest first, older than `beforeSeq`.
    func list(beforeSeq: Int64?, limit: Int) throws -> [SweepRecord]
    func delete(_ id: String) throws
}
