import Testing
@testable import HTTPServer

@Suite struct RouterTests {
    static func router() -> Router {
        var router = Router()
        router.get("/v1/jobs") { _, _ in Response(text: "list") }
        router.post("/v1/jobs") { _, _ in Response(text: "create") }
        router.get("/v1/jobs/{id}") { _, parameters in Response(text: "job \(parameters["id"]!)") }
        router.delete("/v1/jobs/{id}") { _, parameters in Response(text: "delete \(parameters["id"]!)") }
        router.get("/v1/jobs/stats") { _, _ in Response(text: "stats") }
        router.get("/v1/jobs/{id}/metrics/{key}") { _, parameters in
            Response(text: "\(parameters["id"]!):\(parameters["key"]!)")
        }
        router.get("/") { _, _ in Response(text: "root") }
        return router
    }

    static func text(_ method: HTTPMethod, _ target: String) throws -> String {
        let request = try #require(try RequestParser.request("\(method) \(target) HTTP/1.1\r\nHost: a\r\n\r\n"))
        let response = try router().respond(to: request)
        return String(decoding: response.bodyBytes ?? [], as: UTF8.self)
    }

    static func error(_ method: HTTPMethod, _ target: String) throws -> HTTPError? {
        let request = try #require(try RequestParser.request("\(method) \(target) HTTP/1.1\r\nHost: a\r\n\r\n"))
        do {
            _ = try router().route(request)
            return nil
        } catch {
            return error
        }
    }

    @Test func matchesLiteralsAndParameters() throws {
        #expect(try Self.text(.get, "/v1/jobs") == "list")
        #expect(try Self.text(.post, "/v1/jobs") == "create")
        #expect(try Self.text(.get, "/v1/jobs/42") == "job 42")
        #expect(try Self.text(.delete, "/v1/jobs/42") == "delete 42")
        #expect(try Self.text(.get, "/v1/jobs/7/metrics/loss?x=1") == "7:loss")
        #expect(try Self.text(.get, "/") == "root")
    }

    @Test func literalBeatsParameterWhateverTheOrder() throws {
        #expect(try Self.text(.get, "/v1/jobs/stats") == "stats")
        #expect(try Self.text(.delete, "/v1/jobs/stats") == "delete stats")
    }

    @Test func parametersArePercentDecodedAfterSplitting() throws {
        #expect(try Self.text(.get, "/v1/jobs/a%2Fb") == "job a/b")
        #expect(try Self.text(.get, "/v1/jobs/caf%C3%A9") == "job café")
    }

    @Test func unknownPathIs404() throws {
        #expect(try Self.error(.get, "/v2/jobs")?.status == .notFound)
        #expect(try Self.error(.get, "/v1/jobs/")?.status == .notFound)  // empty parameter
        #expect(try Self.error(.get, "/v1/jobs/1/2")?.status == .notFound)
    }

    @Test func wrongMethodIs405WithAllow() throws {
        let error = try #require(try Self.error(.put, "/v1/jobs/1"))
        #expect(error.status == .methodNotAllowed)
        #expect(error.headers["Allow"] == "GET, DELETE, HEAD")
        #expect(try Self.error(.delete, "/v1/jobs")?.headers["Allow"] == "GET, POST, HEAD")
    }

    @Test func headFallsBackToGet() throws {
        #expect(try Self.text(.head, "/v1/jobs/9") == "job 9")
    }

    @Test func escapedLiteralSegmentsMatchTheirDecoding() throws {
        #expect(try Self.text(.get, "/v1/%6Aobs/stats") == "stats")
        #expect(try Self.text(.get, "/v1/jobs/%73tats") == "stats")
        #expect(try Self.error(.get, "/v1/jobs%2Fstats")?.status == .notFound)  // an encoded "/" does not split
    }

    @Test func aLiteralThatFailsDeeperLeavesTheParameterItsValue() throws {
        var router = Router()
        router.get("/s/lit/two") { _, _ in Response(text: "literal") }
        router.get("/s/{x}/one") { _, parameters in Response(text: "x=\(parameters["x"]!)") }
        router.get("/s/{x}/{y}/end") { _, parameters in Response(text: "\(parameters["x"]!),\(parameters["y"]!)") }
        router.get("/s/{x}/lit/other") { _, parameters in Response(text: "other \(parameters["x"]!)") }
        func text(_ target: String) throws -> String {
            let request = try #require(try RequestParser.request("GET \(target) HTTP/1.1\r\nHost: a\r\n\r\n"))
            return String(decoding: try router.respond(to: request).bodyBytes ?? [], as: UTF8.self)
        }
        #expect(try text("/s/lit/one") == "x=lit")
        #expect(try text("/s/lit/two") == "literal")
        #expect(try text("/s/a%20b/lit/end") == "a b,lit")
        #expect(try text("/s/q/lit/other") == "other q")
        #expect(try text("/s/q/lit/end") == "q,lit")
    }

    @Test func parametersCompareByNameAndValue() {
        #expect(PathParameters(["a": "1", "b": "2"]) == PathParameters(names: ["b", "a"], values: ["2", "1"]))
        #expect(PathParameters(["a": "1"]) != PathParameters(names: ["a"], values: ["2"]))
        #expect(PathParameters(["a": "1"]) != PathParameters(["a": "1", "b": "2"]))
        #expect(PathParameters(names: ["id", "key"], values: ["7", "loss"])["key"] == "loss")
        #expect(PathParameters(names: ["id"], values: ["7"])["key"] == nil)
        #expect(PathParameters().isEmpty)
    }
}
