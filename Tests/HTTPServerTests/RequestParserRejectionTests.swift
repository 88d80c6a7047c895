import Testing
@testable import HTTPServer

/// One malformed or over-limit request and the error it must get.
struct Rejection: Sendable, CustomTestStringConvertible {
    let name: String
    let raw: String
    let status: Int
    let kind: HTTPError.Kind
    var limits = ParserLimits()

    var testDescription: String { name }
}

@Suite struct RequestParserRejectionTests {
    static let host = "Host: a\r\n"

    static let requestLine: [Rejection] = [
        Rejection(name: "HTTP/2.0 → 505", raw: "GET / HTTP/2.0\r\n\(host)\r\n", status: 505, kind: .versionNotSupported),
        Rejection(name: "HTTP/1.2 → 505", raw: "GET / HTTP/1.2\r\n\(host)\r\n", status: 505, kind: .versionNotSupported),
        Rejection(name: "lowercase version", raw: "GET / http/1.1\r\n\(host)\r\n", status: 400, kind: .invalidRequestLine),
        Rejection(name: "version with extra digit", raw: "GET / HTTP/1.10\r\n\(host)\r\n", status: 400, kind: .invalidRequestLine),
        Rejection(name: "double space", raw: "GET  / HTTP/1.1\r\n\(host)\r\n", status: 400, kind: .invalidRequestLine),
        Rejection(name: "no version", raw: "GET /\r\n\(host)\r\n", status: 400, kind: .invalidRequestLine),
        Rejection(name: "bad method char", raw: "G@T / HTTP/1.1\r\n\(host)\r\n", status: 400, kind: .invalidRequestLine),
        Rejection(name: "bare LF request-line", raw: "GET / HTTP/1.1\n\(host)\r\n", status: 400, kind: .invalidRequestLine),
        Rejection(name: "bare CR in request-line", raw: "GET /\r HTTP/1.1\r\n\(host)\r\n", status: 400, kind: .invalidRequestLine),
        Rejection(name: "control char in target", raw: "GET /a\u{7F} HTTP/1.1\r\n\(host)\r\n", status: 400, kind: .invalidRequestLine),
        Rejection(name: "non-ASCII target", raw: "GET /ü HTTP/1.1\r\n\(host)\r\n", status: 400, kind: .invalidRequestLine),
        Rejection(name: "request-line too long", raw: "GET /\(String(repeating: "a", count: 100)) HTTP/1.1\r\n\(host)\r\n",
                  status: 414, kind: .requestLineTooLong, limits: ParserLimits(maxRequestLineBytes: 64)),
        Rejection(name: "request-line too long before its CRLF", raw: "GET /\(String(repeating: "a", count: 100))",
                  status: 414, kind: .requestLineTooLong, limits: ParserLimits(maxRequestLineBytes: 64)),
    ]

    static let target: [Rejection] = [
        Rejection(name: "relative target", raw: "GET a/b HTTP/1.1\r\n\(host)\r\n", status: 400, kind: .invalidTarget),
        Rejection(name: "ftp absolute-form", raw: "GET ftp://a/b HTTP/1.1\r\n\(host)\r\n", status: 400, kind: .invalidTarget),
        Rejection(name: "userinfo", raw: "GET http://u@a/b HTTP/1.1\r\n\(host)\r\n", status: 400, kind: .invalidTarget),
        Rejection(name: "asterisk with GET", raw: "GET * HTTP/1.1\r\n\(host)\r\n", status: 400, kind: .invalidTarget),
        Rejection(name: "fragment", raw: "GET /a#b HTTP/1.1\r\n\(host)\r\n", status: 400, kind: .invalidTarget),
        Rejection(name: "bad percent escape", raw: "GET /a%zz HTTP/1.1\r\n\(host)\r\n", status: 400, kind: .invalidTarget),
        Rejection(name: "truncated percent escape", raw: "GET /a%2 HTTP/1.1\r\n\(host)\r\n", status: 400, kind: .invalidTarget),
        Rejection(name: "percent-encoded NUL", raw: "GET /a%00 HTTP/1.1\r\n\(host)\r\n", status: 400, kind: .invalidTarget),
        Rejection(name: "invalid UTF-8", raw: "GET /a%FF HTTP/1.1\r\n\(host)\r\n", status: 400, kind: .invalidTarget),
        Rejection(name: "bad escape in query", raw: "GET /a?x=%G0 HTTP/1.1\r\n\(host)\r\n", status: 400, kind: .invalidTarget),
    ]

    static let fields: [Rejection] = [
        Rejection(name: "obs-fold", raw: "GET / HTTP/1.1\r\n\(host)X: a\r\n  b\r\n\r\n", status: 400, kind: .invalidHeader),
        Rejection(name: "whitespace before first field", raw: "GET / HTTP/1.1\r\n \(host)\r\n", status: 400, kind: .invalidHeader),
        Rejection(name: "space before colon", raw: "GET / HTTP/1.1\r\nHost : a\r\n\r\n", status: 400, kind: .invalidHeader),
        Rejection(name: "tab before colon", raw: "GET / HTTP/1.1\r\n\(host)X\t: a\r\n\r\n", status: 400, kind: .invalidHeader),
        Rejection(name: "no colon", raw: "GET / HTTP/1.1\r\n\(host)Nocolon\r\n\r\n", status: 400, kind: .invalidHeader),
        Rejection(name: "empty name", raw: "GET / HTTP/1.1\r\n\(host): a\r\n\r\n", status: 400, kind: .invalidHeader),
        Rejection(name: "NUL in value", raw: "GET / HTTP/1.1\r\n\(host)X: a\u{0}b\r\n\r\n", status: 400, kind: .invalidHeader),
        Rejection(name: "control in value", raw: "GET / HTTP/1.1\r\n\(host)X: a\u{1}b\r\n\r\n", status: 400, kind: .invalidHeader),
        Rejection(name: "DEL in value", raw: "GET / HTTP/1.1\r\n\(host)X: a\u{7F}b\r\n\r\n", status: 400, kind: .invalidHeader),
        Rejection(name: "bare CR in value", raw: "GET / HTTP/1.1\r\n\(host)X: a\rb\r\n\r\n", status: 400, kind: .invalidHeader),
        Rejection(name: "bare LF line", raw: "GET / HTTP/1.1\r\n\(host)X: a\n\r\n", status: 400, kind: .invalidHeader),
        Rejection(name: "header bytes", raw: "GET / HTTP/1.1\r\n\(host)X: \(String(repeating: "v", count: 80))\r\n\r\n",
                  status: 431, kind: .headersTooLarge, limits: ParserLimits(maxHeaderBytes: 64)),
        Rejection(name: "header bytes before the end", raw: "GET / HTTP/1.1\r\n\(host)X: \(String(repeating: "v", count: 80))",
                  status: 431, kind: .headersTooLarge, limits: ParserLimits(maxHeaderBytes: 64)),
        Rejection(name: "header count", raw: "GET / HTTP/1.1\r\n\(host)A: 1\r\nB: 2\r\nC: 3\r\n\r\n",
                  status: 431, kind: .headersTooLarge, limits: ParserLimits(maxHeaderCount: 3)),
        Rejection(name: "missing Host", raw: "GET / HTTP/1.1\r\n\r\n", status: 400, kind: .invalidHost),
        Rejection(name: "two Hosts", raw: "GET / HTTP/1.1\r\n\(host)\(host)\r\n", status: 400, kind: .invalidHost),
        Rejection(name: "two Hosts in HTTP/1.0", raw: "GET / HTTP/1.0\r\n\(host)\(host)\r\n", status: 400, kind: .invalidHost),
        Rejection(name: "Host with space", raw: "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", status: 400, kind: .invalidHost),
        Rejection(name: "Host with slash", raw: "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", status: 400, kind: .invalidHost),
        Rejection(name: "unknown expectation", raw: "GET / HTTP/1.1\r\n\(host)Expect: 200-ok\r\n\r\n",
                  status: 417, kind: .expectationFailed),
    ]

    static let framing: [Rejection] = [
        Rejection(name: "CL not digits", raw: "POST / HTTP/1.1\r\n\(host)Content-Length: abc\r\n\r\n", status: 400, kind: .invalidContentLength),
        Rejection(name: "CL with sign", raw: "POST / HTTP/1.1\r\n\(host)Content-Length: +5\r\n\r\n", status: 400, kind: .invalidContentLength),
        Rejection(name: "CL negative", raw: "POST / HTTP/1.1\r\n\(host)Content-Length: -1\r\n\r\n", status: 400, kind: .invalidContentLength),
        Rejection(name: "CL hex", raw: "POST / HTTP/1.1\r\n\(host)Content-Length: 0x5\r\n\r\n", status: 400, kind: .invalidContentLength),
        Rejection(name: "CL empty", raw: "POST / HTTP/1.1\r\n\(host)Content-Length: \r\n\r\n", status: 400, kind: .invalidContentLength),
        Rejection(name: "CL list that differs", raw: "POST / HTTP/1.1\r\n\(host)Content-Length: 5, 6\r\n\r\n", status: 400, kind: .invalidContentLength),
        Rejection(name: "two CLs that differ", raw: "POST / HTTP/1.1\r\n\(host)Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
                  status: 400, kind: .invalidContentLength),
        Rejection(name: "CL over the body limit", raw: "POST / HTTP/1.1\r\n\(host)Content-Length: 1073741824\r\n\r\n",
                  status: 413, kind: .payloadTooLarge),
        Rejection(name: "CL beyond Int", raw: "POST / HTTP/1.1\r\n\(host)Content-Length: 99999999999999999999999\r\n\r\n",
                  status: 413, kind: .payloadTooLarge),
        Rejection(name: "CL and TE", raw: "POST / HTTP/1.1\r\n\(host)Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
                  status: 400, kind: .invalidFraming),
        Rejection(name: "TE and CL", raw: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
                  status: 400, kind: .invalidFraming),
        Rejection(name: "TE in HTTP/1.0", raw: "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", status: 400, kind: .invalidFraming),
        Rejection(name: "TE not ending in chunked", raw: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked, gzip\r\n\r\n",
                  status: 400, kind: .invalidFraming),
        Rejection(name: "TE gzip only", raw: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: gzip\r\n\r\n", status: 400, kind: .invalidFraming),
        Rejection(name: "chunked twice", raw: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
                  status: 400, kind: .invalidFraming),
        Rejection(name: "unknown coding → 501", raw: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: gzip, chunked\r\n\r\n",
                  status: 501, kind: .unsupportedTransferCoding),
        Rejection(name: "made-up coding → 501", raw: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: foo\r\nTransfer-Encoding: chunked\r\n\r\n",
                  status: 501, kind: .unsupportedTransferCoding),
    ]

    static let chunked: [Rejection] = [
        Rejection(name: "chunk size not hex", raw: chunkedRequest("zz\r\nhello\r\n0\r\n\r\n"), status: 400, kind: .invalidChunk),
        Rejection(name: "negative chunk size", raw: chunkedRequest("-5\r\nhello\r\n0\r\n\r\n"), status: 400, kind: .invalidChunk),
        Rejection(name: "0x chunk size", raw: chunkedRequest("0x5\r\nhello\r\n0\r\n\r\n"), status: 400, kind: .invalidChunk),
        Rejection(name: "empty chunk size", raw: chunkedRequest("\r\nhello\r\n0\r\n\r\n"), status: 400, kind: .invalidChunk),
        Rejection(name: "chunk size overflow", raw: chunkedRequest("10000000000000005\r\nhello\r\n0\r\n\r\n"), status: 400, kind: .invalidChunk),
        Rejection(name: "space inside chunk size", raw: chunkedRequest("5 5\r\nhello\r\n0\r\n\r\n"), status: 400, kind: .invalidChunk),
        Rejection(name: "chunk data too long", raw: chunkedRequest("5\r\nhello!\r\n0\r\n\r\n"), status: 400, kind: .invalidChunk),
        Rejection(name: "chunk size line with bare LF", raw: chunkedRequest("5\nhello\r\n0\r\n\r\n"), status: 400, kind: .invalidChunk),
        Rejection(name: "control in chunk extension", raw: chunkedRequest("5;a=\u{1}\r\nhello\r\n0\r\n\r\n"), status: 400, kind: .invalidChunk),
        Rejection(name: "bad trailer", raw: chunkedRequest("5\r\nhello\r\n0\r\nBad Trailer: x\r\n\r\n"), status: 400, kind: .invalidHeader),
        Rejection(name: "chunked body over the limit", raw: chunkedRequest("4\r\nabcd\r\n4\r\nefgh\r\n0\r\n\r\n"),
                  status: 413, kind: .payloadTooLarge, limits: ParserLimits(maxBodyBytes: 6)),
        Rejection(name: "announced chunk over the limit", raw: chunkedRequest("ffffff\r\nabc"),
                  status: 413, kind: .payloadTooLarge, limits: ParserLimits(maxBodyBytes: 1024)),
    ]

    static func chunkedRequest(_ body: String) -> String {
        "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n\(body)"
    }

    @Test(arguments: requestLine + target + fields + framing + chunked)
    func isRejected(_ rejection: Rejection) {
        let error = RequestParser.rejection(rejection.raw, limits: rejection.limits)
        #expect(error?.status.code == rejection.status)
        #expect(error?.kind == rejection.kind)
    }

    @Test func announcedBodyIsRejectedBeforeItArrives() {
        // Only the head of a 1 GB upload: the parser answers 413 without waiting for (or buffering) the body.
        let error = RequestParser.rejection("PUT /big HTTP/1.1\r\n\(Self.host)Content-Length: 1000000000\r\n\r\n")
        #expect(error?.status == .payloadTooLarge)
    }

    @Test func tinyChunkOverheadIsBounded() {
        let body = String(repeating: "1;padding-padding-padding\r\nx\r\n", count: 3000)
        let error = RequestParser.rejection(Self.chunkedRequest(body), limits: ParserLimits(maxBodyBytes: 4096))
        #expect(error?.status == .payloadTooLarge)
    }
}
