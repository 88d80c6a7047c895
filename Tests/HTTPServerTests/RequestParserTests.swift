import Testing
@testable import HTTPServer

@Suite struct RequestParserTests {
    @Test(arguments: ParserFixtures.validRequests)
    func everyTruncatedPrefixIsIncomplete(_ raw: String) throws {
        let bytes = Array(raw.utf8)
        for length in 0..<bytes.count {
            var parser = RequestParser()
            let result = try parser.parse(Array(bytes[..<length]))
            guard case .incomplete = result else {
                Issue.record("prefix of \(length) bytes was not incomplete: \(raw.debugDescription)")
                return
            }
        }
        guard case .complete(_, let consumed) = try RequestParser.parse(raw) else {
            Issue.record("not complete: \(raw.debugDescription)")
            return
        }
        #expect(consumed == bytes.count)
    }

    @Test(arguments: ParserFixtures.validRequests)
    func feedingByteByByteGivesTheSameRequest(_ raw: String) throws {
        let bytes = Array(raw.utf8)
        var parser = RequestParser()
        for length in 0..<bytes.count {
            guard case .incomplete = try parser.parse(Array(bytes[..<length])) else {
                Issue.record("complete early at \(length)")
                return
            }
        }
        guard case .complete(let incremental, let consumed) = try parser.parse(bytes),
              let whole = try RequestParser.request(raw)
        else {
            Issue.record("not complete")
            return
        }
        #expect(consumed == bytes.count)
        #expect(incremental.body == whole.body)
        #expect(incremental.headers == whole.headers)
        #expect(incremental.trailers == whole.trailers)
        #expect(incremental.path == whole.path)
    }

    @Test func requestLineAndHeaders() throws {
        let request = try #require(try RequestParser.request(
            "GET /v1/jobs HTTP/1.1\r\nHost: example.com\r\nAccept:  */* \r\nX-A: 1\r\nx-a: 2\r\n\r\n"))
        #expect(request.method == .get)
        #expect(request.target == "/v1/jobs")
        #expect(request.version == .http1_1)
        #expect(request.host == "example.com")
        #expect(request.headers["accept"] == "*/*")
        #expect(request.headers.values(for: "X-A") == ["1", "2"])
        #expect(request.headers.fields.map(\.name) == ["Host", "Accept", "X-A", "x-a"])
        #expect(request.body.isEmpty)
    }

    @Test func percentDecodesPathAndQuery() throws {
        let request = try #require(try RequestParser.request(
            "GET /a%20b/%E2%9C%93?name=J%C3%BCrgen+M&empty=&flag&x=a%26b HTTP/1.1\r\nHost: a\r\n\r\n"))
        #expect(request.path == "/a b/✓")
        #expect(request.query == [
            QueryItem(name: "name", value: "Jürgen M"), QueryItem(name: "empty", value: ""),
            QueryItem(name: "flag", value: ""), QueryItem(name: "x", value: "a&b"),
        ])
        #expect(request.queryValue("flag") == "")
    }

    @Test func absoluteFormTakesTheAuthorityAsHost() throws {
        let request = try #require(try RequestParser.request(
            "GET http://example.com:8080/a%20b?q=1 HTTP/1.1\r\nHost: other\r\n\r\n"))
        #expect(request.path == "/a b")
        #expect(request.host == "example.com:8080")
        #expect(request.query == [QueryItem(name: "q", value: "1")])
        let bare = try #require(try RequestParser.request("GET http://example.com HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(bare.path == "/")
    }

    @Test func contentLengthBody() throws {
        let raw = "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET"
        guard case .complete(let request, let consumed) = try RequestParser.parse(raw) else {
            Issue.record("incomplete")
            return
        }
        #expect(String(decoding: request.body, as: UTF8.self) == "hello")
        #expect(consumed == raw.utf8.count - 3)
    }

    @Test func identicalContentLengthsAreOneLength() throws {
        let request = try #require(try RequestParser.request(
            "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3, 3\r\n\r\nabc"))
        #expect(request.body == Array("abc".utf8))
    }

    @Test func chunkedBodyWithExtensionsAndTrailers() throws {
        let request = try #require(try RequestParser.request(ParserFixtures.validRequests[5]))
        #expect(String(decoding: request.body, as: UTF8.self) == "hello world")
        #expect(request.trailers["x-trailer"] == "t")
        #expect(request.headers["X-Trailer"] == nil)
    }

    @Test func pipelinedRequestsParseOneAtATime() throws {
        let first = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
        let second = "POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nok"
        let bytes = Array((first + second).utf8)
        var parser = RequestParser()
        guard case .complete(let one, let consumed) = try parser.parse(bytes) else {
            Issue.record("first incomplete")
            return
        }
        #expect(one.path == "/1")
        #expect(consumed == first.utf8.count)
        guard case .complete(let two, let rest) = try parser.parse(Array(bytes[consumed...])) else {
            Issue.record("second incomplete")
            return
        }
        #expect(two.path == "/2")
        #expect(two.body == Array("ok".utf8))
        #expect(rest == second.utf8.count)
    }

    @Test func expectContinueIsReportedWhileTheBodyIsMissing() throws {
        var parser = RequestParser()
        let head = "PUT /t HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n"
        guard case .incomplete = try parser.parse(Array(head.utf8)) else {
            Issue.record("complete without a body")
            return
        }
        #expect(parser.isAwaitingContinue)
        #expect(parser.isReadingBody)
        guard case .complete = try parser.parse(Array((head + "abc").utf8)) else {
            Issue.record("incomplete with the body")
            return
        }
        #expect(!parser.isAwaitingContinue)
        // RFC 9110 §10.1.1: never 100 to an HTTP/1.0 client.
        var old = RequestParser()
        _ = try old.parse(Array("PUT /t HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n".utf8))
        #expect(!old.isAwaitingContinue)
    }

    @Test func keepAliveFollowsVersionAndConnection() throws {
        func keepAlive(_ version: String, _ connection: String?) throws -> Bool {
            let field = connection.map { "Connection: \($0)\r\n" } ?? ""
            return try #require(try RequestParser.request("GET / \(version)\r\nHost: a\r\n\(field)\r\n")).wantsKeepAlive
        }
        #expect(try keepAlive("HTTP/1.1", nil))
        #expect(try !keepAlive("HTTP/1.1", "close"))
        #expect(try !keepAlive("HTTP/1.1", "Upgrade, Close"))
        #expect(try !keepAlive("HTTP/1.0", nil))
        #expect(try keepAlive("HTTP/1.0", "Keep-Alive"))
    }

    @Test func limitsAtTheirBoundAreAccepted() throws {
        let limits = ParserLimits(maxRequestLineBytes: 16, maxHeaderBytes: 20, maxHeaderCount: 2, maxBodyBytes: 4)
        // "GET /abc HTTP/1.1" is 17 bytes: one over; "GET /ab HTTP/1.1" is 16.
        #expect(try RequestParser.request("GET /ab HTTP/1.1\r\nHost: a\r\n\r\n", limits: limits) != nil)
        #expect(RequestParser.rejection("GET /abc HTTP/1.1\r\nHost: a\r\n\r\n", limits: limits)?.status == .uriTooLong)
        // Field section "Host: a\r\nX: 1234\r\n\r\n" is exactly 20 bytes; one more is over.
        #expect(try RequestParser.request("GET / HTTP/1.1\r\nHost: a\r\nX: 1234\r\n\r\n", limits: limits) != nil)
        #expect(RequestParser.rejection("GET / HTTP/1.1\r\nHost: a\r\nX: 12345\r\n\r\n", limits: limits)?.status == .requestHeaderFieldsTooLarge)
        #expect(try RequestParser.request(
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nabcd",
            limits: ParserLimits(maxBodyBytes: 4)) != nil)
    }
}
