import Foundation
import Testing
@testable import HTTPServer

/// Hostile clients: each gets its 4xx (or is cut off) and the server keeps serving everyone else.
@Suite struct ServerHostileTests {
    @Test func slowlorisIsCutOffWithinTheHeaderTimeout() throws {
        let configuration = HTTPServerConfiguration(headerReadTimeout: .milliseconds(500))
        try ServerFixture.withServer(configuration) { server in
            let client = try TestClient(port: server.port)
            let start = ContinuousClock.now
            try client.send("GET /hello HTTP/1.1\r\nHost: a\r\n")
            // One header byte every 100 ms: each read resets no timer; the whole head must arrive in 500 ms.
            var cutOff = false
            for byte in "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".utf8 where !cutOff {
                Thread.sleep(forTimeInterval: 0.1)
                do { try client.send([byte]) } catch { cutOff = true }
                if ContinuousClock.now - start > .seconds(3) { break }
            }
            client.setTimeout(2)
            let response = try client.readResponse()
            #expect(response?.status == 408)
            #expect(ContinuousClock.now - start < .seconds(2))
            #expect(try ServerFixture.stillServes(server))
        }
    }

    @Test func gigabyteContentLengthIsAnswered413WithoutReadingIt() throws {
        try ServerFixture.withServer { server in
            let client = try TestClient(port: server.port)
            try client.send("PUT /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000000\r\n\r\n")
            try client.send([UInt8](repeating: 0x61, count: 64 * 1024))
            let response = try #require(try client.readResponse())
            #expect(response.status == 413)
            #expect(response.headers["Connection"] == "close")
            #expect(try client.isClosedWithoutMoreData())
            #expect(try ServerFixture.stillServes(server))
        }
    }

    static let smuggling: [(String, String)] = [
        ("CL and TE", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "0\r\n\r\nGET /hello HTTP/1.1\r\nHost: a\r\n\r\n"),
        ("two different CLs", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 37\r\n\r\n"
            + "GET /hello HTTP/1.1\r\nHost: a\r\n\r\n"),
        ("bad chunk size", "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "-1\r\nGET /hello HTTP/1.1\r\nHost: a\r\n\r\n"),
        ("chunk size overflow", "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "100000000000000000\r\n\r\nGET /hello HTTP/1.1\r\nHost: a\r\n\r\n"),
        ("TE with obs-fold", "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\n\r\n"
            + "0\r\n\r\nGET /hello HTTP/1.1\r\nHost: a\r\n\r\n"),
        ("space before colon", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length : 37\r\n\r\n"
            + "GET /hello HTTP/1.1\r\nHost: a\r\n\r\n"),
    ]

    @Test(arguments: smuggling.map(\.0))
    func smugglingIsRejectedWithNoSecondResponse(_ name: String) throws {
        let raw = try #require(Self.smuggling.first { $0.0 == name }?.1)
        try ServerFixture.withServer { server in
            let client = try TestClient(port: server.port)
            try client.send(raw)
            let response = try #require(try client.readResponse())
            #expect(response.status == 400)
            #expect(response.headers["Connection"] == "close")
            #expect(try client.isClosedWithoutMoreData())
            #expect(try ServerFixture.stillServes(server))
        }
    }

    @Test func garbageGets400AndTheServerCarriesOn() throws {
        try ServerFixture.withServer { server in
            let client = try TestClient(port: server.port)
            try client.send("\u{1}\u{2}garbage\r\n\r\n")
            #expect(try client.readResponse()?.status == 400)
            #expect(try client.isClosedWithoutMoreData())
            #expect(try ServerFixture.stillServes(server))
        }
    }

    @Test func bodyThatStopsArrivingTimesOut() throws {
        try ServerFixture.withServer(HTTPServerConfiguration(bodyReadTimeout: .milliseconds(300))) { server in
            let client = try TestClient(port: server.port)
            try client.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc")
            #expect(try client.readResponse()?.status == 408)
            #expect(try ServerFixture.stillServes(server))
        }
    }

    @Test func clientThatVanishesMidRequestDoesNotHurtOthers() throws {
        try ServerFixture.withServer { server in
            for _ in 0..<20 {
                let client = try TestClient(port: server.port)
                try client.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nabc")
            }
            #expect(try ServerFixture.stillServes(server))
        }
    }
}
