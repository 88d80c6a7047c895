import Foundation
import Testing
import TensorEngine
@testable import TensorService

/// The API over a real loopback socket.
@Suite(.serialized) final class APITests {
    let server: TestServer
    init() throws { server = try TestServer { $0.maxElements = 1_000_000; $0.maxStoreBytes = 4096 } }
    deinit { server.stop() }

    func problem(_ r: TestResponse, status: Int, code: String, pointer: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(r.status == status, "\(r.text)", sourceLocation: sourceLocation)
        #expect(r.headers["content-type"] == "application/problem+json", sourceLocation: sourceLocation)
        let j = try r.json()
        #expect(j["code"] as? String == code, "\(r.text)", sourceLocation: sourceLocation)
        #expect(j["status"] as? Int == status, sourceLocation: sourceLocation)
        #expect(j["type"] as? String == "/problems/\(code)", sourceLocation: sourceLocation)
        #expect((j["detail"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
        if let pointer {
            let errors = j["errors"] as? [[String: Any]] ?? []
            #expect(errors.first?["pointer"] as? String == pointer, "\(r.text)", sourceLocation: sourceLocation)
        }
        // Whatever went wrong, the server is still serving.
        #expect(try server.request("GET", "/v1/health/live").status == 200, sourceLocation: sourceLocation)
    }

    @Test func serviceEndpoints() throws {
        let info = try server.request("GET", "/v1").json()
        #expect(info["name"] as? String == "tensord")
        #expect((info["limits"] as? [String: Any])?["max_elements"] as? Int == 1_000_000)
        #expect(info["ops"] as? Int == Ops.all.count && info["lanes"] as? Int == 2)
        #expect(try server.request("GET", "/v1/health/live").text == #"{"status":"ok"}"#)
        #expect(try server.request("GET", "/v1/health/ready").status == 200)
        let yaml = try server.request("GET", "/openapi.yaml")
        #expect(yaml.status == 200 && yaml.text.hasPrefix("openapi: 3.1"))
        _ = try server.request("POST", "/v1/ops/add", body: #"{"inputs":[{"data":[1]},{"data":[2]}]}"#)
        let metrics = try server.request("GET", "/metrics").text
        #expect(metrics.contains(#"tensord_http_requests_total{route="/v1/ops/{op}",method="POST",status="200"} 1"#))
        #expect(metrics.contains("tensord_http_request_duration_seconds_bucket"))
        #expect(metrics.contains("tensord_engine_queue_depth"))
    }

    /// A method is any token, so each made-up one would be a new counter, and `/metrics` would grow
    /// with every request: methods the API does not name are all counted as `OTHER`.
    @Test func madeUpMethodsShareOneCounter() throws {
        let fresh = try TestServer()
        defer { fresh.stop() }
        for i in 0..<40 {
            #expect(try fresh.request("M\(i)", i % 2 == 0 ? "/v1/tensors" : "/nowhere").status >= 400)
        }
        _ = try fresh.request("GET", "/v1/tensors")
        let text = try fresh.request("GET", "/metrics").text
        let lines = text.split(separator: "\n").filter { $0.hasPrefix("tensord_http_requests_total{") }
        #expect(!text.contains("method=\"M"), "\(lines)")
        let others = lines.filter { $0.contains(#"method="OTHER""#) }.compactMap { Int($0.split(separator: " ").last!) }
        #expect(others.reduce(0, +) == 40, "\(lines)")
        #expect(lines.contains(#"tensord_http_requests_total{route="/v1/tensors",method="GET",status="200"} 1"#), "\(lines)")
    }

    /// `max_connections` is the limit in force: one configured above what RLIMIT_NOFILE's hard
    /// limit allows is fitted down when the server starts, and `GET /v1` says so.
    @Test func serviceInfoReportsTheConnectionLimitInForce() throws {
        let fitted = try TestServer { $0.http.maxConnections = Int.max; $0.maxEventStreams = 7 }
        defer { fitted.stop() }
        let limits = try #require(try fitted.request("GET", "/v1").json()["limits"] as? [String: Any])
        let reported = try #require(limits["max_connections"] as? Int)
        var descriptors = rlimit()
        #expect(getrlimit(Int32(RLIMIT_NOFILE.rawValue), &descriptors) == 0)
        #expect(reported == fitted.server.connectionLimit)
        #expect(reported < Int(clamping: descriptors.rlim_max), "fitted below the hard limit \(descriptors.rlim_max): \(reported)")
        #expect(limits["max_event_streams"] as? Int == 7)
        let configured = try #require(try server.request("GET", "/v1").json()["limits"] as? [String: Any])
        #expect(configured["max_connections"] as? Int == server.server.connectionLimit)
    }

    @Test func opsBroadcastAndNameTheirResults() throws {
        let add = try server.request("POST", "/v1/ops/add", body: #"{"inputs": [{"shape":[2,2],"data":[1,2,3,4]}, {"shape":[2],"data":[10,20]}], "args": {}}"#)
        #expect(add.status == 200)
        #expect(try add.outputData() == [11, 22, 13, 24])
        let nested = try server.request("POST", "/v1/ops/matmul", body: #"{"inputs": [{"data":[[1,2],[3,4]]}, {"data":[[1],[1]], "dtype":"FP32"}]}"#)
        #expect(try nested.outputData() == [3, 7])
        let scalar = try server.request("POST", "/v1/ops/mul", body: #"{"inputs": [{"data":[1,2], "dtype":"int64"}], "args": {"other": 2.5}}"#)
        let out = try #require(try scalar.json()["outputs"] as? [[String: Any]])
        #expect(out[0]["dtype"] as? String == "float32", "an int tensor times a float scalar is float32")
        let topk = try server.request("POST", "/v1/ops/topk", body: #"{"inputs": [{"data":[3,1,4,1,5]}], "args": {"k": 2}}"#)
        let named = try #require(try topk.json()["outputs"] as? [[String: Any]])
        #expect(named.map { $0["name"] as? String } == ["values", "indices"])
        #expect(try topk.outputData(1) == [4, 2])
        let max = try #require(try server.request("POST", "/v1/ops/max", body: #"{"inputs": [{"data":[3,1,4]}]}"#).json()["outputs"] as? [[String: Any]])
        #expect(max.count == 1 && max[0]["name"] == nil && max[0]["shape"] as? [Int] == [], "max without dim is one plain 0-d tensor, as in PyTorch")
        let split = try server.request("POST", "/v1/ops/split", body: #"{"inputs": [{"data":[1,2,3,4,5]}], "args": {"split_size_or_sections": 2}}"#)
        #expect(try #require(try split.json()["outputs"] as? [[String: Any]]).count == 3)
        let clip = try server.request("POST", "/v1/ops/clip_grad_norm", body: #"{"inputs": [{"data":[3]}, {"data":[4]}], "args": {"max_norm": 10}}"#)
        let clipped = try #require(try clip.json()["outputs"] as? [[String: Any]])
        #expect(clipped.last?["name"] as? String == "total_norm")
        let nan = try server.request("POST", "/v1/ops/div", body: #"{"inputs": [{"data":[1, -1, 0]}, {"data":[0, 0, 0]}]}"#)
        #expect(nan.text.contains(#""data":["Infinity","-Infinity","NaN"]"#))
        let b64 = try server.request("POST", "/v1/ops/neg", body: #"{"inputs": [{"data":[1.5]}], "encoding": "b64"}"#)
        #expect(b64.text.contains(#""data_b64":"AADAvw=="#), "\(b64.text)")
    }

    @Test func catalogueListsEveryOp() throws {
        let ops = try #require(try server.request("GET", "/v1/ops").json()["ops"] as? [[String: Any]])
        #expect(ops.compactMap { $0["name"] as? String } == Ops.all.map(\.name))
        let sum = try #require(ops.first { $0["name"] as? String == "sum" })
        let args = try #require(sum["args"] as? [[String: Any]])
        #expect(args.first { $0["name"] as? String == "keepdim" }?["default"] as? Bool == false)
    }

    @Test func malformedRequestsGetProblems() throws {
        try problem(server.request("POST", "/v1/ops/add", body: "{\"inputs\": [1,"), status: 400, code: "invalid_json")
        try problem(server.request("POST", "/v1/ops/add", bytes: [123, 34, 0xFF, 34, 58, 49, 125]), status: 400, code: "invalid_json")
        try problem(server.request("POST", "/v1/ops/add", body: String(repeating: "[", count: 100_000)), status: 400, code: "invalid_json")
        try problem(server.request("POST", "/v1/ops/add", body: "[1]"), status: 400, code: "invalid_request")
        try problem(server.request("POST", "/v1/ops/add", body: #"{"inputs": [], "argz": {}}"#), status: 400, code: "invalid_request", pointer: "/argz")
        // null is a value: a wrong type for `inputs`, Python's None for an argument.
        try problem(server.request("POST", "/v1/ops/add", body: #"{"inputs": null}"#), status: 400, code: "invalid_request", pointer: "/inputs")
        #expect(try server.request("POST", "/v1/ops/sum", body: #"{"inputs": [{"data":[1,2]}], "args": {"dim": null}}"#).outputData() == [3])
        try problem(server.request("POST", "/v1/ops/add", body: #"{"inputs": [{"shape":[2,2],"data":[1,2,3]}]}"#), status: 422, code: "invalid_tensor", pointer: "/inputs/0/data")
        try problem(server.request("POST", "/v1/ops/add", body: #"{"inputs": [{"data":[1],"dtype":"float16"}]}"#), status: 422, code: "invalid_tensor")
        try problem(server.request("POST", "/v1/ops/nosuch", body: "{}"), status: 404, code: "unknown_op")
        try problem(server.request("POST", "/v1/ops/add", body: #"{"inputs": [{"data":[1,2]},{"data":[1,2,3]}]}"#), status: 422, code: "shape_mismatch")
        try problem(server.request("POST", "/v1/ops/sum", body: #"{"inputs": [{"data":[1,2]}], "args": {"dim": 3}}"#), status: 422, code: "invalid_dim", pointer: "/args/dim")
        try problem(server.request("POST", "/v1/ops/sum", body: #"{"inputs": [{"data":[1,2]}], "args": {"dims": 0}}"#), status: 422, code: "invalid_argument", pointer: "/args/dims")
        try problem(server.request("POST", "/v1/ops/sum", body: #"{"inputs": [{"data":[1,2]}], "args": {"keepdim": "yes"}}"#), status: 422, code: "invalid_argument", pointer: "/args/keepdim")
        try problem(server.request("POST", "/v1/ops/mean", body: #"{"inputs": [{"data":[1,2], "dtype": "int64"}]}"#), status: 422, code: "dtype_mismatch")
        try problem(server.request("POST", "/v1/ops/zeros", body: #"{"args": {"size": [100000, 100000]}}"#), status: 422, code: "too_many_elements")
        try problem(server.request("POST", "/v1/ops/add", body: #"{"inputs": [{"shape":[2000000],"data_b64":""}]}"#), status: 413, code: "too_many_elements")
        // A count of pieces is a size: 2^63 − 1 sections is refused before the list is made.
        try problem(server.request("POST", "/v1/ops/tensor_split", body: #"{"inputs": [{"data":[1,2]}], "args": {"indices_or_sections": 9223372036854775807}}"#),
                    status: 422, code: "too_many_elements", pointer: "/args/indices_or_sections")
        try problem(server.request("POST", "/v1/eval", body: #"{"tensors": {"x": {"data": [1, 2]}}, "expr": "y = tensor_split(x, 4611686018427387904)"}"#),
                    status: 422, code: "too_many_elements", pointer: "/expr")
        try problem(server.request("POST", "/v1/ops/add", body: "{}", headers: ["Content-Type": "text/plain"]), status: 415, code: "unsupported_media_type")
        try problem(server.request("POST", "/v1/ops/add", body: "{}", headers: ["Content-Type": "application/jsonx"]), status: 415, code: "unsupported_media_type")
        for json in ["Application/JSON; charset=utf-8", " \tapplication/problem+JSON ", "application/json\u{00A0}"] {
            #expect(try server.request("POST", "/v1/ops/add", body: #"{"inputs": [{"data":[1]},{"data":[2]}]}"#, headers: ["Content-Type": json]).status == 200, "\(json)")
        }
        try problem(server.request("GET", "/v1/nothing"), status: 404, code: "not_found")
        let wrongMethod = try server.request("DELETE", "/v1/ops")
        try problem(wrongMethod, status: 405, code: "method_not_allowed")
        #expect(wrongMethod.headers["allow"]?.contains("GET") == true)
    }

    @Test func evalComputesLossesAndGradients() throws {
        let body = #"""
        {"tensors": {"x": {"data": [[1, 2], [3, 4]]}, "w": {"data": [[0.5], [-1]]}, "b": {"data": [0.25]}, "y": {"data": [[1], [2]]}},
         "expr": "pred = x @ w + b\nloss = mse_loss(pred, y)",
         "outputs": ["loss", "pred"],
         "grad": {"of": "loss", "wrt": ["w", "b"]}}
        """#
        let r = try server.request("POST", "/v1/eval", body: body)
        #expect(r.status == 200, "\(r.text)")
        let j = try r.json()
        let outputs = try #require(j["outputs"] as? [String: [String: Any]])
        #expect(outputs["pred"]?["data"] as? [Double] == [-1.25, -2.25])
        let grads = try #require(j["grads"] as? [String: [String: Any]])
        #expect(grads["w"]?["data"] as? [Double] == [-15, -21.5])
        #expect(grads["b"]?["data"] as? [Double] == [-6.5])
        let named = try server.request("POST", "/v1/eval", body: #"{"tensors": {"x": {"data": [3, 1, 2]}}, "expr": "t = topk(x, 2)\nv = t.values\nn = 2 * 3"}"#).json()
        let nout = try #require(named["outputs"] as? [String: Any])
        #expect((nout["v"] as? [String: Any])?["data"] as? [Double] == [3, 2])
        #expect((nout["t"] as? [[String: Any]])?.map { $0["name"] as? String } == ["values", "indices"])
        #expect(nout["n"] as? Int == 6)
    }

    @Test func evalErrorsPointAtTheProgram() throws {
        let parse = try server.request("POST", "/v1/eval", body: #"{"expr": "y = (1 +\nz = 2"}"#)
        try problem(parse, status: 422, code: "parse_error", pointer: "/expr")
        let detail = try parse.json()["detail"] as? String ?? ""
        #expect(detail.contains("line 2, column 3"), "\(detail)")
        try problem(server.request("POST", "/v1/eval", body: #"{"tensors": {"x": {"data": [1, 2]}}, "expr": "y = sum(x, 4)"}"#), status: 422, code: "invalid_dim", pointer: "/expr")
        try problem(server.request("POST", "/v1/eval", body: #"{"tensors": {"x": {"data": [1, 2]}}, "expr": "y = x * 2", "outputs": ["q"]}"#), status: 422, code: "invalid_argument", pointer: "/outputs/0")
        try problem(server.request("POST", "/v1/eval", body: #"{"tensors": {"x": {"data": [1, 2]}}, "expr": "y = x * 2", "grad": {"of": "y", "wrt": ["x"]}}"#), status: 422, code: "invalid_argument", pointer: "/grad/seed")
        try problem(server.request("POST", "/v1/eval", body: #"{"tensors": {"x": {"data": [1, 2]}}}"#), status: 400, code: "invalid_request", pointer: "/expr")
        try problem(server.request("POST", "/v1/eval", body: #"{"expr": ""# + String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000) + #""}"#), status: 422, code: "parse_error")
    }

    @Test func evalRunsANotebookCellAndRefusesWhatItCannot() throws {
        let cell = #"{"expr": "import torch\nw = torch.tensor([1.0, -2.0], requires_grad=True)\nloss = (w ** 2).sum()\nloss.backward()\ng = w.grad\ns = w.shape\nd = w.dtype\nn = w.numel()", "outputs": ["g", "s", "d", "n"]}"#
        let r = try server.request("POST", "/v1/eval", body: cell)
        #expect(r.status == 200, "\(r.text)")
        let out = try #require(try r.json()["outputs"] as? [String: Any])
        #expect((out["g"] as? [String: Any])?["data"] as? [Double] == [2, -4])
        #expect((out["s"] as? [String: Any])?["dtype"] as? String == "int64")
        #expect((out["s"] as? [String: Any])?["data"] as? [Int] == [2])
        #expect(out["d"] as? String == "float32")
        #expect(out["n"] as? Int == 2)
        let loop = try server.request("POST", "/v1/eval", body: #"{"expr": "y = 1\nfor i in range(3):\n    y = y + i"}"#)
        try problem(loop, status: 422, code: "unsupported", pointer: "/expr")
        #expect((try loop.json()["detail"] as? String)?.hasPrefix("line 2, column 1: 'for'") == true, "\(loop.text)")
        try problem(server.request("POST", "/v1/eval", body: #"{"expr": "w = torch.ones(2, requires_grad=True)\nw += 1"}"#), status: 422, code: "invalid_argument", pointer: "/expr")
    }

    @Test func optimizerStepsPassStateOutAndBackIn() throws {
        let first = try server.request("POST", "/v1/optim/adam", body: #"{"params": {"w": {"data": [1, -2]}}, "grads": {"w": {"data": [0.5, 0.25]}}, "options": {"lr": 0.1, "betas": [0.9, 0.99]}}"#)
        #expect(first.status == 200, "\(first.text)")
        let j1 = try first.json()
        let state = try #require(j1["state"] as? [String: Any])
        let stateJSON = String(decoding: try JSONSerialization.data(withJSONObject: state), as: UTF8.self)
        // The first Adam step moves each parameter by lr against the gradient's sign.
        #expect((j1["params"] as? [String: [String: Any]])?["w"]?["data"] as? [Double] == [0.9, -2.1])
        let second = try server.request("POST", "/v1/optim/adam", body: #"{"params": {"w": {"data": [0.9, -2.1]}}, "grads": {"w": {"data": [0.5, 0.25]}}, "options": {"lr": 0.1, "betas": [0.9, 0.99]}, "state": "# + stateJSON + "}")
        #expect(second.status == 200, "\(second.text)")
        #expect(((try second.json()["state"] as? [String: [String: Any]])?["w"]?["step"] as? Int) == 2)
        try problem(server.request("POST", "/v1/optim/adam", body: #"{"params": {"w": {"data": [1]}}, "grads": {"w": {"data": [1]}}, "options": {"lr": -1}}"#), status: 422, code: "invalid_argument", pointer: "/options/lr")
        try problem(server.request("POST", "/v1/optim/adam", body: #"{"params": {"w": {"data": [1]}}, "grads": {"w": {"data": [1]}}, "options": {"momentum": 0.9}}"#), status: 422, code: "invalid_argument")
        try problem(server.request("POST", "/v1/optim/adam", body: #"{"params": {"w": {"data": [1]}}, "grads": {}}"#), status: 400, code: "invalid_request", pointer: "/grads/w")
        try problem(server.request("POST", "/v1/optim/lbfgs", body: "{}"), status: 404, code: "not_found")
    }

    @Test func tensorStorePersistsAndIsBounded() throws {
        let put = try server.request("PUT", "/v1/tensors/w", body: #"{"shape": [2], "data": [1.5, 2.5]}"#)
        #expect(put.status == 201 && put.headers["location"] == "/v1/tensors/w")
        #expect(try server.request("PUT", "/v1/tensors/w", body: #"{"shape": [2], "data": [3, 4]}"#).status == 200)
        #expect(try server.request("GET", "/v1/tensors/w").json()["data"] as? [Double] == [3, 4])
        #expect(try server.request("GET", "/v1/tensors/w?encoding=b64").text.contains("data_b64"))
        let list = try #require(try server.request("GET", "/v1/tensors").json()["tensors"] as? [[String: Any]])
        #expect(list.first?["name"] as? String == "w" && list.first?["bytes"] as? Int == 8)
        let viaRef = try server.request("POST", "/v1/ops/add", body: #"{"inputs": [{"ref": "w"}, {"data": [1, 1]}]}"#)
        #expect(try viaRef.outputData() == [4, 5])
        try problem(server.request("POST", "/v1/ops/add", body: #"{"inputs": [{"ref": "nope"}, {"data": [1]}]}"#), status: 422, code: "unknown_ref", pointer: "/inputs/0/ref")
        let zeros = Array(repeating: "0", count: 2000).joined(separator: ",")
        try problem(server.request("PUT", "/v1/tensors/big", body: #"{"data": ["# + zeros + "]}"), status: 413, code: "store_full")
        try problem(server.request("PUT", "/v1/tensors/.x", body: #"{"data": [1]}"#), status: 422, code: "invalid_argument")

        // A new server on the same directory finds it.
        let again = try TestServer(directory: server.directory)
        defer { again.stop(removeData: false) }
        #expect(try again.request("GET", "/v1/tensors/w").json()["data"] as? [Double] == [3, 4])

        #expect(try server.request("DELETE", "/v1/tensors/w").status == 204)
        try problem(server.request("GET", "/v1/tensors/w"), status: 404, code: "not_found")
        try problem(server.request("DELETE", "/v1/tensors/w"), status: 404, code: "not_found")
    }
}

@Suite struct AuthTests {
    @Test func tokenIsRequiredExceptForHealth() throws {
        let server = try TestServer(token: "s3cret")
        defer { server.stop() }
        let denied = try server.request("GET", "/v1/ops")
        #expect(denied.status == 401)
        #expect(denied.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
        #expect(try server.request("GET", "/v1/ops", headers: ["Authorization": "Bearer wrong"]).status == 401)
        #expect(try server.request("GET", "/v1/ops", headers: ["Authorization": "Bearer s3cret"]).status == 200)
        #expect(try server.request("GET", "/v1/health/live").status == 200)
        #expect(try server.request("GET", "/v1/health/ready").status == 200)
    }

    @Test func constantTimeComparison() {
        #expect(ConstantTime.equal(Array("abc".utf8), Array("abc".utf8)))
        #expect(!ConstantTime.equal(Array("abc".utf8), Array("abd".utf8)))
        #expect(!ConstantTime.equal(Array("abc".utf8), Array("abcd".utf8)))
        #expect(!ConstantTime.equal([], Array("a".utf8)))
    }
}
