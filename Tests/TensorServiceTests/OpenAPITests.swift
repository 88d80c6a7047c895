import Foundation
import Testing
import TensorEngine
import Yams
import HTTPServer
@testable import TensorService

/// openapi.yaml is the contract: it must be a well-formed OpenAPI 3.1 document, describe
/// exactly the routes the server registers, and name every op of the catalogue.
/// (`scripts/check_openapi.py` runs the full JSON-Schema validation where Python is at hand.)
struct OpenAPITests {
    nonisolated(unsafe) static let document: [String: Any] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("openapi.yaml")
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        return ((try? Yams.load(yaml: text)) as? [String: Any]) ?? [:]
    }()
    static let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options"]

    var paths: [String: [String: Any]] { OpenAPITests.document["paths"] as? [String: [String: Any]] ?? [:] }

    @Test func isAnOpenAPI31Document() throws {
        let doc = OpenAPITests.document
        #expect((doc["openapi"] as? String)?.hasPrefix("3.1") == true)
        #expect((doc["info"] as? [String: Any])?["title"] as? String == "Tensord")
        #expect(!paths.isEmpty)
        var operationIds = Set<String>()
        for (path, item) in paths {
            for (method, op) in item where OpenAPITests.methods.contains(method) {
                let op = try #require(op as? [String: Any], "\(method) \(path)")
                let id = try #require(op["operationId"] as? String, "\(method) \(path) has no operationId")
                #expect(operationIds.insert(id).inserted, "duplicate operationId \(id)")
                #expect(op["summary"] is String, "\(id) has no summary")
                let responses = try #require(op["responses"] as? [String: Any], "\(id) has no responses")
                #expect(!responses.isEmpty)
            }
        }
    }

    @Test func everyReferenceResolves() throws {
        var refs: [String] = []
        func collect(_ v: Any) {
            if let d = v as? [String: Any] {
                if let r = d["$ref"] as? String { refs.append(r) }
                d.values.forEach(collect)
            } else if let a = v as? [Any] {
                a.forEach(collect)
            }
        }
        collect(OpenAPITests.document)
        #expect(!refs.isEmpty)
        for ref in Set(refs) {
            #expect(ref.hasPrefix("#/"), "\(ref) is not local")
            var node: Any? = OpenAPITests.document
            for part in ref.dropFirst(2).split(separator: "/") { node = (node as? [String: Any])?[String(part)] }
            #expect(node != nil, "\(ref) does not resolve")
        }
    }

    @Test func documentsExactlyTheRoutesTheServerServes() throws {
        let server = try TestServer()
        defer { server.stop() }
        let served = Set(server.service.routes.map { "\($0.method) \($0.pattern)" })
        var documented = Set<String>()
        for (path, item) in paths {
            for method in item.keys where OpenAPITests.methods.contains(method) { documented.insert("\(method.uppercased()) \(path)") }
        }
        #expect(served.subtracting(documented).sorted() == [], "served but not documented")
        #expect(documented.subtracting(served).sorted() == [], "documented but not served")
    }

    @Test func namesEveryOpOfTheCatalogue() throws {
        let parameters = try #require(paths["/v1/ops/{op}"]?["parameters"] as? [[String: Any]])
        let op = try #require(parameters.first { $0["name"] as? String == "op" })
        let names = try #require((op["schema"] as? [String: Any])?["enum"] as? [String])
        #expect(Set(names) == Set(Ops.all.map(\.name)))
        // The description's table of ops has one row per op of the catalogue, no more.
        let post = try #require(paths["/v1/ops/{op}"]?["post"] as? [String: Any])
        let description = try #require(post["description"] as? String)
        let rows = description.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("| `"), let end = line.dropFirst(3).firstIndex(of: "`") else { return nil }
            return String(line[line.index(line.startIndex, offsetBy: 3)..<end])
        }
        #expect(rows.sorted() == Ops.all.map(\.name).sorted(), "the op table in POST /v1/ops/{op} drifted from the catalogue")
    }
}

extension OpenAPITests {
    /// Every problem `code` the service can answer is in `ProblemCode` (a code the enum lacks
    /// makes the whole response fail a generated client's validation): the HTTP layer's error
    /// kinds, through the one renderer, and every `code: "…"` literal of the service's sources
    /// (codes chosen in a `switch` are left to SchemathesisTests).
    @Test func everyProblemCodeTheServiceAnswersIsDocumented() throws {
        let schemas = (OpenAPITests.document["components"] as? [String: Any])?["schemas"] as? [String: Any]
        let documented = try #require((schemas?["ProblemCode"] as? [String: Any])?["enum"] as? [String])
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/TensorService")
        let files = try #require(FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil))
        var answered = Set(HTTPError.Kind.allCases.map { ProblemRenderer.problem(for: HTTPError($0, status: .init(code: 400), message: "")).code })
        for case let url as URL in files where url.pathExtension == "swift" {
            let text = try String(contentsOf: url, encoding: .utf8)
            for part in text.components(separatedBy: #"Problem(status: "#).dropFirst() {
                guard let code = part.components(separatedBy: #"code: ""#).dropFirst().first?.prefix(while: { $0 != "\"" }) else { continue }
                answered.insert(String(code))
            }
        }
        #expect(answered.count > 30, "found \(answered.sorted())")
        #expect(answered.subtracting(documented).sorted() == [], "answered but not in ProblemCode")
    }
}
