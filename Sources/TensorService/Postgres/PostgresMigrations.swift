import Foundation

/// The PostgreSQL schema as numbered migrations, applied by `tensord` when it starts. Each
/// runs in its own transaction with its row in `schema_migrations`, so a migration is applied
/// entirely or not at all; a session advisory lock serialises nodes that start together, so
/// the second waits and then finds the work done. A migration, once landed, never changes:
/// a change to the schema is a new migration at the end.
enum PostgresMigrations {
    struct Migration: Sendable {
        let version: Int64
        let name: String
        let sql: String
    }

    /// The `pg_advisory_lock` key held while migrating ("tensord" in ASCII).
    static let lockKey: Int64 = 0x74_65_6E_73_6F_72_64

    static let all: [Migration] = [
        Migration(version: 1, name: "jobs with leases, metrics, events, checkpoints, job blobs, sweeps, tensors", sql: """
            CREATE TABLE jobs (
                seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT,
                objective BOOLEAN NOT NULL, status TEXT NOT NULL, status_message TEXT, created_at BIGINT NOT NULL,
                started_at BIGINT, finished_at BIGINT, step BIGINT NOT NULL, epoch BIGINT, total_steps BIGINT,
                total_epochs BIGINT, latest TEXT NOT NULL, error TEXT, transitions TEXT NOT NULL,
                runtime DOUBLE PRECISION NOT NULL, spec BYTEA NOT NULL, idempotency_key TEXT UNIQUE,
                sweep_id TEXT, grid BYTEA, attempts BIGINT NOT NULL DEFAULT 0, owner TEXT,
                lease_token BIGINT NOT NULL DEFAULT 0, lease_expires BIGINT, cancel_requested BOOLEAN NOT NULL DEFAULT false);
            CREATE INDEX jobs_by_status ON jobs (status, seq);
            CREATE INDEX jobs_unfinished ON jobs (seq) WHERE status IN ('queued', 'running', 'cancelling');
            CREATE INDEX jobs_by_sweep ON jobs (sweep_id, seq);
            CREATE TABLE metrics (
                job_id TEXT NOT NULL, key TEXT NOT NULL, step BIGINT NOT NULL, epoch BIGINT,
                value DOUBLE PRECISION NOT NULL, ts BIGINT NOT NULL, PRIMARY KEY (job_id, key, step));
            CREATE TABLE events (
                job_id TEXT NOT NULL, id BIGINT NOT NULL, kind TEXT NOT NULL, data BYTEA NOT NULL,
                PRIMARY KEY (job_id, id));
            CREATE TABLE checkpoints (
                job_id TEXT NOT NULL, step BIGINT NOT NULL, epoch BIGINT, created_at BIGINT NOT NULL,
                bytes BIGINT NOT NULL, file TEXT NOT NULL, metric_state TEXT, PRIMARY KEY (job_id, step));
            CREATE TABLE job_blobs (job_id TEXT NOT NULL, name TEXT NOT NULL, data BYTEA NOT NULL, PRIMARY KEY (job_id, name));
            CREATE TABLE sweeps (
                seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT,
                created_at BIGINT NOT NULL, grid BYTEA NOT NULL, request BYTEA NOT NULL, idempotency_key TEXT UNIQUE);
            CREATE SEQUENCE tensor_versions;
            CREATE TABLE tensors (
                name TEXT PRIMARY KEY, dtype TEXT NOT NULL, shape TEXT NOT NULL, bytes BIGINT NOT NULL,
                data BYTEA NOT NULL, version BIGINT NOT NULL DEFAULT nextval('tensor_versions'));
            """),
        Migration(version: 2, name: "events by kind, to keep the newest checkpoint and log events",
                  sql: "CREATE INDEX events_by_kind ON events (job_id, kind, id);"),
    ]

    /// Applies the migrations `database` lacks, in order; returns the versions applied.
    @discardableResult
    static func run(_ database: PostgresConnection, migrations: [Migration] = all) throws -> [Int64] {
        try database.query("SELECT pg_advisory_lock($1)", [.integer(lockKey)])
        defer { _ = try? database.query("SELECT pg_advisory_unlock($1)", [.integer(lockKey)]) }
        try database.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
            """)
        let applied = Set(try database.query("SELECT version FROM schema_migrations").rows.map { try $0.int(0) })
        var done: [Int64] = []
        for m in migrations.sorted(by: { $0.version < $1.version }) where !applied.contains(m.version) {
            try database.transaction {
                try database.execute(m.sql)
                try database.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [.integer(m.version), .text(m.name)])
            }
            done.append(m.version)
        }
        return done
    }
}
