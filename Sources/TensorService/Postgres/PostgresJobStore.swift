import Foundation

/// The shared job store: the tables of `PostgresMigrations` in one PostgreSQL database that
/// several `tensord` nodes use at once, job blobs (refs, checkpoints, final parameters) as
/// bytea rows. Every call takes a connection of the pool, so reads of jobs, metrics and events
/// run beside a job's flush (MVCC shows them the last commit) and never wait for it. A flush
/// is one transaction, fenced by the job's lease token; its metric points and events go in a
/// few multi-row INSERTs, not one round trip per row. Claims and leases are in
/// `PostgresJobStore+Leases.swift`.
final class PostgresJobStore: JobStore, @unchecked Sendable {
    typealias Value = PostgresConnection.Value
    let pool: PostgresPool

    init(pool: PostgresPool) {
        self.pool = pool
    }

    /// The LISTEN/NOTIFY channel of job writes; the payload is the job's id. A notification
    /// is delivered when its transaction commits, so a listener never hears of a write it
    /// cannot read yet.
    static let channel = "tensord_jobs"

    /// The channel of jobs that became claimable before any lease ran out: a submission, or
    /// the leases a clean stop released. It wakes the claim loops of idle nodes at once (they
    /// also poll, the fallback for a notification lost while a listener reconnects).
    static let queueChannel = "tensord_queue"

    static let columns = """
        seq, id, name, objective, status, status_message, created_at, started_at, finished_at, step, epoch, total_steps,
        total_epochs, latest, error, transitions, runtime, spec, idempotency_key, sweep_id, grid, attempts, owner, lease_token,
        cancel_requested
        """

    /// The `pg_advisory_xact_lock` key of submissions bounded by the queue ("tdqueue" in ASCII).
    static let queueLockKey: Int64 = 0x74_64_71_75_65_75_65

    func create(_ jobs: [NewJob], maxQueued: Int?) throws -> [JobCreation] {
        try pool.transaction { db in
            // Every node's bounded submissions hold this lock until they commit, so each counts
            // the queue with the jobs of the one before it (under READ COMMITTED a statement
            // sees what committed before it began) and two nodes cannot both take the last place.
            if maxQueued != nil { try db.query("SELECT pg_advisory_xact_lock($1)", [.integer(Self.queueLockKey)]) }
            var outcomes = try jobs.map { try previous($0.job, db) }
            let fresh = outcomes.count(where: { $0 == nil })
            if let maxQueued, fresh > 0 {
                let queued = try Self.unclaimedCount(db)
                guard queued + fresh <= maxQueued else { throw JobStoreError.queueFull(queued: queued) }
            }
            for (i, new) in jobs.enumerated() where outcomes[i] == nil { outcomes[i] = try insert(new, db) }
            return outcomes.compactMap { $0 }
        }
    }

    /// The outcome for a job whose idempotency key was used before; nil if it was not.
    private func previous(_ job: JobRecord, _ db: PostgresConnection) throws -> JobCreation? {
        guard let key = job.idempotencyKey, let existing = try selectOne(db, "idempotency_key = $1", [.text(key)]) else { return nil }
        return existing.spec == job.spec ? .existing(existing) : .conflict(existing.id)
    }

    /// Inserts a job in the caller's transaction.
    private func insert(_ new: NewJob, _ db: PostgresConnection) throws -> JobCreation {
        let job = new.job
        // ON CONFLICT DO NOTHING: of two unbounded creations with one key at once, the second
        // waits for the first to commit and then finds its job, as a single node would.
        let inserted = try db.query("""
            INSERT INTO jobs (id, name, objective, status, status_message, created_at, started_at, finished_at, step, epoch,
            total_steps, total_epochs, latest, error, transitions, runtime, spec, idempotency_key, sweep_id, grid, attempts)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
            ON CONFLICT DO NOTHING RETURNING \(Self.columns)
            """, [.text(job.id), text(job.name), .bool(job.isObjective), .text(job.status.rawValue), text(job.statusMessage),
                  .integer(job.createdAt), int(job.startedAt), int(job.finishedAt), .integer(Int64(job.step)), int(job.epoch),
                  int(job.totalSteps), int(job.totalEpochs), .text(try StoredJSON.encode(job.latest)),
                  try job.error.map { .text(try StoredJSON.encode($0)) } ?? .null, .text(try StoredJSON.encode(job.transitions)),
                  .real(job.runtimeSeconds), .bytes(job.spec), text(job.idempotencyKey), text(job.sweepId),
                  job.grid.map { .bytes($0) } ?? .null, .integer(Int64(job.attempts))])
        if let row = inserted.rows.first {
            try insert(new.events, blobs: new.blobs, job: job.id, db)
            try db.query("SELECT pg_notify($1, $3), pg_notify($2, $3)", [.text(Self.channel), .text(Self.queueChannel), .text(job.id)])
            return .created(try Self.record(row))
        }
        guard let existing = try previous(job, db) else { throw PostgresError(.query, "job id \(job.id) is already taken") }
        return existing
    }

    func job(_ id: String) throws -> JobRecord? {
        try pool.with(retry: true) { try selectOne($0, "id = $1", [.text(id)]) }
    }

    func job(idempotencyKey: String) throws -> JobRecord? {
        try pool.with(retry: true) { try selectOne($0, "idempotency_key = $1", [.text(idempotencyKey)]) }
    }

    func list(status: JobStatus?, beforeSeq: Int64?, limit: Int) throws -> [JobRecord] {
        try pool.with(retry: true) { db in
            var conditions: [String] = [], values: [Value] = []
            if let status { values.append(.text(status.rawValue)); conditions.append("status = $\(values.count)") }
            if let beforeSeq { values.append(.integer(beforeSeq)); conditions.append("seq < $\(values.count)") }
            values.append(.integer(Int64(max(0, limit))))
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            return try select(db, "\(filter) ORDER BY seq DESC LIMIT $\(values.count)", values)
        }
    }

    func jobs(sweep: String) throws -> [JobRecord] {
        try pool.with(retry: true) { try select($0, "WHERE sweep_id = $1 ORDER BY seq", [.text(sweep)]) }
    }


    func count(status: JobStatus) throws -> Int {
        try pool.with(retry: true) { db in
            Int(try db.query("SELECT count(*) FROM jobs WHERE status = $1", [.text(status.rawValue)]).rows[0].int(0))
        }
    }

    func unclaimedCount() throws -> Int {
        try pool.with(retry: true, Self.unclaimedCount)
    }

    private static func unclaimedCount(_ db: PostgresConnection) throws -> Int {
        Int(try db.query("SELECT count(*) FROM jobs WHERE status = 'queued' AND owner IS NULL").rows[0].int(0))
    }

    func commit(_ write: JobWrite) throws {
        try pool.transaction { db in
            let j = write.job
            // The fence: the row changes only under the token the writer claimed it with. It
            // goes first, so a writer that stalls later in the transaction holds the job's row
            // and nothing else of the job that a new owner could wait for: a claim skips the
            // row, and `endStalledWriters` finds the stalled session by it (`xmax`). Attempts:
            // see `JobStore.commit` (the subquery sees the checkpoints before this write's).
            let updated = try db.query("""
                UPDATE jobs SET status = $1, status_message = $2, started_at = $3, finished_at = $4, step = $5, epoch = $6,
                total_steps = $7, latest = $8, error = $9, transitions = $10, runtime = $11,
                attempts = CASE WHEN $16::bigint > coalesce((SELECT max(step) FROM checkpoints WHERE job_id = $14), -1) THEN 0
                ELSE least($12, attempts) END,
                owner = CASE WHEN $13 THEN NULL ELSE owner END, lease_expires = CASE WHEN $13 THEN 0 ELSE lease_expires END
                WHERE id = $14 AND lease_token = $15 RETURNING 1
                """, [.text(j.status.rawValue), text(j.statusMessage), int(j.startedAt), int(j.finishedAt), .integer(Int64(j.step)),
                      int(j.epoch), int(j.totalSteps), .text(try StoredJSON.encode(j.latest)),
                      try j.error.map { .text(try StoredJSON.encode($0)) } ?? .null, .text(try StoredJSON.encode(j.transitions)),
                      .real(j.runtimeSeconds), .integer(Int64(j.attempts)), .bool(write.releaseLease), .text(j.id), .integer(j.leaseToken),
                      int(write.addCheckpoint?.step)])
            guard updated.rows.count == 1 else { throw JobStoreError.leaseLost(j.id) }
            if let t = write.truncateMetrics { try truncate(job: j.id, t, db) }
            for (key, step) in write.replaceMetricsFrom.sorted(by: { $0.key < $1.key }) {
                try db.query("DELETE FROM metrics WHERE job_id = $1 AND key = $2 AND step >= $3", [.text(j.id), .text(key), .integer(Int64(step))])
            }
            // A step re-run after a restart records the same values again: replace, never duplicate.
            // One INSERT … ON CONFLICT may not touch a row twice, so within the flush the last
            // point of a key and step wins, as SQLite's INSERT OR REPLACE has it.
            var last: [String: [Int: Int]] = [:]
            for (i, m) in write.metrics.enumerated() { last[m.key, default: [:]][m.step] = i }
            let points = write.metrics.enumerated().filter { last[$0.element.key]?[$0.element.step] == $0.offset }.map(\.element)
            try insert(db, "INSERT INTO metrics (job_id, key, step, epoch, value, ts)",
                       rows: points.map { [.text(j.id), .text($0.key), .integer(Int64($0.step)), int($0.epoch), .real($0.value), .integer($0.timestamp)] },
                       "ON CONFLICT (job_id, key, step) DO UPDATE SET epoch = excluded.epoch, value = excluded.value, ts = excluded.ts")
            try insert(write.events, blobs: write.blobs, job: j.id, db)
            if let keep = write.keepCappedEvents {
                // As SQLiteJobStore: all but the newest `keep` capped events go; their ids are not reused.
                let kinds = JobEventRecord.Kind.cappedSQL
                try db.query("DELETE FROM events WHERE job_id = $1 AND kind IN (\(kinds)) AND id < ("
                             + "SELECT id FROM events WHERE job_id = $1 AND kind IN (\(kinds)) ORDER BY id DESC LIMIT 1 OFFSET $2)",
                             [.text(j.id), .integer(Int64(max(0, keep - 1)))])
            }
            try db.query("SELECT pg_notify($1, $2)", [.text(Self.channel), .text(j.id)])
            if write.releaseLease { try db.query("SELECT pg_notify($1, $2)", [.text(Self.queueChannel), .text(j.id)]) }
            if let c = write.addCheckpoint {
                try db.query("""
                    INSERT INTO checkpoints (job_id, step, epoch, created_at, bytes, file, metric_state) VALUES ($1, $2, $3, $4, $5, $6, $7)
                    ON CONFLICT (job_id, step) DO UPDATE SET epoch = excluded.epoch, created_at = excluded.created_at,
                    bytes = excluded.bytes, file = excluded.file, metric_state = excluded.metric_state
                    """, [.text(j.id), .integer(Int64(c.step)), int(c.epoch), .integer(c.createdAt), .integer(Int64(c.bytes)), .text(c.file),
                          try c.metricState.map { .text(try StoredJSON.encode($0)) } ?? .null])
            }
            for step in write.removeCheckpoints {
                for r in try db.query("DELETE FROM checkpoints WHERE job_id = $1 AND step = $2 RETURNING file", [.text(j.id), .integer(Int64(step))]).rows {
                    try db.query("DELETE FROM job_blobs WHERE job_id = $1 AND name = $2", [.text(j.id), .text("checkpoints/\(try r.text(0))")])
                }
            }
        }
    }

    func metrics(job: String, keys: [String]?, from: Int, through: Int?) throws -> [MetricPoint] {
        if let keys, keys.isEmpty { return [] }
        return try pool.with(retry: true) { db in
            var values: [Value] = [.text(job), .integer(Int64(from)), .integer(Int64(through ?? Int(Int64.max)))]
            var sql = "SELECT key, step, epoch, value, ts FROM metrics WHERE job_id = $1 AND step >= $2 AND step <= $3"
            if let keys { sql += " AND key IN (\(PostgresConnection.placeholders(from: 4, count: keys.count)))"; values += keys.map { .text($0) } }
            return try db.query(sql + " ORDER BY key, step", values).rows.map { r in
                MetricPoint(key: try r.text(0), step: Int(try r.int(1)), epoch: try r.optionalInt(2).map { Int($0) },
                            value: try r.double(3), timestamp: try r.int(4))
            }
        }
    }

    /// Inside the caller's transaction.
    private func truncate(job: String, _ t: MetricTruncation, _ db: PostgresConnection) throws {
        for (key, step) in t.keys.sorted(by: { $0.key < $1.key }) {
            try db.query("DELETE FROM metrics WHERE job_id = $1 AND key = $2 AND step > $3", [.text(job), .text(key), .integer(Int64(step))])
        }
        // PostgreSQL has no empty `NOT IN ()`: without named keys the condition is dropped.
        let named = t.keys.isEmpty ? "" : " AND key NOT IN (\(PostgresConnection.placeholders(from: 3, count: t.keys.count)))"
        try db.query("DELETE FROM metrics WHERE job_id = $1 AND step > $2\(named)",
                     [.text(job), .integer(Int64(t.others))] + t.keys.keys.sorted().map { .text($0) })
    }

    /// Events and blobs of a job, inside the caller's transaction.
    private func insert(_ events: [JobEventRecord], blobs: [String: [UInt8]], job: String, _ db: PostgresConnection) throws {
        try insert(db, "INSERT INTO events (job_id, id, kind, data)",
                   rows: events.map { [.text(job), .integer($0.id), .text($0.kind.rawValue), .bytes($0.data)] }, "")
        for (name, data) in blobs.sorted(by: { $0.key < $1.key }) {
            try db.query("INSERT INTO job_blobs (job_id, name, data) VALUES ($1, $2, $3) ON CONFLICT (job_id, name) DO UPDATE SET data = excluded.data",
                         [.text(job), .text(name), .bytes(data)])
        }
    }

    func blob(job: String, name: String) throws -> [UInt8]? {
        try pool.with(retry: true) { db in
            try db.query("SELECT data FROM job_blobs WHERE job_id = $1 AND name = $2", [.text(job), .text(name)]).rows.first.map { try $0.bytes(0) }
        }
    }

    func events(job: String, after id: Int64, limit: Int) throws -> [JobEventRecord] {
        try pool.with(retry: true) { db in
            try db.query("SELECT id, kind, data FROM events WHERE job_id = $1 AND id > $2 ORDER BY id LIMIT $3",
                         [.text(job), .integer(id), .integer(Int64(max(0, limit)))]).rows.map { r in
                JobEventRecord(id: try r.int(0), kind: JobEventRecord.Kind(rawValue: try r.text(1)) ?? .log, data: try r.bytes(2))
            }
        }
    }

    func lastEventId(job: String) throws -> Int64 {
        try pool.with(retry: true) { try $0.query("SELECT coalesce(max(id), 0) FROM events WHERE job_id = $1", [.text(job)]).rows[0].int(0) }
    }

    func checkpoints(job: String) throws -> [CheckpointInfo] {
        try pool.with(retry: true) { db in
            try db.query("SELECT step, epoch, created_at, bytes, file, metric_state FROM checkpoints WHERE job_id = $1 ORDER BY step",
                         [.text(job)]).rows.map { r in
                CheckpointInfo(step: Int(try r.int(0)), epoch: try r.optionalInt(1).map { Int($0) }, createdAt: try r.int(2),
                               bytes: Int(try r.int(3)), file: try r.text(4),
                               metricState: try r.optionalText(5).map { try StoredJSON.decode([String: MetricHistory.KeyState].self, from: $0) })
            }
        }
    }

    func delete(_ id: String) throws {
        try pool.transaction { db in
            for table in ["metrics", "events", "checkpoints", "job_blobs"] { try db.query("DELETE FROM \(table) WHERE job_id = $1", [.text(id)]) }
            try db.query("DELETE FROM jobs WHERE id = $1", [.text(id)])
        }
    }

    // MARK: rows

    /// Rows per multi-row INSERT, within PostgreSQL's 65,535 parameters for any table here.
    private static let rowsPerInsert = 1000

    /// `head VALUES (…), (…) tail` in chunks of `rowsPerInsert` rows.
    private func insert(_ db: PostgresConnection, _ head: String, rows: [[Value]], _ tail: String) throws {
        guard let width = rows.first?.count else { return }
        for start in stride(from: 0, to: rows.count, by: Self.rowsPerInsert) {
            let chunk = rows[start..<min(start + Self.rowsPerInsert, rows.count)]
            let tuples = (0..<chunk.count).map { "(\(PostgresConnection.placeholders(from: 1 + $0 * width, count: width)))" }.joined(separator: ", ")
            try db.query("\(head) VALUES \(tuples) \(tail)", chunk.flatMap { $0 })
        }
    }

    private func selectOne(_ db: PostgresConnection, _ condition: String, _ values: [Value]) throws -> JobRecord? {
        try select(db, "WHERE \(condition)", values).first
    }

    func select(_ db: PostgresConnection, _ tail: String, _ values: [Value]) throws -> [JobRecord] {
        try db.query("SELECT \(Self.columns) FROM jobs \(tail)", values).rows.map(Self.record)
    }

    static func record(_ r: PostgresConnection.Row) throws -> JobRecord {
        guard let status = JobStatus(rawValue: try r.text(4)) else { throw PostgresError(.badRow, "job status '\(try r.text(4))'") }
        var job = JobRecord(id: try r.text(1), seq: try r.int(0), name: try r.optionalText(2), isObjective: try r.bool(3),
                            status: status, statusMessage: try r.optionalText(5), createdAt: try r.int(6),
                            startedAt: try r.optionalInt(7), finishedAt: try r.optionalInt(8), step: Int(try r.int(9)),
                            epoch: try r.optionalInt(10).map { Int($0) }, totalSteps: try r.optionalInt(11).map { Int($0) },
                            totalEpochs: try r.optionalInt(12).map { Int($0) }, spec: try r.bytes(17), idempotencyKey: try r.optionalText(18))
        job.latest = try StoredJSON.decode(LatestMetrics.self, from: try r.text(13))
        job.error = try r.optionalText(14).map { try StoredJSON.decode(JobProblem.self, from: $0) }
        job.transitions = try StoredJSON.decode([StatusTransition].self, from: try r.text(15))
        job.runtimeSeconds = try r.double(16)
        job.sweepId = try r.optionalText(19)
        job.grid = try r.optionalBytes(20)
        job.attempts = Int(try r.int(21))
        job.owner = try r.optionalText(22)
        job.leaseToken = try r.int(23)
        job.cancelRequested = try r.bool(24)
        return job
    }

    private func text(_ s: String?) -> Value { s.map { .text($0) } ?? .null }
    private func int(_ i: Int?) -> Value { i.map { .integer(Int64($0)) } ?? .null }
    private func int(_ i: Int64?) -> Value { i.map { .integer($0) } ?? .null }
}
