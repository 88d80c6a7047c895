import Foundation

/// A few PostgreSQL connections shared by the stores of one node. A call takes a connection
/// for its duration (a transaction keeps it to the end), so readers of jobs and metrics run
/// beside the job writer's commit instead of queueing behind it: PostgreSQL's MVCC shows each
/// reader the last committed state. Connections open lazily, at most `size`; a caller waits
/// when all are busy.
final class PostgresPool: @unchecked Sendable {
    let url: String
    let size: Int
    /// Statements each connection runs when it (re)connects.
    let setup: [String]
    private let condition = NSCondition()
    private var idle: [PostgresConnection] = []
    private var open = 0

    /// Connects once, so a wrong URL or password fails `tensord` at start, not at the first request.
    init(url: String, size: Int = ServiceConfiguration().databaseConnections, setup: [String] = []) throws {
        self.url = url
        self.size = max(1, size)  // a pool holds at least one connection
        self.setup = setup
        idle = [try PostgresConnection(url: url, setup: setup)]
        open = 1
    }

    /// Runs `body` on a connection of the pool. A read (`retry: true`) that found its
    /// connection lost runs once more on the reconnected one; writes are not repeated, since
    /// a commit whose answer was lost may have happened.
    @discardableResult
    func with<T>(retry: Bool = false, _ body: (PostgresConnection) throws -> T) throws -> T {
        let connection = try take()
        defer { give(connection) }
        do {
            return try body(connection)
        } catch let e as PostgresError where e.kind == .connectionLost && retry {
            return try body(connection)
        }
    }

    /// Runs `body` in one transaction on one connection.
    func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try with { c in try c.transaction { try body(c) } }
    }

    private func take() throws -> PostgresConnection {
        condition.lock()
        while idle.isEmpty && open >= size { condition.wait() }
        if let c = idle.popLast() {
            condition.unlock()
            return c
        }
        open += 1
        condition.unlock()
        do {
            return try PostgresConnection(url: url, setup: setup)
        } catch {
            condition.lock()
            open -= 1
            condition.signal()
            condition.unlock()
            throw error
        }
    }

    private func give(_ connection: PostgresConnection) {
        condition.lock()
        idle.append(connection)
        condition.signal()
        condition.unlock()
    }
}
