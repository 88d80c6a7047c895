import Testing
@testable import TensorService

/// The byte-level JSON `Content-Type` check gives what the `String` path gives, ASCII or not.
@Suite struct ContentTypeTests {
    static let values = [
        "application/json", "Application/JSON; charset=utf-8", " application/json ", "\tapplication/json\t;x",
        "application/vnd.api+json", "application/problem+JSON;q=1", "+json", "+JSON ", "json", "application/jsonx",
        "text/plain", "application/x-npy", "", ";", " ; application/json", "application /json", "applicätion/json",
        "application/ld+json\u{00A0}", "\u{00A0}application/json", "application/json;", "APPLICATION/JSON",
    ]

    @Test(arguments: values) func agreesWithTheMediaRange(_ value: String) {
        #expect(TensorFormat.isJSONContentType(value) == TensorFormat.isJSON(TensorFormat.mediaRange(value)))
    }

    @Test func decidesTheCommonCases() {
        #expect(TensorFormat.isJSONContentType("application/json"))
        #expect(TensorFormat.isJSONContentType("Application/Merge-Patch+JSON; charset=utf-8"))
        #expect(!TensorFormat.isJSONContentType("text/plain; charset=utf-8"))
        #expect(!TensorFormat.isJSONContentType(""))
    }
}
