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

    /// A node stopped (SIGSTOP, a stall, a VM pause) inside a job's write keeps its transaction,
    /// and with it the lock on the job's row that the write's fence took first, so every claim's
    /// `SKIP LOCKED` passes the job by. PostgreSQL ends such a session on its own only when it
    /// is idle in the transaction (`idle_in_transaction_session_timeout`, set to one lease):
    /// stopped in the middle of sending a statement (libpq sends a large one in pieces), its
    /// backend waits to read the rest of a message with no timeout armed (PostgreSQL 15 has no
    /// `transaction_timeout`), and the job would wait until the node came back. So claimers end
    /// it, as River's rescuer and Oban's lifeline free the jobs of a dead node: the session whose
    /// transaction id holds the row (`xmax`; these rows are only ever locked whole, by one
    /// transaction at a time, so it is never a multixact), when the job's lease has run out,
    /// that transaction has been open for a whole lease, and the session waits for its client
    /// in the middle of a statement: the one case the server's timeout leaves. A session that
    /// executes, or waits for a lock (a heartbeat behind its node's own write), is left alone.
    /// Its transaction rolls back (the fence had kept it from mattering anyway), and the node
    /// learns it from its next write. Nodes share one role, which may end its own sessions.
    func endStalledWriters(leaseMillis: Millis) throws -> [StalledWriter] {
        try pool.with { db in
            try db.query("""
                SELECT j.id, a.pid, j.owner, pg_terminate_backend(a.pid) FROM jobs j
                JOIN pg_locks l ON l.locktype = 'transactionid' AND l.transactionid = j.xmax AND l.mode = 'ExclusiveLock' AND l.granted
                JOIN pg_stat_activity a ON a.pid = l.pid
                WHERE j.status IN ('queued', 'running', 'cancelling') AND j.owner IS NOT NULL AND coalesce(j.lease_expires, 0) <= \(Self.now)
                AND a.xact_start <= clock_timestamp() - $1::float8 * interval '1 millisecond' AND a.state = 'active'
                AND a.wait_event_type = 'Client' AND a.pid <> pg_backend_pid()
                """, [.integer(leaseMillis)]).rows.map { r in
                StalledWriter(job: try r.text(0), session: try r.int(1), node: try r.text(2))
            }
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
