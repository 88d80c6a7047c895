import Foundation
import Testing
@testable import HTTPServer

/// A receiver that keeps the body's first `skip` bytes from the prefix and places the rest in memory of its own;
/// or misbehaves as `mode` says.
private final class TestReceiver: BodyReceiver, @unchecked Sendable {
    enum Mode: String { case place, decline, short, forever }
    let mode: Mode
    static let skip = 4
    private(set) var taken: [UInt8] = []
    private(set) var memory: UnsafeMutableRawBufferPointer?

    init(_ mode: Mode) { self.mode = mode }
    deinit { memory?.deallocate() }

    func place(prefix: UnsafeRawBufferPointer, bodyLength: Int) -> BodyPlacement {
        switch mode {
        case .decline: return .decline
        case .forever: return .needMore
        case .place, .short:
            guard prefix.count >= Self.skip else { return .needMore }
            taken = Array(prefix[0..<Self.skip])
            let count = bodyLength - Self.skip - (mode == .short ? 1 : 0)
            memory = .allocate(byteCount: count, alignment: 64)
            return .into(memory!, from: Self.skip)
        }
    }

    /// The whole body, once the server has read it in.
    var body: [UInt8] { taken + (memory.map { Array($0) } ?? []) }
}

/// Memory a borrowed response body lives in.
private final class Owned: @unchecked Sendable {
    let bytes: UnsafeMutableRawBufferPointer
    init(_ values: [UInt8]) {
        bytes = .allocate(byteCount: values.count, alignment: 64)
        values.withUnsafeBytes { bytes.copyMemory(from: $0) }
    }
    deinit { bytes.deallocate() }
}

/// Bodies read straight into a route's memory (`BodyReceiver`) and answers sent from borrowed memory.
@Suite struct BodyReceiverTests {
    static func router() -> Router {
        var router = ServerFixture.router()
        router.add(.post, "/receive/{mode}", receiver: { _, parameters in
            TestReceiver.Mode(rawValue: parameters["mode"] ?? "").map(TestReceiver.init)
        }) { request, _ in
            guard let receiver = request.bodyReceiver as? TestReceiver else {
                return Response(text: "array \(ServerFixture.digest(request.body))")
            }
            // `body` stays empty: the bytes went to the receiver.
            return Response(text: "receiver \(ServerFixture.digest(receiver.body)) \(request.body.count)")
        }
        router.get("/borrowed/{n}") { _, parameters in
            let n = Int(parameters["n"] ?? "") ?? 0
            let owned = Owned((0..<n).map { UInt8(truncatingIfNeeded: $0 &* 7) })
            return Response(status: .ok, headers: [:],
                            body: .borrowed(prefix: Array("head:".utf8), memory: BorrowedBytes(UnsafeRawBufferPointer(owned.bytes), owner: owned)))
        }
        return router
    }

    static func body(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) } }

    /// Sends a POST whose body follows its head in two writes (the first cut inside the receiver's prefix), and
    /// returns the answer's text.
    static func post(_ client: TestClient, _ path: String, _ body: [UInt8], cutAt cut: Int = 2) throws -> String {
        try client.send(Array("POST \(path) HTTP/1.1\r\nHost: a\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body[..<cut])
        Thread.sleep(forTimeInterval: 0.02)
        try client.send(Array(body[cut...]))
        return try #require(try client.readResponse()).text
    }

    /// A body larger than the read buffer, arriving in pieces, lands in the receiver's memory (after the bytes it
    /// took from the prefix) whole and in order; the connection then serves the next request as usual.
    @Test func aPlacedBodyArrivesInTheReceiversMemory() throws {
        try ServerFixture.withServer(router: Self.router()) { server in
            let client = try TestClient(port: server.port)
            for count in [200_000, 40_000] {
                let body = Self.body(count)
                #expect(try Self.post(client, "/receive/place", body) == "receiver \(ServerFixture.digest(body)) 0", "\(count) bytes")
            }
            try client.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc")
            #expect(try client.readResponse()?.text == #"{"ok":true,"n":3}"#)
        }
    }

    /// A receiver that declines, places the body against the rules (memory one byte short), or keeps asking for
    /// more past `maxPrefixBytes` gets nothing: the body goes into `Request.body` as usual.
    @Test func aDeclinedOrMisplacedBodyGoesIntoTheRequest() throws {
        try ServerFixture.withServer(router: Self.router()) { server in
            let client = try TestClient(port: server.port)
            let body = Self.body(100_000)
            for mode in ["decline", "short", "forever"] {
                #expect(try Self.post(client, "/receive/\(mode)", body) == "array \(ServerFixture.digest(body))", "\(mode)")
            }
            // A body that arrives with its head is never offered.
            let small = Self.body(10)
            try client.send(Array("POST /receive/place HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n".utf8) + small)
            #expect(try client.readResponse()?.text == "array \(ServerFixture.digest(small))")
        }
    }

    /// `Expect: 100-continue` is answered before the receiver sees any of the body; a client that leaves in the
    /// middle of a placed body costs the server nothing.
    @Test func continueAndAbandonedBodies() throws {
        try ServerFixture.withServer(router: Self.router()) { server in
            let client = try TestClient(port: server.port)
            let body = Self.body(70_000)
            try client.send("POST /receive/place HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: \(body.count)\r\n\r\n")
            #expect(try client.readResponse()?.status == 100)
            try client.send(body)
            #expect(try client.readResponse()?.text == "receiver \(ServerFixture.digest(body)) 0")
            let leaving = try TestClient(port: server.port)
            try leaving.send(Array("POST /receive/place HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\n\r\n".utf8) + body)
            leaving.close()
            #expect(try ServerFixture.stillServes(server))
        }
    }

    /// A borrowed body goes out behind its prefix, with one Content-Length: small ones in the head's send, large
    /// ones from the owner's memory; HEAD gets the length and no body.
    @Test func borrowedBodiesAreSentFromTheirOwnersMemory() throws {
        try ServerFixture.withServer(router: Self.router()) { server in
            let client = try TestClient(port: server.port)
            for n in [0, 10, 300_000] {
                try client.send(ServerFixture.get("/borrowed/\(n)"))
                let response = try #require(try client.readResponse())
                #expect(response.headers["Content-Length"] == "\(n + 5)")
                #expect(response.body == Array("head:".utf8) + (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 7) }, "\(n) bytes")
            }
            try client.send("HEAD /borrowed/300000 HTTP/1.1\r\nHost: a\r\n\r\n")
            let head = try #require(try client.readResponse(isHead: true))
            #expect(head.headers["Content-Length"] == "300005" && head.body.isEmpty)
            try client.send(ServerFixture.get("/hello"))
            #expect(try client.readResponse()?.text == "hello")
        }
    }
}
