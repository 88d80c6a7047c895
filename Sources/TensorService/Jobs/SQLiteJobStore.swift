import TensorWire
import Foundation

/// The embedded job store: one SQLite file (`jobs.sqlite`, WAL mode) in the data directory,
/// blobs included (`job_blobs`: refs, checkpoints, final parameters). Two connections, each used under its own lock: writes (each flush of a running job is one
/// transaction) go through one, reads through the other. In WAL mode a reader sees the last
/// committed state without waiting for a write under way, so reads of jobs, metrics and
/// events never queue behind the job writer.
final class SQLiteJobStore: JobStore, @unchecked Sendable {
    let db: SQLiteDatabase
    private let lock = NSLock()
    private let reader: SQLiteDatabase
    private let readLock = NSLock()

    private static let schema = """
        CREATE TABLE IF NOT EXISTS jobs (
            seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, name TEXT, objective INTEGER NOT NULL,
            status TEXT NOT NULL, status_message TEXT, created_at INTEGER NOT NULL, started_at INTEGER, finished_at INTEGER,
            step INTEGER NOT NULL, epoch INTEGER, total_steps INTEGER, total_epochs INTEGER, latest TEXT NOT NULL,
            error TEXT, transitions TEXT NOT NULL, runtime REAL NOT NULL, spec BLOB NOT NULL, idempotency_key TEXT UNIQUE,
            sweep_id TEXT, grid BLOB);
        CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status, seq);
        CREATE TABLE IF NOT EXISTS metrics (
            job_id TEXT NOT NULL, key TEXT NOT NULL, step INTEGER NOT NULL, epoch INTEGER, value, ts INTEGER NOT NULL,
            PRIMARY KEY (job_id, key, step)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS events (
            job_id TEXT NOT NULL, id INTEGER NOT NULL, kind TEXT NOT NULL, data BLOB NOT NULL,
            PRIMARY KEY (job_id, id)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS checkpoints (
            job_id TEXT NOT NULL, step INTEGER NOT NULL, epoch INTEGER, created_at INTEGER NOT NULL, bytes INTEGER NOT NULL,
            file TEXT NOT NULL, PRIMARY KEY (job_id, step)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS job_blobs (job_id TEXT NOT NULL, name TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (job_id, name));
        """

    /// Columns added since the first schema, added to an older file when it is opened.
    private static let addedColumns = [
        ("jobs", "sweep_id", "TEXT"),
        ("jobs", "grid", "BLOB"),
        ("jobs", "attempts", "INTEGER NOT NULL DEFAULT 0"),
        ("checkpoints", "metric_state", "TEXT"),
        ("jobs", "owner", "TEXT"),
        ("jobs", "lease_token", "INTEGER NOT NULL DEFAULT 0"),
        ("jobs", "lease_expires", "INTEGER"),
        ("jobs", "cancel_requested", "INTEGER NOT NULL DEFAULT 0"),
    ]

    private static let columns = """
        seq, id, name, objective, status, status_message, created_at, started_at, finished_at, step, epoch, total_steps,
        total_epochs, latest, error, transitions, runtime, spec, idempotency_key, sweep_id, grid, attempts, owner, lease_token,
        cancel_requested
        """

    init(path: String) throws {
        db = try SQLiteDatabase(path: path)
        try db.execute(Self.schema)
        for (table, column, type) in Self.addedColumns {
            var present = false
            try db.prepare("SELECT count(*) FROM pragma_table_info(?) WHERE name = ?").query([.text(table), .text(column)]) { present = $0.int(0) > 0 }
            if !present { try db.execute("ALTER TABLE \(table) ADD COLUMN \(column) \(type)") }
        }
        reader = try SQLiteDatabase(path: path)
        try db.execute("CREATE INDEX IF NOT EXISTS jobs_by_sweep ON jobs (sweep_id, seq);")
        try db.execute("CREATE INDEX IF NOT EXISTS events_by_kind ON events (job_id, kind, id);")
    }

    func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock(); defer { lock.unlock() }
        return try body()
    }

    /// Runs a read on the read connection (never behind the writer's lock).
    private func reading<T>(_ body: (SQLiteDatabase) throws -> T) rethrows -> T {
        readLock.lock(); defer { readLock.unlock() }
        return try body(reader)
    }

    func create(_ jobs: [NewJob], maxQueued: Int?) throws -> [JobCreation] {
        try locked {
            try db.transaction {
                var outcomes = try jobs.map { new in
                    try new.job.idempotencyKey.flatMap { try selectOne(db, "idempotency_key = ?", [.text($0)]) }
                        .map { $0.spec == new.job.spec ? JobCreation.existing($0) : .conflict($0.id) }
                }
                let fresh = outcomes.count(where: { $0 == nil })
                if let maxQueued, fresh > 0 {
                    let queued = try Self.unclaimedCount(db)
                    guard queued + fresh <= maxQueued else { throw JobStoreError.queueFull(queued: queued) }
                }
                for (i, new) in jobs.enumerated() where outcomes[i] == nil { outcomes[i] = .created(try insert(new)) }
                return outcomes.compactMap { $0 }
            }
        }
    }

    /// Inserts a job (write lock held, in the caller's transaction); returns it as stored.
    private func insert(_ new: NewJob) throws -> JobRecord {
        let job = new.job
        try db.prepare("INSERT INTO jobs (\(Self.columns)) VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 0, 0)")
            .run(.text(job.id), text(job.name), .integer(job.isObjective ? 1 : 0), .text(job.status.rawValue), text(job.statusMessage),
                 .integer(job.createdAt), int(job.startedAt), int(job.finishedAt), .integer(Int64(job.step)), int(job.epoch),
                 int(job.totalSteps), int(job.totalEpochs), try json(job.latest), try job.error.map(json) ?? .null,
                 try json(job.transitions), .real(job.runtimeSeconds), .blob(job.spec), text(job.idempotencyKey),
                 text(job.sweepId), job.grid.map { .blob($0) } ?? .null, .integer(Int64(job.attempts)))
        try insert(new.events, blobs: new.blobs, job: job.id)
        guard let stored = try selectOne(db, "id = ?", [.text(job.id)]) else { throw SQLiteError(code: 0, message: "inserted job \(job.id) vanished") }
        return stored
    }

    func job(_ id: String) throws -> JobRecord? {
        try reading { try selectOne($0, "id = ?", [.text(id)]) }
    }

    func job(idempotencyKey: String) throws -> JobRecord? {
        try reading { try selectOne($0, "idempotency_key = ?", [.text(idempotencyKey)]) }
    }

    func list(status: JobStatus?, beforeSeq: Int64?, limit: Int) throws -> [JobRecord] {
        try reading { db in
            var conditions: [String] = [], values: [SQLiteDatabase.Value] = []
            if let status { conditions.append("status = ?"); values.append(.text(status.rawValue)) }
            if let beforeSeq { conditions.append("seq < ?"); values.append(.integer(beforeSeq)) }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            return try select(db, "\(filter) ORDER BY seq DESC LIMIT \(limit)", values)
        }
    }

    func jobs(sweep: String) throws -> [JobRecord] {
        try reading { try select($0, "WHERE sweep_id = ? ORDER BY seq", [.text(sweep)]) }
    }

    func count(status: JobStatus) throws -> Int {
        try reading { db in
            var n = 0
            try db.prepare("SELECT count(*) FROM jobs WHERE status = ?").query([.text(status.rawValue)]) { n = $0.int(0) }
            return n
        }
    }

    func unclaimedCount() throws -> Int {
        try reading(Self.unclaimedCount)
    }

    private static func unclaimedCount(_ db: SQLiteDatabase) throws -> Int {
        var n = 0
        try db.prepare("SELECT count(*) FROM jobs WHERE status = 'queued' AND owner IS NULL").query([]) { n = $0.int(0) }
        return n
    }

    func commit(_ write: JobWrite) throws {
        try locked {
            try db.transaction {
                let j = write.job
                // The fence: the row changes only under the token the writer claimed it with.
                // Attempts: see `JobStore.commit` (the subquery sees the checkpoints before this write's).
                try db.prepare("""
                    UPDATE jobs SET status = ?, status_message = ?, started_at = ?, finished_at = ?, step = ?, epoch = ?,
                    total_steps = ?, latest = ?, error = ?, transitions = ?, runtime = ?,
                    attempts = CASE WHEN ? > coalesce((SELECT max(step) FROM checkpoints WHERE job_id = ?), -1) THEN 0 ELSE min(?, attempts) END,
                    owner = CASE WHEN ? THEN NULL ELSE owner END, lease_expires = CASE WHEN ? THEN 0 ELSE lease_expires END
                    WHERE id = ? AND lease_token = ?
                    """).run(.text(j.status.rawValue), text(j.statusMessage), int(j.startedAt), int(j.finishedAt), .integer(Int64(j.step)),
                             int(j.epoch), int(j.totalSteps), try json(j.latest), try j.error.map(json) ?? .null,
                             try json(j.transitions), .real(j.runtimeSeconds), int(write.addCheckpoint?.step), .text(j.id),
                             .integer(Int64(j.attempts)),
                             .integer(write.releaseLease ? 1 : 0), .integer(write.releaseLease ? 1 : 0), .text(j.id), .integer(j.leaseToken))
                guard db.changes == 1 else { throw JobStoreError.leaseLost(j.id) }
                if let t = write.truncateMetrics { try truncate(job: j.id, t) }
                let replace = try db.prepare("DELETE FROM metrics WHERE job_id = ? AND key = ? AND step >= ?")
                for (key, step) in write.replaceMetricsFrom { try replace.run(.text(j.id), .text(key), .integer(Int64(step))) }
                // A step re-run after a restart records the same values again: replace, never duplicate.
                let metric = try db.prepare("INSERT OR REPLACE INTO metrics (job_id, key, step, epoch, value, ts) VALUES (?, ?, ?, ?, ?, ?)")
                for m in write.metrics {
                    let value: SQLiteDatabase.Value = m.value.isFinite ? .real(m.value) : .text(JSONWriter.nonFiniteName(m.value))
                    try metric.run(.text(j.id), .text(m.key), .integer(Int64(m.step)), int(m.epoch), value, .integer(m.timestamp))
                }
                try insert(write.events, blobs: write.blobs, job: j.id)
                if let keep = write.keepCappedEvents { try pruneEvents(job: j.id, keeping: keep) }
                if let c = write.addCheckpoint {
                    try db.prepare("INSERT OR REPLACE INTO checkpoints (job_id, step, epoch, created_at, bytes, file, metric_state) VALUES (?, ?, ?, ?, ?, ?, ?)")
                        .run(.text(j.id), .integer(Int64(c.step)), int(c.epoch), .integer(c.createdAt), .integer(Int64(c.bytes)), .text(c.file),
                             try c.metricState.map(json) ?? .null)
                }
                let remove = try db.prepare("DELETE FROM checkpoints WHERE job_id = ? AND step = ? RETURNING file")
                let removeBlob = try db.prepare("DELETE FROM job_blobs WHERE job_id = ? AND name = ?")
                for step in write.removeCheckpoints {
                    var files: [String] = []
                    try remove.query([.text(j.id), .integer(Int64(step))]) { files.append($0.text(0) ?? "") }
                    for file in files { try removeBlob.run(.text(j.id), .text("checkpoints/\(file)")) }
                }
            }
        }
    }

    func metrics(job: String, keys: [String]?, from: Int, through: Int?) throws -> [MetricPoint] {
        try reading { db in
            var sql = "SELECT key, step, epoch, value, ts FROM metrics WHERE job_id = ? AND step >= ? AND step <= ?"
            var values: [SQLiteDatabase.Value] = [.text(job), .integer(Int64(from)), .integer(Int64(through ?? Int(Int64.max)))]
            if let keys {
                guard !keys.isEmpty else { return [] }
                sql += " AND key IN (\(keys.map { _ in "?" }.joined(separator: ", ")))"
                values += keys.map { .text($0) }
            }
            var out: [MetricPoint] = []
            try db.prepare(sql + " ORDER BY key, step").query(values) { row in
                let value: Double = switch row.value(3) {
                case .text(let s): s == "NaN" ? .nan : s == "Infinity" ? .infinity : -.infinity
                default: row.double(3)
                }
                out.append(MetricPoint(key: row.text(0) ?? "", step: row.int(1), epoch: row.optionalInt(2), value: value, timestamp: Int64(row.int(4))))
            }
            return out
        }
    }

    private func truncate(job: String, _ t: MetricTruncation) throws {
        let after = try db.prepare("DELETE FROM metrics WHERE job_id = ? AND key = ? AND step > ?")
        for (key, step) in t.keys { try after.run(.text(job), .text(key), .integer(Int64(step))) }
        let named = t.keys.keys.map { _ in "?" }.joined(separator: ", ")
        try db.prepare("DELETE FROM metrics WHERE job_id = ? AND step > ? AND key NOT IN (\(named))")
            .query([.text(job), .integer(Int64(t.others))] + t.keys.keys.map { .text($0) }) { _ in }
    }

    /// Events and blobs of a job, inside the caller's transaction.
    /// Deletes all but the newest `keep` capped events of a job. Their ids are not reused: a
    /// stream resuming from one gets the stored events after it.
    private func pruneEvents(job: String, keeping keep: Int) throws {
        let kinds = JobEventRecord.Kind.cappedSQL
        try db.prepare("DELETE FROM events WHERE job_id = ?1 AND kind IN (\(kinds)) AND id < ("
            + "SELECT id FROM events WHERE job_id = ?1 AND kind IN (\(kinds)) ORDER BY id DESC LIMIT 1 OFFSET ?2)")
            .run(.text(job), .integer(Int64(max(0, keep - 1))))
    }

    private func insert(_ events: [JobEventRecord], blobs: [String: [UInt8]], job: String) throws {
        let event = try db.prepare("INSERT INTO events (job_id, id, kind, data) VALUES (?, ?, ?, ?)")
        for e in events { try event.run(.text(job), .integer(e.id), .text(e.kind.rawValue), .blob(e.data)) }
        let blob = try db.prepare("INSERT OR REPLACE INTO job_blobs (job_id, name, data) VALUES (?, ?, ?)")
        for (name, data) in blobs { try blob.run(.text(job), .text(name), .blob(data)) }
    }

    func blob(job: String, name: String) throws -> [UInt8]? {
        try reading { db in
            var out: [UInt8]?
            try db.prepare("SELECT data FROM job_blobs WHERE job_id = ? AND name = ?").query([.text(job), .text(name)]) { out = $0.blob(0) }
            return out
        }
    }

    func events(job: String, after id: Int64, limit: Int) throws -> [JobEventRecord] {
        try reading { db in
            var out: [JobEventRecord] = []
            try db.prepare("SELECT id, kind, data FROM events WHERE job_id = ? AND id > ? ORDER BY id LIMIT ?")
                .query([.text(job), .integer(id), .integer(Int64(limit))]) { row in
                    out.append(JobEventRecord(id: Int64(row.int(0)), kind: JobEventRecord.Kind(rawValue: row.text(1) ?? "") ?? .log, data: row.blob(2)))
                }
            return out
        }
    }

    func lastEventId(job: String) throws -> Int64 {
        try locked {
            var n: Int64 = 0
            try db.prepare("SELECT coalesce(max(id), 0) FROM events WHERE job_id = ?").query([.text(job)]) { n = Int64($0.int(0)) }
            return n
        }
    }

    func checkpoints(job: String) throws -> [CheckpointInfo] {
        try reading { db in
            var out: [CheckpointInfo] = []
            try db.prepare("SELECT step, epoch, created_at, bytes, file, metric_state FROM checkpoints WHERE job_id = ? ORDER BY step").query([.text(job)]) { row in
                let state = try row.text(5).map { try StoredJSON.decode([String: MetricHistory.KeyState].self, from: $0) }
                out.append(CheckpointInfo(step: row.int(0), epoch: row.optionalInt(1), createdAt: Int64(row.int(2)), bytes: row.int(3),
                                          file: row.text(4) ?? "", metricState: state))
            }
            return out
        }
    }

    func delete(_ id: String) throws {
        try locked {
            try db.transaction {
                for table in ["metrics", "events", "checkpoints", "job_blobs"] { try db.prepare("DELETE FROM \(table) WHERE job_id = ?").run(.text(id)) }
                try db.prepare("DELETE FROM jobs WHERE id = ?").run(.text(id))
            }
        }
    }

    // MARK: rows

    func selectOne(_ db: SQLiteDatabase, _ condition: String, _ values: [SQLiteDatabase.Value]) throws -> JobRecord? {
        try select(db, "WHERE \(condition)", values).first
    }

    private func select(_ db: SQLiteDatabase, _ tail: String, _ values: [SQLiteDatabase.Value]) throws -> [JobRecord] {
        var out: [JobRecord] = []
        try db.prepare("SELECT \(Self.columns) FROM jobs \(tail)").query(values) { r in
            var job = JobRecord(id: r.text(1) ?? "", seq: Int64(r.int(0)), name: r.text(2), isObjective: r.int(3) != 0,
                                status: JobStatus(rawValue: r.text(4) ?? "") ?? .failed, statusMessage: r.text(5),
                                createdAt: Int64(r.int(6)), startedAt: r.optionalInt(7).map(Int64.init), finishedAt: r.optionalInt(8).map(Int64.init),
                                step: r.int(9), epoch: r.optionalInt(10), totalSteps: r.optionalInt(11), totalEpochs: r.optionalInt(12),
                                spec: r.blob(17), idempotencyKey: r.text(18))
            job.latest = try StoredJSON.decode(LatestMetrics.self, from: r.text(13) ?? "{}")
            job.error = try r.text(14).map { try StoredJSON.decode(JobProblem.self, from: $0) }
            job.transitions = try StoredJSON.decode([StatusTransition].self, from: r.text(15) ?? "[]")
            job.runtimeSeconds = r.double(16)
            job.sweepId = r.text(19)
            if case .blob(let grid) = r.value(20) { job.grid = grid }
            job.attempts = r.int(21)
            job.owner = r.text(22)
            job.leaseToken = Int64(r.int(23))
            job.cancelRequested = r.int(24) != 0
            out.append(job)
        }
        return out
    }

    private func json(_ value: some Encodable) throws -> SQLiteDatabase.Value { .text(try StoredJSON.encode(value)) }
    private func text(_ s: String?) -> SQLiteDatabase.Value { s.map { .text($0) } ?? .null }
    private func int(_ i: Int?) -> SQLiteDatabase.Value { i.map { .integer(Int64($0)) } ?? .null }
    private func int(_ i: Int64?) -> SQLiteDatabase.Value { i.map { .integer($0) } ?? .null }
}

// Data directories of earlier versions kept a job's refs, checkpoints and final parameters
// as files under `jobs/<id>/`; they move into the store once, then the files go.
extension SQLiteJobStore {
    func importJobFiles(from directory: URL) throws {
        let fm = FileManager.default
        guard let ids = try? fm.contentsOfDirectory(atPath: directory.path) else { return }
        for id in ids {
            let dir = directory.appendingPathComponent(id)
            var blobs: [String: [UInt8]] = [:]
            for sub in ["refs", "checkpoints"] {
                for file in (try? fm.contentsOfDirectory(atPath: dir.appendingPathComponent(sub).path)) ?? [] {
                    blobs["\(sub)/\(file)"] = [UInt8](try Data(contentsOf: dir.appendingPathComponent(sub).appendingPathComponent(file)))
                }
            }
            if let final = try? Data(contentsOf: dir.appendingPathComponent("final.ckpt")) { blobs["final.ckpt"] = [UInt8](final) }
            try locked {
                try db.transaction {
                    let insert = try db.prepare("INSERT OR IGNORE INTO job_blobs (job_id, name, data) SELECT id, ?, ? FROM jobs WHERE id = ?")
                    for (name, data) in blobs { try insert.run(.text(name), .blob(data), .text(id)) }
                }
            }
            try fm.removeItem(at: dir)
        }
        try? fm.removeItem(at: directory)
    }
}
