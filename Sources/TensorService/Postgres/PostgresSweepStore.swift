import Foundation

/// The sweeps in the shared PostgreSQL database (table `sweeps` of `PostgresMigrations`).
final class PostgresSweepStore: SweepStore, @unchecked Sendable {
    let pool: PostgresPool

    init(pool: PostgresPool) {
        self.pool = pool
    }

    private static let columns = "seq, id, name, created_at, grid, request, idempotency_key"

    func create(_ sweep: SweepRecord) throws -> SweepCreation {
        try pool.transaction { db in
            let inserted = try db.query("""
                INSERT INTO sweeps (id, name, created_at, grid, request, idempotency_key) VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT DO NOTHING RETURNING \(Self.columns)
                """, [.text(sweep.id), sweep.name.map { .text($0) } ?? .null, .integer(sweep.createdAt), .bytes(sweep.grid),
                      .bytes(sweep.request), sweep.idempotencyKey.map { .text($0) } ?? .null])
            if let row = inserted.rows.first { return .created(try Self.record(row)) }
            guard let key = sweep.idempotencyKey, let existing = try select(db, "WHERE idempotency_key = $1", [.text(key)]).first else {
                throw PostgresError(.query, "sweep id \(sweep.id) is already taken")
            }
            return existing.request == sweep.request ? .existing(existing) : .conflict(existing.id)
        }
    }

    func sweep(_ id: String) throws -> SweepRecord? {
        try pool.with(retry: true) { try select($0, "WHERE id = $1", [.text(id)]).first }
    }

    func sweep(idempotencyKey: String) throws -> SweepRecord? {
        try pool.with(retry: true) { try select($0, "WHERE idempotency_key = $1", [.text(idempotencyKey)]).first }
    }

    func list(beforeSeq: Int64?, limit: Int) throws -> [SweepRecord] {
        try pool.with(retry: true) { db in
            try select(db, "WHERE seq < $1 ORDER BY seq DESC LIMIT $2", [.integer(beforeSeq ?? .max), .integer(Int64(max(0, limit)))])
        }
    }

    func delete(_ id: String) throws {
        try pool.with { try $0.query("DELETE FROM sweeps WHERE id = $1", [.text(id)]) }
    }

    private func select(_ db: PostgresConnection, _ tail: String, _ values: [PostgresConnection.Value]) throws -> [SweepRecord] {
        try db.query("SELECT \(Self.columns) FROM sweeps \(tail)", values).rows.map(Self.record)
    }

    private static func record(_ r: PostgresConnection.Row) throws -> SweepRecord {
        SweepRecord(id: try r.text(1), seq: try r.int(0), name: try r.optionalText(2), createdAt: try r.int(3),
                    grid: try r.bytes(4), request: try r.bytes(5), idempotencyKey: try r.optionalText(6))
    }
}
