import Foundation

extension HTTPServer {
    /// Accepts until the listener is shut down, handing each connection (within `maxConnections`) to the pool.
    func acceptLoop(_ listener: Socket, _ pool: WorkerPool) {
        while true {
            let client: Socket
            do {
                client = try listener.accept()
            } catch {
                if registry.isShuttingDown { return }
                switch error.code {
                case ECONNABORTED, EPROTO:
                    continue
                default:
                    // Out of descriptors (EMFILE/ENFILE) or memory: back off instead of spinning.
                    log("\(error); retrying in 10 ms")
                    Thread.sleep(forTimeInterval: 0.01)
                    continue
                }
            }
            guard let handle = registry.register(client) else {
                rejectBusy(client)
                continue
            }
            do {
                try client.setSendTimeout(configuration.writeTimeout)
                try pool.add(Connection(handle: handle, server: self))
            } catch {
                log("cannot serve a new connection: \(error)")
                registry.close(handle)
            }
        }
    }

    /// Every 50 ms until the server stops: expire deadlines of waiting connections and replace stuck workers.
    /// Timeouts are therefore enforced to within this tick.
    func housekeepingLoop(_ pool: WorkerPool, until stop: DispatchSemaphore) {
        while stop.wait(timeout: .now() + .milliseconds(50)) == .timedOut {
            let now = MonotonicTime.now()
            registry.expireDeadlines(now: now)
            pool.replaceStuckWorkers(now: now)
        }
    }

    /// Over `maxConnections` (or shutting down): answer 503 with `Retry-After` and close, without reading the
    /// request, so the client learns at once instead of waiting in the backlog. The socket is new, so this
    /// small write fits its send buffer and does not block the accept thread.
    private func rejectBusy(_ client: Socket) {
        let error = registry.isShuttingDown
            ? HTTPError(.serviceUnavailable, status: .serviceUnavailable, message: "the server is shutting down")
            : HTTPError(.serviceUnavailable, status: .serviceUnavailable,
                        message: "the server is at its connection limit", headers: ["Retry-After": "1"])
        let response = render(error, for: nil)
        var bytes: [UInt8] = []
        let body = response.bodyBytes ?? []
        var date = HTTPDate()
        response.appendHead(to: &bytes, framing: .length(body.count), connection: "close", date: date.current())
        bytes.append(contentsOf: body)
        try? client.send(bytes)
        client.shutdown(reading: false, writing: true)
        client.close()
    }
}
