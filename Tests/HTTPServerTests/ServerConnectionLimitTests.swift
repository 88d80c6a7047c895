import Dispatch
import Foundation
import Testing
@testable import HTTPServer

/// Connection floods: at the limit the oldest idle keep-alive connections are closed to admit a new client,
/// then the oldest holding half-sent heads; connections with a request in flight never are, and only when
/// every connection has one is a new client answered 503.
@Suite struct ServerConnectionLimitTests {
    /// One loop, so connections are seen in the order they were opened.
    static let sixteen = HTTPServerConfiguration(maxConnections: 16, eventLoops: 1)
    static let halfHead = "GET /hello HTTP/1.1\r\nHost: a\r\nX-Slow: a"

    /// `count` keep-alive connections, each answered once and now idle, oldest first.
    static func idleClients(_ count: Int, port: Int) throws -> [TestClient] {
        try (0..<count).map { _ in
            let client = try TestClient(port: port)
            try client.send(ServerFixture.get("/hello"))
            #expect(try client.readResponse()?.status == 200)
            return client
        }
    }

    /// `count` connections that sent half a request head and stopped, oldest first.
    static func halfHeadClients(_ count: Int, port: Int) throws -> [TestClient] {
        try (0..<count).map { _ in
            let client = try TestClient(port: port)
            try client.send(halfHead)
            Thread.sleep(forTimeInterval: 0.002)  // distinct arrival times, in order
            return client
        }
    }

    /// Waits (at most 5 s) until the server holds `count` connections; lets the loops record their state.
    static func waitForConnections(_ count: Int, _ server: HTTPServer) {
        let start = ContinuousClock.now
        while server.connectionCount != count, ContinuousClock.now - start < .seconds(5) {
            Thread.sleep(forTimeInterval: 0.01)
        }
        Thread.sleep(forTimeInterval: 0.05)
    }

    /// The client's request is answered: it finishes a half-sent head, or sends a whole request.
    static func isServed(_ client: TestClient, finishingHead: Bool = false) throws -> Bool {
        try client.send(finishingHead ? "\r\n\r\n" : ServerFixture.get("/hello"))
        return try client.readResponse()?.text == "hello"
    }

    @Test func atTheLimitTheOldestIdleConnectionMakesRoom() throws {
        try ServerFixture.withServer(Self.sixteen) { server in
            let idle = try Self.idleClients(16, port: server.port)
            Self.waitForConnections(16, server)
            #expect(try ServerFixture.stillServes(server))
            // An eighth of the 16 evictable connections (at least one) is closed, oldest first.
            #expect(try idle[0].isClosedWithoutMoreData())
            for client in idle[2...] { #expect(try Self.isServed(client)) }
            #expect(server.connectionCount <= 16)
        }
    }

    @Test func atTheLimitTheOldestHalfSentHeadMakesRoom() throws {
        try ServerFixture.withServer(Self.sixteen) { server in
            let heads = try Self.halfHeadClients(16, port: server.port)
            Self.waitForConnections(16, server)
            #expect(try ServerFixture.stillServes(server))
            #expect(try heads[0].isClosedWithoutMoreData())
            for client in heads[2...] { #expect(try Self.isServed(client, finishingHead: true)) }
        }
    }

    @Test func idleConnectionsAreClosedBeforeOlderHalfSentHeads() throws {
        try ServerFixture.withServer(Self.sixteen) { server in
            let heads = try Self.halfHeadClients(8, port: server.port)
            let idle = try Self.idleClients(8, port: server.port)
            Self.waitForConnections(16, server)
            #expect(try ServerFixture.stillServes(server))
            #expect(try idle[0].isClosedWithoutMoreData())
            for client in heads { #expect(try Self.isServed(client, finishingHead: true)) }
            for client in idle[2...] { #expect(try Self.isServed(client)) }
        }
    }

    /// A handler running, a body half-sent and a response streaming all hold their connections: at the limit a
    /// new client gets 503, and every request in flight completes. Then an idle one makes room again.
    @Test func connectionsWithRequestsInFlightAreNeverEvicted() throws {
        let started = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        var router = ServerFixture.router()
        router.get("/block") { _, _ in
            started.signal()
            release.wait()
            return Response(text: "unblocked")
        }
        router.get("/stream") { _, _ in
            Response.stream { writer in
                try writer.write("first ")
                try writer.flush()
                started.signal()
                release.wait()
                try writer.write("last")
            }
        }
        try ServerFixture.withServer(HTTPServerConfiguration(maxConnections: 3), router: router) { server in
            let handler = try TestClient(port: server.port)
            try handler.send(ServerFixture.get("/block"))
            let stream = try TestClient(port: server.port)
            try stream.send(ServerFixture.get("/stream"))
            for _ in 0..<2 { #expect(started.wait(timeout: .now() + .seconds(5)) == .success) }
            let body = try TestClient(port: server.port)
            try body.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n12345")
            Self.waitForConnections(3, server)

            let refused = try TestClient(port: server.port)
            let answer = try #require(try refused.readResponse())
            #expect(answer.status == 503)
            #expect(answer.headers["Retry-After"] == "1")
            #expect(try refused.isClosedWithoutMoreData())

            release.signal()
            release.signal()
            try body.send("67890")
            #expect(try handler.readResponse()?.text == "unblocked")
            #expect(try stream.readResponse()?.text == "first last")
            #expect(try body.readResponse()?.text == #"{"ok":true,"n":10}"#)
            // All three are idle now: the oldest makes room for a new client.
            Self.waitForConnections(3, server)
            #expect(try ServerFixture.stillServes(server))
        }
    }

    /// Descriptors for both ends of `connections` loopback connections and the rest of the test process,
    /// raising the soft limit toward the hard one as the server itself does; false when the hard limit forbids.
    static func descriptorsSuffice(forConnections connections: Int) -> Bool {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return false }
        let needed = rlim_t(2 * connections + 1_024)
        if limit.rlim_cur < needed {
            limit.rlim_cur = min(limit.rlim_max, needed)
            guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return false }
        }
        return limit.rlim_cur >= needed
    }

    /// The flood of issue 13 at the default configuration: 2,000 idle connections (half of them answered once,
    /// half that never sent a byte) and 1,000 holding half-sent heads. All are held, none evicted (the default
    /// limit is far above), and a new client is served.
    @Test(.enabled(if: descriptorsSuffice(forConnections: 3_001),
                   "needs ~7,000 descriptors (both ends of 3,000 loopback connections): RLIMIT_NOFILE's hard limit is lower"))
    func theDefaultLimitServesANewClientThroughAFlood() throws {
        try ServerFixture.withServer { server in
            #expect(server.connectionLimit >= 3_001)
            var flood = try Self.idleClients(1_000, port: server.port)
            for _ in 0..<1_000 { flood.append(try TestClient(port: server.port)) }
            for _ in 0..<1_000 {
                let client = try TestClient(port: server.port)
                try client.send(Self.halfHead)
                flood.append(client)
            }
            Self.waitForConnections(3_000, server)
            #expect(server.connectionCount == 3_000)
            #expect(try ServerFixture.stillServes(server))
            #expect(try Self.isServed(flood[0]))
            #expect(try Self.isServed(flood[2_999], finishingHead: true))
        }
    }
}
