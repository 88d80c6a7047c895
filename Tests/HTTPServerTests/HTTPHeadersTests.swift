import Testing
@testable import HTTPServer

@Suite struct HTTPHeadersTests {
    @Test func keepsOrderAndDuplicatesWithCaseInsensitiveLookup() {
        var headers: HTTPHeaders = ["Content-Type": "text/plain"]
        headers.add("Set-Cookie", "a=1")
        headers.add("set-cookie", "b=2")
        #expect(headers["CONTENT-TYPE"] == "text/plain")
        #expect(headers.values(for: "Set-Cookie") == ["a=1", "b=2"])
        headers.set("SET-COOKIE", "c=3")
        #expect(headers.fields.map(\.value) == ["text/plain", "c=3"])
        headers["Content-Type"] = nil
        #expect(headers.count == 1)
    }

    @Test func listTokens() {
        let headers: HTTPHeaders = ["Connection": "Upgrade, Keep-Alive"]
        #expect(headers.containsToken("keep-alive", in: "connection"))
        #expect(!headers.containsToken("close", in: "connection"))
    }
}
