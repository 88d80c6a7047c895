import Foundation
import Testing
@testable import TensorService

/// The libpq wrapper and the migrations, against the tests' PostgreSQL server.
struct PostgresConnectionTests {
    @Test func valuesRoundTripBitForBit() throws {
        let db = try PostgresConnection(url: try PostgresTestServer.shared.database())
        try db.execute("CREATE TABLE v (i BIGINT, d DOUBLE PRECISION, t TEXT, b BYTEA, f BOOLEAN)")
        let doubles: [Double] = [0, -0.0, 1.0 / 3, .nan, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        let ints: [Int64] = [0, -1, .min, .max, 1 << 53 + 1]
        for (k, d) in doubles.enumerated() {
            try db.query("INSERT INTO v VALUES ($1, $2, $3, $4, $5)",
                         [.integer(ints[k % ints.count]), .real(d), .text("ü ✓ '$1' \\ \(k)"), .bytes([0, 255, 0, UInt8(k)]), .bool(k % 2 == 0)])
        }
        let rows = try db.query("SELECT i, d, t, b, f FROM v ORDER BY t").rows
        #expect(rows.count == doubles.count)
        for (k, r) in rows.enumerated() {
            #expect(try r.int(0) == ints[k % ints.count])
            #expect(try r.double(1).bitPattern == doubles[k].bitPattern)
            #expect(try r.text(2) == "ü ✓ '$1' \\ \(k)")
            #expect(try r.bytes(3) == [0, 255, 0, UInt8(k)])
            #expect(try r.bool(4) == (k % 2 == 0))
        }
        // Smaller integer types and float4 read too; an empty bytea is an empty array.
        let r = try db.query("SELECT 7::smallint, -8::integer, 1.5::real, ''::bytea, NULL::text").rows[0]
        #expect(try r.int(0) == 7 && r.int(1) == -8 && r.double(2) == 1.5 && r.bytes(3) == [] && r.optionalText(4) == nil)
    }

    @Test func aNullOrAWrongTypeIsAThrownErrorNotATrap() throws {
        let db = try PostgresConnection(url: try PostgresTestServer.shared.database())
        let r = try db.query("SELECT NULL::bigint, 'x'::text").rows[0]
        #expect(throws: PostgresError.self) { try r.int(0) }
        #expect(throws: PostgresError.self) { try r.int(1) }
        #expect(throws: PostgresError.self) { try r.text(5) }
        #expect(try r.optionalInt(0) == nil)
        // numeric has no reader: the query must cast it, and says so.
        #expect(throws: PostgresError.self) { try db.query("SELECT 1.5::numeric") }
    }

    @Test func serverErrorsCarryTheirSQLState() throws {
        let db = try PostgresConnection(url: try PostgresTestServer.shared.database())
        try db.execute("CREATE TABLE u (k TEXT PRIMARY KEY)")
        try db.query("INSERT INTO u VALUES ($1)", [.text("a")])
        let duplicate = #expect(throws: PostgresError.self) { try db.query("INSERT INTO u VALUES ($1)", [.text("a")]) }
        #expect(duplicate?.sqlState == PostgresError.uniqueViolation && duplicate?.kind == .query)
        let syntax = #expect(throws: PostgresError.self) { try db.query("SELEC 1") }
        #expect(syntax?.sqlState == "42601")
        // A NUL byte cannot be in PostgreSQL text: refused, not truncated.
        #expect(throws: PostgresError.self) { try db.query("INSERT INTO u VALUES ($1)", [.text("a\u{0}b")]) }
        // The connection is still usable after each error.
        #expect(try db.query("SELECT count(*) FROM u").rows[0].int(0) == 1)
    }

    @Test func transactionsCommitOrRollBack() throws {
        let db = try PostgresConnection(url: try PostgresTestServer.shared.database())
        try db.execute("CREATE TABLE t (k BIGINT)")
        _ = try db.transaction { try db.query("INSERT INTO t VALUES (1)") }
        #expect(throws: PostgresError.self) {
            try db.transaction {
                try db.query("INSERT INTO t VALUES (2)")
                try db.query("INSERT INTO missing VALUES (3)")
            }
        }
        #expect(try db.query("SELECT k FROM t").rows.map { try $0.int(0) } == [1])
    }

    @Test func aLostConnectionIsReportedAndThenReconnected() throws {
        let server = try PostgresTestServer.shared
        let url = try server.database()
        let pool = try PostgresPool(url: url, size: 1)
        let pid = try pool.with { try $0.query("SELECT pg_backend_pid()").rows[0].int(0) }
        try PostgresConnection(url: url).query("SELECT pg_terminate_backend($1::int)", [.integer(pid)])
        // A read through the pool reconnects and runs again; the new session has a new backend.
        let again = try pool.with(retry: true) { try $0.query("SELECT pg_backend_pid()").rows[0].int(0) }
        #expect(again != pid)
        // Without retry the caller sees the loss, and the next call reconnects.
        try PostgresConnection(url: url).query("SELECT pg_terminate_backend($1::int)", [.integer(again)])
        let lost = #expect(throws: PostgresError.self) { try pool.with { try $0.query("SELECT 1") } }
        #expect(lost?.kind == .connectionLost)
        #expect(try pool.with { try $0.query("SELECT 1::bigint").rows[0].int(0) } == 1)
    }

    /// `--database-connections` holds: eight callers at once on a pool of two share two
    /// sessions, at most two of them inside the pool at a time, and all of them are served.
    @Test func aPoolOpensAtMostItsSize() throws {
        let pool = try PostgresPool(url: try PostgresTestServer.shared.database(), size: 2)
        let inside = Locked((now: 0, most: 0)), backends = Locked(Set<Int64>()), served = Locked(0)
        let done = DispatchGroup()
        for _ in 0..<8 {
            done.enter()
            Thread.detachNewThread {
                defer { done.leave() }
                for _ in 0..<3 {
                    try? pool.with { c in
                        inside.update { $0.now += 1; $0.most = max($0.most, $0.now) }
                        defer { inside.update { $0.now -= 1 } }
                        let pid = try c.query("SELECT pg_backend_pid() FROM pg_sleep(0.02)").rows[0].int(0)
                        backends.update { $0.insert(pid) }
                        served.update { $0 += 1 }
                    }
                }
            }
        }
        #expect(done.wait(timeout: .now() + 60) == .success)
        #expect(served.value == 24)
        #expect(inside.value.most == 2 && backends.value.count == 2, "\(inside.value) \(backends.value)")
    }

    @Test func connectingFailsWithATypedErrorThatHidesThePassword() throws {
        let port = try PostgresTestServer.freePort()
        let error = #expect(throws: PostgresError.self) { try PostgresConnection(url: "postgresql://u:s3cret@127.0.0.1:\(port)/db") }
        #expect(error?.kind == .connection)
        #expect(error.map { !$0.message.contains("s3cret") && $0.message.contains("u:***@127.0.0.1") } == true, "\(String(describing: error))")
        #expect(PostgresConnection.redacted("postgres://a@h/d") == "postgres://a@h/d")
    }

    /// Nodes starting together: each runs the migrations at once; every migration is applied
    /// exactly once and every node finds the schema complete.
    @Test func migrationsFromManyNodesAtOnceApplyOnce() throws {
        let url = try PostgresTestServer.shared.database()
        let applied = Locked<[[Int64]]>([]), failures = Locked<[String]>([])
        let threads = (0..<6).map { _ in
            Thread {
                do {
                    let db = try PostgresConnection(url: url)
                    let done = try PostgresMigrations.run(db)
                    applied.update { $0.append(done) }
                    _ = try db.query("SELECT count(*) FROM jobs")
                } catch { failures.update { $0.append("\(error)") } }
            }
        }
        threads.forEach { $0.start() }
        while threads.contains(where: { !$0.isFinished }) { usleep(1000) }
        #expect(failures.value.isEmpty, "\(failures.value)")
        let all = PostgresMigrations.all.map(\.version)
        #expect(applied.value.flatMap { $0 }.sorted() == all, "each migration applied by exactly one node")
        let db = try PostgresConnection(url: url)
        #expect(try db.query("SELECT version FROM schema_migrations ORDER BY version").rows.map { try $0.int(0) } == all)
        // A later migration is applied by the next start, and only it.
        let next = PostgresMigrations.Migration(version: 1_000, name: "test", sql: "CREATE TABLE later (k BIGINT)")
        #expect(try PostgresMigrations.run(db, migrations: PostgresMigrations.all + [next]) == [1_000])
        #expect(try PostgresMigrations.run(db, migrations: PostgresMigrations.all + [next]) == [])
        // A failing migration leaves nothing behind: not its table, not its row.
        let broken = PostgresMigrations.Migration(version: 1_001, name: "broken", sql: "CREATE TABLE half (k BIGINT); SELEC 1")
        #expect(throws: PostgresError.self) { try PostgresMigrations.run(db, migrations: [broken]) }
        #expect(try db.query("SELECT count(*) FROM pg_tables WHERE tablename = 'half'").rows[0].int(0) == 0)
        #expect(try db.query("SELECT count(*) FROM schema_migrations WHERE version = 1001").rows[0].int(0) == 0)
    }
}
