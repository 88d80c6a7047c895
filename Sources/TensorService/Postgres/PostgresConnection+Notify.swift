import CPostgres
import Glibc

// LISTEN/NOTIFY (PostgreSQL docs, "Asynchronous Notification"): a notification arrives on the
// connection's socket when the notifying transaction commits; libpq reads it with
// PQconsumeInput and hands it out with PQnotifies.
extension PostgresConnection {
    /// Waits up to `timeout` seconds for notifications on the channels this connection
    /// listens to; returns their payloads (empty after a quiet wait). A lost connection
    /// throws `.connectionLost`; its LISTENs are gone with it.
    func notifications(timeout: Double) throws -> [String] {
        let conn = try connected()
        var payloads = Self.drain(conn)
        guard payloads.isEmpty else { return payloads }
        var pfd = pollfd(fd: PQsocket(conn), events: Int16(POLLIN), revents: 0)
        guard pfd.fd >= 0 else { throw PostgresError(.connectionLost, "the connection has no socket") }
        let milliseconds = Int32(max(0, min(timeout, 3600)) * 1000)
        guard poll(&pfd, 1, milliseconds) > 0 else { return [] }
        guard PQconsumeInput(conn) == 1 else {
            throw PostgresError(.connectionLost, String(cString: PQerrorMessage(conn)).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        payloads = Self.drain(conn)
        return payloads
    }

    private static func drain(_ conn: OpaquePointer) -> [String] {
        var payloads: [String] = []
        while let n = PQnotifies(conn) {
            payloads.append(String(cString: n.pointee.extra))
            PQfreemem(n)
        }
        return payloads
    }
}
