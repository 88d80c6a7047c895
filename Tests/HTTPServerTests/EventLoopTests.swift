import Foundation
import Testing
@testable import HTTPServer

/// Whatever would block an event loop moves its connection to a thread, so the loop's other connections are
/// still served; once idle, the connection is back on a loop and keeps working. Every test uses one loop, so
/// the second client shares the first one's loop.
@Suite struct EventLoopTests {
    static let oneLoop = HTTPServerConfiguration(eventLoops: 1, handlerBudget: .milliseconds(20))

    static func router() -> Router {
        var router = ServerFixture.router()
        router.get("/slow") { _, _ in
            Thread.sleep(forTimeInterval: 0.6)
            return Response(text: "slow")
        }
        router.get("/big") { _, _ in Response(body: [UInt8](repeating: 7, count: 8 << 20)) }
        router.get("/ticks") { _, _ in
            Response.stream { writer in
                for tick in 0..<3 {
                    try writer.write("tick \(tick)\n")
                    try writer.flush()
                    Thread.sleep(forTimeInterval: 0.2)
                }
            }
        }
        return router
    }

    /// How long a fresh client takes to get `GET /hello` answered, in seconds.
    static func secondsForAnotherClient(_ server: HTTPServer) throws -> Double {
        let start = ContinuousClock.now
        let other = try TestClient(port: server.port)
        try other.send(ServerFixture.get("/hello"))
        #expect(try other.readResponse()?.text == "hello")
        let (whole, fraction) = (ContinuousClock.now - start).components
        return Double(whole) + Double(fraction) * 1e-18
    }

    @Test func aHandlerOverItsBudgetDoesNotHoldTheLoop() throws {
        try ServerFixture.withServer(Self.oneLoop, router: Self.router()) { server in
            let slow = try TestClient(port: server.port)
            try slow.send(ServerFixture.get("/slow"))
            Thread.sleep(forTimeInterval: 0.1)
            let waited = try Self.secondsForAnotherClient(server)
            #expect(waited < 0.3, "the other client waited \(waited) s behind a 0.6 s handler")
            #expect(try slow.readResponse()?.text == "slow")
            // Back on a loop, the slow handler's connection serves its next request.
            try slow.send(ServerFixture.get("/n/2"))
            #expect(try slow.readResponse()?.text == "2")
        }
    }

    @Test func aClientThatDoesNotReadDoesNotHoldTheLoop() throws {
        try ServerFixture.withServer(Self.oneLoop, router: Self.router()) { server in
            let stalled = try TestClient(port: server.port)
            try stalled.send(ServerFixture.get("/big"))  // 8 MiB: far more than the socket buffers hold
            Thread.sleep(forTimeInterval: 0.1)
            #expect(try Self.secondsForAnotherClient(server) < 0.3)
            let big = try #require(try stalled.readResponse())
            #expect(big.body.count == 8 << 20 && big.body.allSatisfy { $0 == 7 })
            try stalled.send(ServerFixture.get("/hello"))
            #expect(try stalled.readResponse()?.text == "hello")
        }
    }

    @Test func aStreamHoldsOnlyItsOwnConnection() throws {
        try ServerFixture.withServer(Self.oneLoop, router: Self.router()) { server in
            let streaming = try TestClient(port: server.port)
            try streaming.send(ServerFixture.get("/ticks"))
            Thread.sleep(forTimeInterval: 0.1)
            #expect(try Self.secondsForAnotherClient(server) < 0.3)
            #expect(try streaming.readResponse()?.text == "tick 0\ntick 1\ntick 2\n")
            try streaming.send(ServerFixture.get("/n/5"))
            #expect(try streaming.readResponse()?.text == "5")
        }
    }

    @Test func pipelinedRequestsStayInOrderAcrossAHandOver() throws {
        try ServerFixture.withServer(Self.oneLoop, router: Self.router()) { server in
            let client = try TestClient(port: server.port)
            try client.send(ServerFixture.get("/n/1") + ServerFixture.get("/slow") + ServerFixture.get("/n/3"))
            #expect(try client.readResponse()?.text == "1")
            #expect(try client.readResponse()?.text == "slow")
            #expect(try client.readResponse()?.text == "3")
        }
    }
}
