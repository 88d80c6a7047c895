import Foundation
import HTTPServer

/// `GET /v1/jobs/{id}/events` as Server-Sent Events (WHATWG HTML §9.2): replays the stored
/// events after `Last-Event-ID`, then follows the job as its events are written, with a
/// `: heartbeat` comment whenever `heartbeat` seconds pass without one. The stream ends after
/// the `end` event, or when the job is deleted, or when the client goes away.
struct EventStream: Sendable {
    let runner: JobRunner
    let job: String
    let after: Int64
    let heartbeat: Double
    /// Its place among the open streams, held until the stream's closure is released.
    let slot: StreamSlots.Slot
    /// With a shared store, the longest wait before the store is read again: a job running on
    /// another node wakes this one by LISTEN/NOTIFY, and notifications can be lost while the
    /// listener reconnects. Nil: every write is this node's own and wakes the stream itself.
    var poll: Double? = nil

    func response() -> Response {
        // `Connection: close`: the stream ends with the job, and so does the connection.
        Response.stream(headers: ["Content-Type": "text/event-stream", "Cache-Control": "no-store", "Connection": "close"]) { writer in
            try run(writer)
        }
    }

    /// The polling fallback of streams on a shared store.
    static let sharedStorePollSeconds = 1.0

    private func run(_ writer: ResponseWriter) throws {
        var last = after
        var quietSince = Date()
        while true {
            let seen = runner.currentGeneration
            let events = try runner.store.events(job: job, after: last, limit: 1000)
            for e in events {
                try writer.write("id: \(e.id)\nevent: \(e.kind.rawValue)\ndata: ")
                try writer.write(e.data)
                try writer.write("\n\n")
                last = e.id
            }
            if !events.isEmpty {
                try writer.flush()
                quietSince = Date()
                if events.last?.kind == .end { return }
                if events.count == 1000 { continue }
            }
            // A deleted job, or a server shutting down, ends the stream.
            guard !runner.isStopped, try runner.store.job(job) != nil else { return }
            let waited = -quietSince.timeIntervalSinceNow
            if waited >= heartbeat {
                try writer.write(": heartbeat\n\n")
                try writer.flush()
                quietSince = Date()
            }
            let untilHeartbeat = max(0.001, heartbeat - max(0, -quietSince.timeIntervalSinceNow))
            _ = runner.waitForChange(after: seen, timeout: min(untilHeartbeat, poll ?? .infinity))
        }
    }
}
