import Foundation
import Synchronization
import Testing
@testable import HTTPServer

/// Handler errors, the renderer hook, and streamed responses, over a real socket.
@Suite struct ServerResponseTests {
    struct QueueFull: HTTPResponseError {
        var status: HTTPStatus { .tooManyRequests }
        var headers: HTTPHeaders { ["Retry-After": "3"] }
        var message: String { "the queue is full" }
    }

    struct Unexpected: Error {}

    final class Flag: Sendable {
        private let value = Atomic<Bool>(false)
        var isSet: Bool { value.load(ordering: .sequentiallyConsistent) }
        func set() { value.store(true, ordering: .sequentiallyConsistent) }
    }

    static func router(streamEnded: Flag? = nil) -> Router {
        var router = ServerFixture.router()
        router.get("/full") { _, _ in throw QueueFull() }
        router.get("/crash") { _, _ in throw Unexpected() }
        router.get("/stream") { _, _ in
            .stream(headers: ["Content-Type": "text/event-stream"]) { writer in
                for index in 0..<3 {
                    try writer.write("data: \(index)\n\n")
                    try writer.flush()
                }
            }
        }
        router.get("/forever") { _, _ in
            .stream { writer in
                defer { streamEnded?.set() }
                for _ in 0..<500 {
                    try writer.write(": heartbeat\n\n")
                    try writer.flush()
                    Thread.sleep(forTimeInterval: 0.01)
                }
            }
        }
        return router
    }

    /// A problem+json style renderer, as the service will install.
    static let problemRenderer = HTTPErrorRenderer { error in
        Response(status: error.status, headers: ["Content-Type": "application/problem+json"],
                 body: Array(#"{"status":\#(error.status.code),"code":"\#(error.kind.rawValue)"}"#.utf8))
    }

    @Test func handlerErrorsKeepTheirStatusAndHeaders() throws {
        try ServerFixture.withServer(router: Self.router(), errorRenderer: Self.problemRenderer) { server in
            let client = try TestClient(port: server.port)
            try client.send(ServerFixture.get("/full"))
            let response = try #require(try client.readResponse())
            #expect(response.status == 429)
            #expect(response.headers["Retry-After"] == "3")
            #expect(response.headers["Content-Type"] == "application/problem+json")
            #expect(response.text == #"{"status":429,"code":"application"}"#)
            try client.send(ServerFixture.get("/hello"))  // the connection lives on
            #expect(try client.readResponse()?.status == 200)
        }
    }

    @Test func unexpectedErrorsAreLogged500s() throws {
        let logged = Mutex<[String]>([])
        try ServerFixture.withServer(router: Self.router(), logger: { line in logged.withLock { $0.append(line) } }) { server in
            let client = try TestClient(port: server.port)
            try client.send(ServerFixture.get("/crash"))
            let response = try #require(try client.readResponse())
            #expect(response.status == 500)
            #expect(!response.text.contains("Unexpected"))
            let lines = logged.withLock { $0 }
            #expect(lines.contains { $0.contains("Unexpected") && $0.contains("/crash") })
            try client.send(ServerFixture.get("/hello"))
            #expect(try client.readResponse()?.status == 200)
        }
    }

    @Test func routingMissesRenderThroughTheHook() throws {
        try ServerFixture.withServer(router: Self.router(), errorRenderer: Self.problemRenderer) { server in
            let client = try TestClient(port: server.port)
            try client.send(ServerFixture.get("/nowhere"))
            #expect(try client.readResponse()?.text == #"{"status":404,"code":"not_found"}"#)
            try client.send(ServerFixture.get("/echo"))
            let wrongMethod = try #require(try client.readResponse())
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.headers["Allow"] == "POST")
        }
    }

    @Test func streamsAreChunked() throws {
        try ServerFixture.withServer(router: Self.router()) { server in
            let client = try TestClient(port: server.port)
            try client.send(ServerFixture.get("/stream"))
            let response = try #require(try client.readResponse())
            #expect(response.headers["Transfer-Encoding"] == "chunked")
            #expect(response.headers["Content-Length"] == nil)
            #expect(response.text == "data: 0\n\ndata: 1\n\ndata: 2\n\n")
            try client.send(ServerFixture.get("/hello"))  // keep-alive after a stream
            #expect(try client.readResponse()?.text == "hello")
        }
    }

    @Test func streamsToHTTP10EndWithTheConnection() throws {
        try ServerFixture.withServer(router: Self.router()) { server in
            let client = try TestClient(port: server.port)
            try client.send("GET /stream HTTP/1.0\r\n\r\n")
            let response = try #require(try client.readResponse())
            #expect(response.headers["Transfer-Encoding"] == nil)
            #expect(response.text == "data: 0\n\ndata: 1\n\ndata: 2\n\n")
        }
    }

    @Test func aStreamEndsWhenTheClientLeaves() throws {
        let ended = Flag()
        try ServerFixture.withServer(router: Self.router(streamEnded: ended)) { server in
            do {
                let client = try TestClient(port: server.port)
                try client.send(ServerFixture.get("/forever"))
                Thread.sleep(forTimeInterval: 0.1)
            }
            let start = ContinuousClock.now
            while !ended.isSet, ContinuousClock.now - start < .seconds(3) {
                Thread.sleep(forTimeInterval: 0.02)
            }
            #expect(ended.isSet)
            #expect(ContinuousClock.now - start < .seconds(1))
            #expect(try ServerFixture.stillServes(server))
        }
    }
}
