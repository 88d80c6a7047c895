import Foundation

/// One connection that LISTENs on a channel and calls `onNotify` with each payload, on a
/// thread of its own. After the connection is lost it reconnects, listens again and calls
/// `onNotify(nil)`: notifications sent meanwhile are lost, so whoever waits must look again
/// (event streams also poll, as the fallback the notifications only speed up).
final class PostgresListener: @unchecked Sendable {
    let url: String
    let channel: String
    /// Statements each (re)connection runs first (see `PostgresConnection.init`).
    let setup: [String]
    private let onNotify: @Sendable (String?) -> Void
    private let lock = NSLock()
    private var stopped = false
    private var thread: Thread?

    /// Seconds between checks of `stop()`, and between attempts to reconnect.
    static let tick = 0.5

    init(url: String, channel: String, setup: [String] = [], onNotify: @escaping @Sendable (String?) -> Void) {
        self.url = url
        self.channel = channel
        self.setup = setup
        self.onNotify = onNotify
    }

    func start() {
        let t = Thread { [self] in run() }
        t.name = "tensord-pg-listener"
        lock.withLock { thread = t }
        t.start()
    }

    /// Stops within `tick` seconds; the thread ends on its own.
    func stop() {
        lock.withLock { stopped = true }
    }

    private var isStopped: Bool { lock.withLock { stopped } }

    private func run() {
        var connection: PostgresConnection?
        while !isStopped {
            do {
                if connection == nil {
                    let c = try PostgresConnection(url: url, setup: setup)
                    // The channel is an identifier: quoted, so any name is safe.
                    try c.execute("LISTEN \"\(channel.replacingOccurrences(of: "\"", with: "\"\""))\"")
                    connection = c
                    onNotify(nil)
                }
                for payload in try connection!.notifications(timeout: Self.tick) { onNotify(payload) }
            } catch {
                connection = nil
                Thread.sleep(forTimeInterval: Self.tick)
            }
        }
    }
}
