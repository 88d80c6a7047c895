import Foundation
import TensorWire

// GET /v1/jobs/{id}/events: Server-Sent Events, with reconnects.
extension TensorClient {
    /// Follows a job's events as they happen, calling `handler` for each, until the `end`
    /// event (after which the server closes the stream) or until `handler` returns `.stop`.
    /// Returns the id of the last event seen.
    ///
    /// The stream is read through libcurl's write callback as it arrives, on a connection of
    /// its own (other calls on this client are not held up). When the connection breaks or
    /// goes silent, the client reconnects with `Last-Event-ID`, so it misses nothing and sees
    /// nothing twice; it gives up after ``Configuration/maxReconnects`` attempts in a row
    /// without an event. Pass `lastEventID` to resume a stream read earlier.
    ///
    /// ```swift
    /// try client.events(job.id) { event in
    ///     if case .metric(let m) = event.kind, m.key == "loss" { print(m.step, m.value) }
    ///     return .proceed
    /// }
    /// ```
    @discardableResult
    public func events(_ jobID: String, lastEventID: String? = nil,
                       _ handler: (JobEvent) -> EventStreamAction) throws(TensorClientError) -> String {
        let stream: CurlEasy
        do { stream = try CurlEasy() } catch { throw .transport(error) }
        var lastID = lastEventID ?? ""
        var failures = 0
        var retryDelay = Self.seconds(configuration.retryDelay)
        return try withoutActuallyEscaping(handler, do: { (handler) throws(TensorClientError) -> String in
            while true {
                var parser = ServerSentEventParser(lastEventID: lastID)
                var errorBody: [UInt8] = []
                var received = 0
                var finished = false
                var failure: TensorClientError?
                let request = makeRequest("GET", jobPath(jobID) + "/events", query: [],
                                          headers: lastID.isEmpty ? [] : [("Last-Event-ID", lastID)], body: nil, stream: true)
                let outcome: Result<CurlResponse, TransportError>
                do throws(TransportError) {
                    outcome = .success(try stream.perform(request) { status, chunk in
                        guard (200..<300).contains(status) else {
                            errorBody.append(contentsOf: chunk)
                            return true
                        }
                        for raw in parser.feed(chunk) {
                            received += 1
                            lastID = raw.lastEventID
                            let event: JobEvent
                            do throws(TensorClientError) { event = try JobEvent(raw) } catch {
                                failure = error
                                return false
                            }
                            if case .end = event.kind { finished = true }
                            if handler(event) == .stop || finished {
                                finished = true
                                return false
                            }
                        }
                        return true
                    })
                } catch {
                    outcome = .failure(error)
                }
                if let failure { throw failure }
                if finished { return lastID }
                if received > 0 { failures = 0 }
                if let ms = parser.retryMilliseconds { retryDelay = Double(ms) / 1000 }
                let reason: TensorClientError
                switch outcome {
                case .success(let response) where response.status >= 400:
                    let problem = Self.problem(Reply(status: response.status, headers: response.headers, body: errorBody))
                    // 503: the server is starting, stopping or full; anything else will not change by retrying.
                    guard response.status == 503 else { throw .problem(problem) }
                    reason = .problem(problem)
                case .success:
                    reason = .transport(TransportError(kind: .connectionLost, curlCode: 0,
                                                       message: "the event stream of job \(jobID) ended before its end event"))
                case .failure(let e):
                    reason = .transport(e)
                }
                failures += 1
                if failures > configuration.maxReconnects { throw reason }
                Thread.sleep(forTimeInterval: retryDelay * Double(1 << min(failures - 1, 6)))
            }
        })
    }
}
