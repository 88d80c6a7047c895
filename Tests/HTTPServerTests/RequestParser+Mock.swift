@testable import HTTPServer

/// Valid requests used by the parser tests; every prefix of each must parse as `.incomplete`.
enum ParserFixtures {
    static let validRequests: [String] = [
        "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /x HTTP/1.0\r\n\r\n",
        "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "POST /v1/jobs?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
        "PUT /t HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
        "POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;name=value\r\nhello\r\n6 ; x\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n",
        "GET http://example.com:8080/a%20b?q=1 HTTP/1.1\r\nHost: example.com:8080\r\n\r\n",
        "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
    ]
}

extension RequestParser {
    /// Parses a string literal with a fresh parser.
    static func parse(_ raw: String, limits: ParserLimits = ParserLimits()) throws(HTTPError) -> Result {
        var parser = RequestParser(limits: limits)
        return try parser.parse(Array(raw.utf8))
    }

    /// The request a complete string literal parses to, or nil.
    static func request(_ raw: String, limits: ParserLimits = ParserLimits()) throws(HTTPError) -> Request? {
        guard case .complete(let request, _) = try parse(raw, limits: limits) else { return nil }
        return request
    }

    /// The error a string literal is rejected with, or nil when it is not rejected.
    static func rejection(_ raw: String, limits: ParserLimits = ParserLimits()) -> HTTPError? {
        do {
            _ = try parse(raw, limits: limits)
            return nil
        } catch {
            return error
        }
    }
}
