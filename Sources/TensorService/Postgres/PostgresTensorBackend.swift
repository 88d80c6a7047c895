import Foundation
import TensorEngine

/// The tensor store in the shared PostgreSQL database: one `tensors` row per tensor, its
/// bytes (`TensorFile`'s form) in a bytea column, with a version drawn from a sequence on
/// every write. Each node caches the tensors it has read, but a read still asks the database
/// for the row's version and gets the bytes only when they changed, so a tensor another node
/// replaced or deleted is never served stale. Puts and deletes of all nodes take one advisory
/// lock, so the total-bytes limit holds across nodes.
final class PostgresTensorBackend: TensorStoreBackend, @unchecked Sendable {
    let pool: PostgresPool
    /// Bytes the cache may hold (the store's own limit, so memory stays as bounded as with files).
    let cacheBytes: Int
    private let lock = NSLock()
    private var cache: [String: (version: Int64, tensor: Tensor)] = [:]
    private var cachedBytes = 0

    /// The `pg_advisory_xact_lock` key of tensor store writes ("tensors" in ASCII).
    static let lockKey: Int64 = 0x74_65_6E_73_6F_72_73

    init(pool: PostgresPool, cacheBytes: Int) {
        self.pool = pool
        self.cacheBytes = cacheBytes
    }

    func get(_ name: String) throws -> Tensor? {
        let cached = lock.withLock { cache[name] }
        let rows = try pool.with(retry: true) { db in
            try db.query("SELECT version, CASE WHEN version = $2 THEN NULL ELSE data END FROM tensors WHERE name = $1",
                         [.text(name), .integer(cached?.version ?? -1)]).rows
        }
        guard let row = rows.first else {
            remember(name, nil)
            return nil
        }
        let version = try row.int(0)
        if let cached, cached.version == version { return cached.tensor }
        let tensor: Tensor
        do { tensor = try TensorFile.decode(Data(try row.bytes(1))) } catch {
            throw PostgresError(.badRow, "tensor '\(name)' (version \(version)) is not a stored tensor: \(error)")
        }
        remember(name, (version, tensor))
        return tensor
    }

    func put(_ items: [(name: String, tensor: Tensor)], maxTotalBytes: Int) throws -> [Bool] {
        guard !items.isEmpty else { return [] }
        let (written, created) = try pool.transaction { db in
            try db.query("SELECT pg_advisory_xact_lock($1)", [.integer(Self.lockKey)])
            let total = try db.query("SELECT coalesce(sum(bytes), 0)::bigint FROM tensors").rows[0].int(0)
            let names = Array(Set(items.map(\.name)))
            var stored: [String: Int] = [:]
            for r in try db.query("SELECT name, bytes FROM tensors WHERE name IN (\(PostgresConnection.placeholders(from: 1, count: names.count)))",
                                  names.map { .text($0) }).rows {
                stored[try r.text(0)] = Int(try r.int(1))
            }
            try TensorStore.checkFits(items, total: Int(total), stored: { stored[$0] ?? 0 }, limit: maxTotalBytes)
            var written: [(String, Int64, Tensor)] = [], created: [Bool] = []
            var seen = Set(stored.keys)
            for (name, t) in items {
                let version = try db.query("""
                    INSERT INTO tensors (name, dtype, shape, bytes, data) VALUES ($1, $2, $3, $4, $5)
                    ON CONFLICT (name) DO UPDATE SET dtype = excluded.dtype, shape = excluded.shape, bytes = excluded.bytes,
                    data = excluded.data, version = nextval('tensor_versions') RETURNING version
                    """, [.text(name), .text(t.dtype.rawValue), .text(try StoredJSON.encode(t.shape)),
                          .integer(Int64(t.count * t.dtype.byteSize)), .bytes(Array(try TensorFile.encode(t)))]).rows[0].int(0)
                written.append((name, version, t))
                created.append(seen.insert(name).inserted)
            }
            return (written, created)
        }
        for (name, version, t) in written { remember(name, (version, t)) }
        return created
    }

    func delete(_ name: String) throws -> Bool {
        let deleted = try pool.transaction { db in
            try db.query("SELECT pg_advisory_xact_lock($1)", [.integer(Self.lockKey)])
            return try db.query("DELETE FROM tensors WHERE name = $1 RETURNING version", [.text(name)]).rows.count == 1
        }
        remember(name, nil)
        return deleted
    }

    func list() throws -> [TensorStore.Entry] {
        try pool.with(retry: true) { db in
            // COLLATE "C": byte order, as Swift sorts names, whatever the database's locale.
            try db.query(#"SELECT name, dtype, shape, bytes FROM tensors ORDER BY name COLLATE "C""#).rows.map { r in
                guard let dtype = DType(rawValue: try r.text(1)) else { throw PostgresError(.badRow, "tensor dtype '\(try r.text(1))'") }
                return TensorStore.Entry(name: try r.text(0), shape: try StoredJSON.decode([Int].self, from: try r.text(2)),
                                         dtype: dtype, bytes: Int(try r.int(3)))
            }
        }
    }

    func usedBytes() throws -> Int {
        try pool.with(retry: true) { Int(try $0.query("SELECT coalesce(sum(bytes), 0)::bigint FROM tensors").rows[0].int(0)) }
    }

    /// Caches (or forgets, for nil) a tensor; past `cacheBytes` other entries are dropped first.
    private func remember(_ name: String, _ entry: (version: Int64, tensor: Tensor)?) {
        lock.withLock {
            if let old = cache.removeValue(forKey: name) { cachedBytes -= old.tensor.count * old.tensor.dtype.byteSize }
            guard let entry else { return }
            let bytes = entry.tensor.count * entry.tensor.dtype.byteSize
            guard bytes <= cacheBytes else { return }
            while cachedBytes + bytes > cacheBytes, let victim = cache.keys.first {
                cachedBytes -= cache.removeValue(forKey: victim).map { $0.tensor.count * $0.tensor.dtype.byteSize } ?? 0
            }
            cache[name] = entry
            cachedBytes += bytes
        }
    }
}
