import Foundation

extension HTTPServer {
    /// Accepts until the listener is shut down, handing each connection within `maxConnections` to a loop.
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
                try client.setTimeout(SO_SNDTIMEO, configuration.writeTimeout)
            } catch {
                registry.close(handle)
                continue
            }
            eventLoops.adopt(Connection(handle: handle, server: self))
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
