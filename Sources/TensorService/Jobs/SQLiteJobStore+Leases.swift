import Foundation

// Claims and leases on the embedded store. One process writes the file through one
// connection under one lock, and each claim is one `BEGIN IMMEDIATE` transaction (the
// SQLite form of PostgreSQL's `FOR UPDATE SKIP LOCKED`); leases expire by this machine's clock.
extension SQLiteJobStore {
    func claim(node: String, leaseMillis: Millis, job id: String?) throws -> JobRecord? {
        try locked {
            try db.transaction {
                let now = JobJSON.now()
                var found: String?
                try db.prepare("""
                    SELECT id FROM jobs WHERE status IN ('queued', 'running', 'cancelling') AND (owner IS NULL OR coalesce(lease_expires, 0) <= ?)
                    AND (? IS NULL OR id = ?) ORDER BY seq LIMIT 1
                    """).query([.integer(now), id.map { .text($0) } ?? .null, id.map { .text($0) } ?? .null]) { found = $0.text(0) }
                guard let found else { return nil }
                try db.prepare("""
                    UPDATE jobs SET owner = ?, lease_token = lease_token + 1, lease_expires = ?, attempts = attempts + 1 WHERE id = ?
                    """).run(.text(node), .integer(now + leaseMillis), .text(found))
                return try selectOne(db, "id = ?", [.text(found)])
            }
        }
    }

    func renew(node: String, leases: [String: Int64], leaseMillis: Millis) throws -> [String: LeaseRenewal] {
        try locked {
            try db.transaction {
                let until = JobJSON.now() + leaseMillis
                var held: [String: LeaseRenewal] = [:]
                let extend = try db.prepare("UPDATE jobs SET lease_expires = ? WHERE id = ? AND lease_token = ? AND owner = ? RETURNING cancel_requested")
                for (id, token) in leases {
                    try extend.query([.integer(until), .text(id), .integer(token), .text(node)]) { held[id] = LeaseRenewal(cancelRequested: $0.int(0) != 0) }
                }
                return held
            }
        }
    }

    func requestCancel(_ id: String) throws -> JobRecord? {
        try locked {
            try db.prepare("UPDATE jobs SET cancel_requested = 1 WHERE id = ? AND status IN ('queued', 'running', 'cancelling')").run(.text(id))
            return try selectOne(db, "id = ?", [.text(id)])
        }
    }

    /// Its only writer is this process's, under one lock: no other can hold a job.
    func endStalledWriters(leaseMillis: Millis) throws -> [StalledWriter] { [] }

    /// One process owns the data directory: a node starting here inherits every lease at
    /// once (a restart resumes its jobs without waiting for their leases to expire).
    func startNode(_ node: String) throws {
        try locked { try db.execute("UPDATE jobs SET lease_expires = 0 WHERE status IN ('queued', 'running', 'cancelling')") }
    }
}
