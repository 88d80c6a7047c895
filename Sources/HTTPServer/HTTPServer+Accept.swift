import Foundation

extension HTTPServer {
    /// Accepts until the listener is shut down, handing each connection the registry admits to a loop (at the
    /// limit it closes the oldest waiting connections to make room).
    func acceptLoop(_ listener: Socket) {
        while true {
            let client: Socket
            do {
                client = try listener.accept()
            } catch {
                if registry.isShuttingDown { return }
                switch error.code {
                case ECONNABORTED, EPROTO:
                    continue
                case EMFILE, ENFILE:
                    // Out of descriptors (something else in the process holds more than its reserve): close
                    // waiting connections as at the limit, and back off instead of spinning.
                    log("\(error); closing the oldest waiting connections, retrying in 10 ms")
                    registry.makeRoom()
                    Thread.sleep(forTimeInterval: 0.01)
                    continue
                default:
                    // Out of memory: back off instead of spinning.
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
                try client.setTimeout(SO_SNDTIMEO, configuration.writeTimeout)
            } catch {
                registry.close(handle)
                continue
            }
            eventLoops.adopt(Connection(handle: handle, server: self))
        }
    }

    /// At the limit with no connection to evict (or shutting down): answer 503 with `Retry-After` and close,
    /// without reading the request, so the client learns at once instead of waiting in the backlog. The socket
    /// is new, so this small write fits its send buffer and does not block the accept thread.
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
        _ = try? client.send(bytes)
        client.shutdown(reading: false, writing: true)
        client.close()
    }
}
