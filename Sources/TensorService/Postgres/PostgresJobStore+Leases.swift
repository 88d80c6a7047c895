import Foundation

// Claims and leases on the shared store, as River and Oban take jobs from PostgreSQL: the
// oldest claimable row is locked with `FOR UPDATE SKIP LOCKED` and updated in the same
// statement, so nodes claiming at once skip each other's rows instead of waiting or taking
// the same one. Leases expire by the database's clock, the one clock all nodes share.
extension PostgresJobStore {
    /// Milliseconds since 1970 by the database's clock (`clock_timestamp`: now, not the
    /// transaction's start).
    static let now = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"

    func claim(node: String, leaseMillis: Millis, job id: String?) throws -> JobRecord? {
        let returning = Self.columns.split(separator: ",").map { "j." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", ")
        return try pool.with { db in
            try db.query("""
                WITH c AS (
                    SELECT id FROM jobs WHERE status IN ('queued', 'running', 'cancelling')
                    AND (owner IS NULL OR coalesce(lease_expires, 0) <= \(Self.now)) AND ($3::text IS NULL OR id = $3::text)
                    ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED)
                UPDATE jobs j SET owner = $1, lease_token = j.lease_token + 1, lease_expires = \(Self.now) + $2, attempts = j.attempts + 1
                FROM c WHERE j.id = c.id RETURNING \(returning)
                """, [.text(node), .integer(leaseMillis), id.map { .text($0) } ?? .null]).rows.first.map(Self.record)
        }
    }

    func renew(node: String, leases: [String: Int64], leaseMillis: Millis) throws -> [String: LeaseRenewal] {
        guard !leases.isEmpty else { return [:] }
        return try pool.transaction { db in
            var held: [String: LeaseRenewal] = [:]
            for (id, token) in leases.sorted(by: { $0.key < $1.key }) {
                let rows = try db.query("""
                    UPDATE jobs SET lease_expires = \(Self.now) + $1 WHERE id = $2 AND lease_token = $3 AND owner = $4 RETURNING cancel_requested
                    """, [.integer(leaseMillis), .text(id), .integer(token), .text(node)]).rows
                if let r = rows.first { held[id] = LeaseRenewal(cancelRequested: try r.bool(0)) }
            }
            return held
        }
    }

    func requestCancel(_ id: String) throws -> JobRecord? {
        try pool.with { db in
            try db.query("UPDATE jobs SET cancel_requested = true WHERE id = $1 AND status IN ('queued', 'running', 'cancelling')", [.text(id)])
            return try select(db, "WHERE id = $1", [.text(id)]).first
        }
    }

    /// Other nodes share the database: only the leases held under this node's name can be
    /// known dead (a node restarted with the same `--node-id` resumes its jobs at once; the
    /// jobs of a node that does not come back wait for their leases to expire).
    func startNode(_ node: String) throws {
        try pool.with { db in
            try db.query("UPDATE jobs SET lease_expires = 0 WHERE owner = $1 AND status IN ('queued', 'running', 'cancelling')", [.text(node)])
        }
    }
}
