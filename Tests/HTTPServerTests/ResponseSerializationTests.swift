import Testing
@testable import HTTPServer

@Suite struct ResponseSerializationTests {
    static let date = Array("Thu, 01 Jan 1970 00:00:00 GMT".utf8)

    static func head(_ response: Response, _ framing: Response.Framing, _ connection: String? = nil) -> String {
        var bytes: [UInt8] = []
        response.appendHead(to: &bytes, framing: framing, connection: connection, date: date)
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func serverOwnsFramingHeaders() {
        let response = Response(status: .created, headers: ["Content-Length": "999", "X-A": "1", "Date": "x"], text: "hi")
        #expect(Self.head(response, .length(2), "close") == "HTTP/1.1 201 Created\r\nX-A: 1\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\nDate: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
            + "Content-Length: 2\r\nConnection: close\r\n\r\n")
    }

    @Test func headerValuesCannotSplitTheResponse() {
        let response = Response(headers: ["Location": "/a\r\nSet-Cookie: evil=1"])
        #expect(Self.head(response, .none).contains("Location: /a  Set-Cookie: evil=1\r\n"))
    }

    @Test func imfFixdate() {
        #expect(String(decoding: HTTPDate.format(784_111_777), as: UTF8.self) == "Sun, 06 Nov 1994 08:49:37 GMT")
    }
}
