import Foundation

/// The embedded sweep store: one SQLite file (`sweeps.sqlite`) beside the job store, one table.
final class SQLiteSweepStore: SweepStore, @unchecked Sendable {
    private let db: SQLiteDatabase
    private let lock = NSLock()

    init(path: String) throws {
        db = try SQLiteDatabase(path: path)
        try db.execute("""
            CREATE TABLE IF NOT EXISTS sweeps (
                seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, name TEXT, created_at INTEGER NOT NULL,
                grid BLOB NOT NULL, request BLOB NOT NULL, idempotency_key TEXT UNIQUE);
            """)
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock(); defer { lock.unlock() }
        return try body()
    }

    func create(_ sweep: SweepRecord) throws -> SweepCreation {
        try locked {
            try db.transaction {
                if let key = sweep.idempotencyKey, let existing = try select("WHERE idempotency_key = ?", [.text(key)]).first {
                    return existing.request == sweep.request ? .existing(existing) : .conflict(existing.id)
                }
                try db.prepare("INSERT INTO sweeps (id, name, created_at, grid, request, idempotency_key) VALUES (?, ?, ?, ?, ?, ?)")
                    .run(.text(sweep.id), sweep.name.map { .text($0) } ?? .null, .integer(sweep.createdAt), .blob(sweep.grid),
                         .blob(sweep.request), sweep.idempotencyKey.map { .text($0) } ?? .null)
                guard let stored = try select("WHERE id = ?", [.text(sweep.id)]).first else {
                    throw SQLiteError(code: 0, message: "inserted sweep \(sweep.id) vanished")
                }
                return .created(stored)
            }
        }
    }

    func sweep(_ id: String) throws -> SweepRecord? {
        try locked { try select("WHERE id = ?", [.text(id)]).first }
    }

    func sweep(idempotencyKey: String) throws -> SweepRecord? {
        try locked { try select("WHERE idempotency_key = ?", [.text(idempotencyKey)]).first }
    }

    func list(beforeSeq: Int64?, limit: Int) throws -> [SweepRecord] {
        try locked {
            if let beforeSeq { return try select("WHERE seq < ? ORDER BY seq DESC LIMIT \(limit)", [.integer(beforeSeq)]) }
            return try select("ORDER BY seq DESC LIMIT \(limit)", [])
        }
    }

    func delete(_ id: String) throws {
        try locked { try db.prepare("DELETE FROM sweeps WHERE id = ?").run(.text(id)) }
    }

    private func select(_ tail: String, _ values: [SQLiteDatabase.Value]) throws -> [SweepRecord] {
        var out: [SweepRecord] = []
        try db.prepare("SELECT seq, id, name, created_at, grid, request, idempotency_key FROM sweeps \(tail)").query(values) { r in
            out.append(SweepRecord(id: r.text(1) ?? "", seq: Int64(r.int(0)), name: r.text(2), createdAt: Int64(r.int(3)),
                                   grid: r.blob(4), request: r.blob(5), idempotencyKey: r.text(6)))
        }
        return out
    }
}
