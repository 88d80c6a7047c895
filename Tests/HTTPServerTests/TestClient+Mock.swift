import Foundation
@testable import HTTPServer

/// A response as read by `TestClient`.
struct TestResponse {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
}

struct TestClientError: Error, CustomStringConvertible {
    let description: String
}

/// A blocking HTTP/1.1 client over a raw loopback socket, so tests can send exactly the bytes they want
/// (pipelined, truncated, hostile) and read exactly what comes back.
final class TestClient {
    /// The socket; -1 once `close()` has run. Closed exactly once, by `close()` or `deinit`.
    private(set) var fd: Int32
    private var buffer: [UInt8] = []

    init(port: Int, timeout: Double = 5) throws {
        // Connect on a local descriptor and assign `fd` only on success: a class initializer that throws after
        // every stored property is set still runs `deinit`, so closing here and there would close the same number
        // twice, and the second close would hit whatever descriptor another thread (a server, another client) got
        // in between.
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socketFD >= 0 else { throw TestClientError(description: "socket failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port)).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        var code = connected == 0 ? 0 : errno
        if code == EINTR {
            // Interrupted by a signal (another test sends SIGUSR2), the connection completes asynchronously.
            var descriptor = pollfd(fd: socketFD, events: Int16(POLLOUT), revents: 0)
            while poll(&descriptor, 1, Int32(timeout * 1000)) < 0, errno == EINTR {}
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(socketFD, SOL_SOCKET, SO_ERROR, &code, &length)
        }
        guard code == 0 else {
            Glibc.close(socketFD)
            throw TestClientError(description: "connect failed: errno \(code)")
        }
        fd = socketFD
        setTimeout(timeout)
    }

    deinit { close() }

    /// Closes the socket now (a real client closes once it has seen the server's EOF).
    func close() {
        guard fd >= 0 else { return }
        Glibc.close(fd)
        fd = -1
    }

    func setTimeout(_ seconds: Double) {
        var value = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - seconds.rounded(.down)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0, errno == EINTR { continue }  // a signal from another test (SIGUSR2)
            guard sent > 0 else { throw TestClientError(description: "send failed: errno \(errno)") }
            offset += sent
        }
    }

    /// Reads one more block into the buffer; false on EOF or reset, throws on timeout.
    private func fill() throws -> Bool {
        var block = [UInt8](repeating: 0, count: 64 * 1024)
        var count: Int
        repeat {
            count = block.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        } while count < 0 && errno == EINTR  // SO_RCVTIMEO makes recv return EINTR even under SA_RESTART
        if count > 0 {
            buffer.append(contentsOf: block[..<count])
            return true
        }
        if count == 0 || errno == ECONNRESET { return false }
        throw TestClientError(description: "recv failed: errno \(errno)")
    }

    /// The next response (interim 1xx responses included), or nil when the server closed before sending one.
    func readResponse(isHead: Bool = false) throws -> TestResponse? {
        var headEnd: Int?
        while true {
            if let end = find("\r\n\r\n") {
                headEnd = end
                break
            }
            guard try fill() else {
                guard buffer.isEmpty else { throw TestClientError(description: "truncated head") }
                return nil
            }
        }
        let head = String(decoding: buffer[..<headEnd!], as: UTF8.self)
        buffer.removeFirst(headEnd! + 4)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
            throw TestClientError(description: "bad status line in \(head)")
        }
        var headers = HTTPHeaders()
        for line in lines {
            let parts = line.split(separator: ":", maxSplits: 1)
            headers.add(String(parts[0]), String(parts[1].drop { $0 == " " }))
        }
        var response = TestResponse(status: status, headers: headers, body: [])
        if isHead || status < 200 || status == 204 || status == 304 { return response }
        if headers.containsToken("chunked", in: "Transfer-Encoding") {
            while true {
                let lineEnd = try waitFor("\r\n")
                let size = Int(String(decoding: buffer[..<lineEnd], as: UTF8.self), radix: 16)!
                buffer.removeFirst(lineEnd + 2)
                while buffer.count < size + 2 { guard try fill() else { throw TestClientError(description: "truncated chunk") } }
                response.body += buffer[..<size]
                buffer.removeFirst(size + 2)
                if size == 0 { return response }
            }
        } else if let length = headers["Content-Length"].flatMap(Int.init) {
            while buffer.count < length { guard try fill() else { throw TestClientError(description: "truncated body") } }
            response.body = Array(buffer[..<length])
            buffer.removeFirst(length)
        } else {
            while try fill() {}
            response.body = buffer
            buffer = []
        }
        return response
    }

    /// True when the server closes the connection (EOF or reset) without sending anything more.
    func isClosedWithoutMoreData() throws -> Bool {
        guard buffer.isEmpty else { return false }
        return try !fill()
    }

    private func waitFor(_ marker: String) throws -> Int {
        while true {
            if let index = find(marker) { return index }
            guard try fill() else { throw TestClientError(description: "closed while waiting for \(marker.debugDescription)") }
        }
    }

    private func find(_ marker: String) -> Int? {
        let pattern = Array(marker.utf8)
        guard buffer.count >= pattern.count else { return nil }
        for start in 0...(buffer.count - pattern.count) where buffer[start..<start + pattern.count].elementsEqual(pattern) {
            return start
        }
        return nil
    }
}

/// Fixtures: a server on an ephemeral loopback port with a few test routes, stopped after the test.
enum ServerFixture {
    static func router() -> Router {
        var router = Router()
        router.post("/echo") { request, _ in
            Response(json: #"{"ok":true,"n":\#(request.body.count)}"#)
        }
        router.post("/digest") { request, _ in Response(text: ServerFixture.digest(request.body)) }
        router.get("/hello") { _, _ in Response(text: "hello") }
        router.get("/n/{n}") { _, parameters in Response(text: parameters["n"]!) }
        return router
    }

    static func withServer(
        _ configuration: HTTPServerConfiguration = HTTPServerConfiguration(),
        router: Router = router(),
        errorRenderer: HTTPErrorRenderer = .plainText,
        logger: @escaping HTTPServer.Logger = { _ in },
        _ body: (HTTPServer) throws -> Void
    ) throws {
        var configuration = configuration
        configuration.host = "127.0.0.1"
        configuration.port = 0
        let server = HTTPServer(configuration: configuration, router: router, errorRenderer: errorRenderer, logger: logger)
        try server.start()
        defer { server.shutdown(deadline: .now + .seconds(2)) }
        try body(server)
    }

    /// The length and FNV-1a hash of `bytes`: what `POST /digest` answers, so a test can tell that a body
    /// arrived whole and in order.
    static func digest(_ bytes: [UInt8]) -> String {
        let hash = bytes.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
        return "\(bytes.count) \(String(hash, radix: 16))"
    }

    static func get(_ path: String, host: String = "a") -> String {
        "GET \(path) HTTP/1.1\r\nHost: \(host)\r\n\r\n"
    }

    /// Asserts the server still answers a fresh client.
    static func stillServes(_ server: HTTPServer) throws -> Bool {
        let client = try TestClient(port: server.port)
        try client.send(get("/hello"))
        return try client.readResponse()?.status == 200
    }
}
