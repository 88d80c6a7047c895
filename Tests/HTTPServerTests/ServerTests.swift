import Foundation
import Synchronization
import Testing
@testable import HTTPServer

@Suite struct ServerTests {
    @Test func thousandSequentialKeepAliveRequestsOnOneConnection() throws {
        try ServerFixture.withServer { server in
            let client = try TestClient(port: server.port)
            for index in 0..<1000 {
                let body = String(repeating: "x", count: index % 50)
                try client.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
                let response = try #require(try client.readResponse())
                #expect(response.status == 200)
                #expect(response.text == #"{"ok":true,"n":\#(body.utf8.count)}"#)
                #expect(response.headers["Date"] != nil)
                #expect(response.headers["Connection"] == nil)
            }
            #expect(server.connectionCount == 1)
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        try ServerFixture.withServer { server in
            let client = try TestClient(port: server.port)
            try client.send((0..<20).map { ServerFixture.get("/n/\($0)") }.joined())
            for index in 0..<20 {
                let response = try #require(try client.readResponse())
                #expect(response.text == "\(index)")
            }
        }
    }

    @Test func sixtyFourConcurrentClients() throws {
        try ServerFixture.withServer { server in
            let failures = Atomic<Int>(0)
            DispatchQueue.concurrentPerform(iterations: 64) { clientIndex in
                do {
                    let client = try TestClient(port: server.port)
                    for request in 0..<20 {
                        try client.send(ServerFixture.get("/n/\(clientIndex)-\(request)"))
                        guard try client.readResponse()?.text == "\(clientIndex)-\(request)" else {
                            failures.add(1, ordering: .relaxed)
                            return
                        }
                    }
                } catch {
                    failures.add(1, ordering: .relaxed)
                }
            }
            #expect(failures.load(ordering: .relaxed) == 0)
        }
    }

    @Test func headHasLengthButNoBody() throws {
        try ServerFixture.withServer { server in
            let client = try TestClient(port: server.port)
            try client.send("HEAD /hello HTTP/1.1\r\nHost: a\r\n\r\n")
            let head = try #require(try client.readResponse(isHead: true))
            #expect(head.status == 200)
            #expect(head.headers["Content-Length"] == "5")
            try client.send(ServerFixture.get("/hello"))  // no stray body bytes precede this response
            #expect(try client.readResponse()?.text == "hello")
        }
    }

    @Test func expectContinueGetsAnInterimResponse() throws {
        try ServerFixture.withServer { server in
            let client = try TestClient(port: server.port)
            try client.send("POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
            #expect(try client.readResponse()?.status == 100)
            try client.send("abcd")
            #expect(try client.readResponse()?.text == #"{"ok":true,"n":4}"#)
        }
    }

    /// Bodies larger than the read buffer are read apart into an array of their size: they arrive whole,
    /// whether sent at once with the next request pipelined behind, in uneven pieces, or after a 100 Continue.
    @Test func largeBodiesArriveWholeAndPipelinedRequestsAfterThem() throws {
        try ServerFixture.withServer { server in
            let client = try TestClient(port: server.port)
            for size in [40_000, 1 << 20, 3_000_001] {
                let body = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
                let head = "POST /digest HTTP/1.1\r\nHost: a\r\nContent-Length: \(size)\r\n\r\n"
                try client.send(Array(head.utf8) + body + Array(ServerFixture.get("/hello").utf8))
                #expect(try client.readResponse()?.text == ServerFixture.digest(body), "\(size) bytes at once")
                #expect(try client.readResponse()?.text == "hello")

                try client.send(head)
                var offset = 0
                for piece in [1, 7, 5_000, 65_537] where offset < size {
                    try client.send(Array(body[offset..<min(size, offset + piece)]))
                    offset += piece
                }
                try client.send(Array(body[min(offset, size)...]))
                #expect(try client.readResponse()?.text == ServerFixture.digest(body), "\(size) bytes in pieces")

                try client.send("POST /digest HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: \(size)\r\n\r\n")
                #expect(try client.readResponse()?.status == 100)
                try client.send(body)
                #expect(try client.readResponse()?.text == ServerFixture.digest(body), "\(size) bytes after 100")
            }
            #expect(server.connectionCount == 1)
        }
    }

    @Test func connectionCloseIsHonouredBothWays() throws {
        try ServerFixture.withServer { server in
            let client = try TestClient(port: server.port)
            try client.send("GET /hello HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            #expect(try client.readResponse()?.headers["Connection"] == "close")
            #expect(try client.isClosedWithoutMoreData())
        }
    }

    @Test func http10ClosesUnlessAskedToKeepAlive() throws {
        try ServerFixture.withServer { server in
            let plain = try TestClient(port: server.port)
            try plain.send("GET /hello HTTP/1.0\r\n\r\n")
            #expect(try plain.readResponse()?.headers["Connection"] == "close")
            #expect(try plain.isClosedWithoutMoreData())

            let keepAlive = try TestClient(port: server.port)
            for _ in 0..<3 {
                try keepAlive.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                let response = try #require(try keepAlive.readResponse())
                #expect(response.headers["Connection"] == "keep-alive")
                #expect(response.text == "hello")
            }
        }
    }

    @Test func requestsPerConnectionAreCapped() throws {
        try ServerFixture.withServer(HTTPServerConfiguration(maxRequestsPerConnection: 3)) { server in
            let client = try TestClient(port: server.port)
            for index in 1...3 {
                try client.send(ServerFixture.get("/hello"))
                let response = try #require(try client.readResponse())
                #expect(response.headers["Connection"] == (index == 3 ? "close" : nil))
            }
            #expect(try client.isClosedWithoutMoreData())
        }
    }

    @Test func idleConnectionsTimeOut() throws {
        try ServerFixture.withServer(HTTPServerConfiguration(idleTimeout: .milliseconds(300))) { server in
            let client = try TestClient(port: server.port)
            try client.send(ServerFixture.get("/hello"))
            #expect(try client.readResponse()?.status == 200)
            let start = ContinuousClock.now
            #expect(try client.isClosedWithoutMoreData())
            #expect(ContinuousClock.now - start < .seconds(2))
        }
    }

    @Test func gracefulShutdownCompletesAnInFlightRequest() throws {
        // The handler says when it runs: a fixed sleep could start the shutdown before the request is accepted
        // or read, and then the server rightly refuses or closes it instead of completing it.
        let handlerStarted = DispatchSemaphore(value: 0)
        var router = ServerFixture.router()
        router.get("/slow") { _, _ in
            handlerStarted.signal()
            Thread.sleep(forTimeInterval: 0.3)
            return Response(text: "done")
        }
        let server = HTTPServer(configuration: HTTPServerConfiguration(port: 0), router: router, logger: { _ in })
        try server.start()
        let port = server.port
        let idle = try TestClient(port: port)
        try idle.send(ServerFixture.get("/hello"))
        #expect(try idle.readResponse()?.status == 200)
        let busy = try TestClient(port: port)
        try busy.send(ServerFixture.get("/slow"))
        #expect(handlerStarted.wait(timeout: .now() + .seconds(5)) == .success)
        let start = ContinuousClock.now
        let done = DispatchSemaphore(value: 0)
        Thread {
            server.shutdown(deadline: .now + .seconds(5))
            done.signal()
        }.start()
        let response = try #require(try busy.readResponse())
        #expect(response.text == "done")
        #expect(response.headers["Connection"] == "close")
        #expect(try idle.isClosedWithoutMoreData())
        done.wait()
        #expect(ContinuousClock.now - start < .seconds(3))
        #expect(throws: TestClientError.self) { try TestClient(port: port) }
    }

    /// A process-directed SIGTERM must reach Dispatch's signalfd: if a connection thread took it, it was lost.
    @Test func serverThreadsBlockAsynchronousSignals() throws {
        var router = Router()
        router.get("/mask") { _, _ in
            var mask = sigset_t()
            pthread_sigmask(SIG_BLOCK, nil, &mask)
            let blocked = [SIGTERM, SIGINT, SIGUSR2].allSatisfy { sigismember(&mask, $0) == 1 }
            return Response(text: blocked ? "blocked" : "deliverable")
        }
        // Started from a thread that blocks nothing, like a program's main thread (test threads are Dispatch
        // workers, which block every signal and would hide the problem).
        let server = HTTPServer(configuration: HTTPServerConfiguration(port: 0), router: router, logger: { _ in })
        defer { server.shutdown(deadline: .now + .seconds(2)) }
        let started = DispatchSemaphore(value: 0)
        Thread {
            var none = sigset_t()
            sigemptyset(&none)
            pthread_sigmask(SIG_SETMASK, &none, nil)
            try? server.start()
            started.signal()
        }.start()
        started.wait()
        let client = try TestClient(port: server.port)
        try client.send(ServerFixture.get("/mask"))
        #expect(try client.readResponse()?.text == "blocked")
    }

    @Test func signalHandlerShutsDown() throws {
        let server = HTTPServer(
            configuration: HTTPServerConfiguration(port: 0), router: ServerFixture.router(), logger: { _ in })
        try server.start()
        let port = server.port
        server.installSignalHandlers([SIGUSR2])
        let stopped = DispatchSemaphore(value: 0)
        Thread {
            server.waitUntilStopped()
            stopped.signal()
        }.start()
        // A Dispatch signal source is registered asynchronously: send until it has been seen.
        var attempts = 0
        while stopped.wait(timeout: .now() + .milliseconds(100)) == .timedOut, attempts < 50 {
            kill(getpid(), SIGUSR2)
            attempts += 1
        }
        #expect(attempts < 50)
        #expect(throws: TestClientError.self) { try TestClient(port: port) }
    }
}
