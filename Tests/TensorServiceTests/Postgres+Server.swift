import Foundation
@testable import TensorService
#if canImport(Glibc)
import Glibc
#endif

/// A real PostgreSQL server for the tests, from Debian's `postgresql` package: `initdb` into a
/// temporary directory, `postgres` on a free loopback port, started once per test process
/// (lazily, by the first test that needs it) and stopped by its PID when the process exits.
/// A watchdog shell stops it too if the test process dies without exiting (a trap), so no
/// server outlives the tests. Each test takes a database of its own (`database()`).
///
/// Tests run as root in CI, and PostgreSQL refuses to run as root: then the server runs as
/// the `postgres` user (through `setpriv`, which execs, so the PID is the postmaster's).
final class PostgresTestServer: @unchecked Sendable {
    let directory: URL
    let port: Int
    private let process: Process
    private let lock = NSLock()

    /// The one server of this test process.
    static var shared: PostgresTestServer {
        get throws { try started.get() }
    }
    private static let started = Result { try PostgresTestServer() }

    private init() throws {
        let bin = try Self.binaries()
        directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("tensord-pg-\(UUID().uuidString)")
        let data = directory.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let asRoot = geteuid() == 0
        if asRoot {
            guard let pw = getpwnam("postgres") else { throw TestError("no postgres user: run ./scripts/install-deps.sh --test") }
            chown(directory.path, pw.pointee.pw_uid, pw.pointee.pw_gid)
        }
        func command(_ tool: String, _ arguments: [String]) -> (String, [String]) {
            let path = bin.appendingPathComponent(tool).path
            return asRoot ? ("/usr/bin/setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", path] + arguments) : (path, arguments)
        }
        let (initdb, initArgs) = command("initdb", ["-D", data.path, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C"])
        let log = try Self.run(initdb, initArgs)
        guard log.status == 0 else { throw TestError("initdb failed: \(log.output)") }

        port = try Self.freePort()
        // fsync off: a test database need not survive a power cut, and commits get cheap.
        let (postgres, args) = command("postgres", ["-D", data.path, "-p", "\(port)", "-k", directory.path, "-c", "listen_addresses=127.0.0.1",
                                                    "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                                                    "-c", "max_connections=200", "-c", "shared_buffers=32MB"])
        process = Process()
        process.executableURL = URL(fileURLWithPath: postgres)
        process.arguments = args
        let logFile = directory.appendingPathComponent("postgres.log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: logFile)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        Self.pid = process.processIdentifier
        Self.directoryPath = directory.path
        atexit { PostgresTestServer.stopAtExit() }
        let watchdog = Process()
        watchdog.executableURL = URL(fileURLWithPath: "/bin/sh")
        watchdog.arguments = ["-c", "while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done; kill -INT \(process.processIdentifier)"]
        // Its output must not hold the test runner's pipe open: the runner reaps the tests
        // only when that pipe closes, and a zombie still answers `kill -0`.
        watchdog.standardOutput = FileHandle.nullDevice
        watchdog.standardError = FileHandle.nullDevice
        try watchdog.run()

        let deadline = Date(timeIntervalSinceNow: 60)
        while (try? PostgresConnection(url: url("postgres"))) == nil {
            guard process.isRunning, Date() < deadline else {
                throw TestError("postgres did not start: \((try? String(contentsOf: logFile, encoding: .utf8)) ?? "")")
            }
            usleep(50_000)
        }
    }

    /// The postmaster's PID and the temporary directory, for the exit handler (which can capture nothing).
    nonisolated(unsafe) private static var pid: pid_t = 0
    nonisolated(unsafe) private static var directoryPath = ""

    /// SIGINT is PostgreSQL's fast shutdown: sessions are ended and the server exits at once.
    private static func stopAtExit() {
        guard pid > 0 else { return }
        kill(pid, SIGINT)
        var status: Int32 = 0
        // Foundation's Process may have reaped it already; then wait for the PID to go.
        if waitpid(pid, &status, 0) < 0 {
            for _ in 0..<500 where kill(pid, 0) == 0 { usleep(10_000) }
        }
        try? FileManager.default.removeItem(atPath: directoryPath)
    }

    func url(_ database: String) -> String { "postgresql://postgres@127.0.0.1:\(port)/\(database)" }

    /// A new, empty database; returns its URL.
    func database() throws -> String {
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try lock.withLock {
            try PostgresConnection(url: url("postgres")).execute("CREATE DATABASE \(name)")
        }
        return url(name)
    }

    /// A new database with the migrations applied, and a pool on it.
    func migratedPool(size: Int = 4) throws -> PostgresPool {
        let pool = try PostgresPool(url: try database(), size: size)
        try pool.with { try PostgresMigrations.run($0) }
        return pool
    }

    /// What PostgreSQL sees on the database at `url`, for a test's failure message: every other
    /// session (node, state, what it waits for, how long its transaction has been open, its
    /// statement), the locks on `jobs` and on transaction ids, and the unfinished jobs with the
    /// transaction that last locked or updated each row (`xmax`).
    static func sessions(_ url: String) -> String {
        do {
            let db = try PostgresConnection(url: url)
            func table(_ sql: String) throws -> String {
                try db.query(sql).rows.map { r in r.values.map { v in if case .text(let t) = v { t } else { "" } }.joined(separator: " | ") }
                    .joined(separator: "\n")
            }
            let activity = try table("""
                SELECT pid::text, application_name, coalesce(state, ''), coalesce(wait_event_type, '') || '/' || coalesce(wait_event, ''),
                'xact ' || coalesce(round(extract(epoch FROM clock_timestamp() - xact_start)::numeric, 2)::text || ' s', '-'),
                'xid ' || coalesce(backend_xid::text, '-'), left(regexp_replace(query, '\\s+', ' ', 'g'), 90)
                FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() ORDER BY application_name, pid
                """)
            let locks = try table("""
                SELECT pid::text, locktype, mode, CASE WHEN granted THEN 'granted' ELSE 'waiting' END, coalesce(transactionid::text, '')
                FROM pg_locks WHERE database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND relation = 'jobs'::regclass
                OR locktype IN ('transactionid', 'tuple') ORDER BY pid
                """)
            let jobs = try table("""
                SELECT id, status, coalesce(owner, '-'), 'token ' || lease_token::text,
                'lease ' || coalesce(lease_expires - (extract(epoch FROM clock_timestamp()) * 1000)::bigint, 0)::text || ' ms', 'xmax ' || xmax::text
                FROM jobs WHERE status IN ('queued', 'running', 'cancelling') ORDER BY seq
                """)
            return "pg_stat_activity:\n\(activity)\npg_locks (jobs, transaction ids):\n\(locks)\nunfinished jobs:\n\(jobs)"
        } catch {
            return "cannot read pg_stat_activity: \(error)"
        }
    }

    /// The newest `/usr/lib/postgresql/N/bin` (Debian's layout).
    private static func binaries() throws -> URL {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        guard let v = versions.last, FileManager.default.isExecutableFile(atPath: "\(root)/\(v)/bin/initdb") else {
            throw TestError("no PostgreSQL server in \(root): run ./scripts/install-deps.sh --test")
        }
        return URL(fileURLWithPath: "\(root)/\(v)/bin")
    }

    private static func run(_ path: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    /// A port nothing listens on now (bound to 0, read back, closed).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestError("socket failed") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw TestError("bind failed: errno \(errno)") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
