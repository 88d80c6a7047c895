import Testing
@testable import TensorService

/// `POST /v1/ops/{op}` and `/v1/eval` read a plain body straight from its bytes (`DirectJSONReader`) and any
/// other through the parser and the codec. Each case sends one request twice: plain, and in a form only the
/// general path reads (a tensor with a `name`, nested `data`, a list of inputs inside a list). The answers,
/// errors included, must be the same bytes.
@Suite(.serialized) final class PlainBodyTests {
    let server: TestServer
    init() throws { server = try TestServer { $0.maxElements = 1000 } }
    deinit { server.stop() }

    static let cases: [(path: String, plain: String, general: String, status: Int)] = [
        ("/v1/ops/add", #"{"inputs": [{"shape": [2, 2], "data": [1, 2, 3, 4]}, {"data": [10, 20]}], "args": {"alpha": 2}}"#,
         #"{"inputs": [{"data": [[1, 2], [3, 4]]}, {"name": "b", "data": [10, 20]}], "args": {"alpha": 2}}"#, 200),
        ("/v1/ops/add", #"{"inputs": [{"dtype": "int64", "data": [1, 2]}], "args": {"other": 2.5}}"#,
         #"{"inputs": [{"dtype": "int64", "data": [1, 2], "name": "a"}], "args": {"other": 2.5}}"#, 200),
        ("/v1/ops/sum", #"{"inputs": [{"shape": [2, 3], "dtype": "float64", "data": [1, 2, 3, 4, 5, 6]}], "args": {"dim": [1], "keepdim": true}}"#,
         #"{"inputs": [{"dtype": "float64", "data": [[1, 2, 3], [4, 5, 6]]}], "args": {"dim": [1], "keepdim": true}}"#, 200),
        ("/v1/ops/topk", #"{"inputs": [{"data": [3, 1, 4, 1, 5]}], "args": {"k": 2, "largest": false}, "encoding": "b64"}"#,
         #"{"inputs": [{"data": [3, 1, 4, 1, 5], "name": "x"}], "args": {"k": 2, "largest": false}, "encoding": "b64"}"#, 200),
        ("/v1/ops/cat", #"{"inputs": [{"data": [1]}, {"data": [2, 3]}], "args": {"dim": 0}}"#,
         #"{"inputs": [[{"data": [1]}, {"data": [2, 3]}]], "args": {"dim": 0}}"#, 200),
        ("/v1/ops/norm", #"{"inputs": [{"data": [3, 4]}], "args": {"p": "fro"}}"#,
         #"{"inputs": [{"data": [3, 4], "name": "v"}], "args": {"p": "fro"}}"#, 200),
        // Errors found after the body is read: the op's own, too many inputs, an unknown argument.
        ("/v1/ops/add", #"{"inputs": [{"data": [1, 2]}, {"data": [1, 2, 3]}]}"#,
         #"{"inputs": [{"data": [1, 2]}, {"name": "b", "data": [1, 2, 3]}]}"#, 422),
        ("/v1/ops/add", #"{"inputs": [{"data": [1]}, {"data": [1]}, {"data": [1]}]}"#,
         #"{"inputs": [{"data": [1]}, {"data": [1]}, {"data": [[1]]}]}"#, 422),
        ("/v1/ops/add", #"{"inputs": [{"data": [1]}, {"data": [1]}], "args": {"bogus": 1}}"#,
         #"{"inputs": [{"data": [1]}, {"data": [[1]]}], "args": {"bogus": 1}}"#, 422),
        ("/v1/ops/expand", #"{"inputs": [{"data": [1]}], "args": {"size": [100, 100]}}"#,
         #"{"inputs": [{"data": [1], "name": "x"}], "args": {"size": [100, 100]}}"#, 422),
        ("/v1/eval", #"{"tensors": {"x": {"data": [1, 2, 3, 4]}, "y": {"data": [10, 20, 30, 40]}}, "expr": "z = x * y + 1", "outputs": ["z"]}"#,
         #"{"tensors": {"x": {"data": [1, 2, 3, 4], "name": "x"}, "y": {"name": "y", "data": [10, 20, 30, 40]}}, "expr": "z = x * y + 1", "outputs": ["z"]}"#, 200),
        ("/v1/eval", #"{"tensors": {"w": {"data": [1.5, -2]}}, "expr": "l = (w * w).sum()\nm = l * 2", "grad": {"of": "m", "wrt": ["w"]}}"#,
         #"{"tensors": {"w": {"data": [1.5, -2], "name": "w"}}, "expr": "l = (w * w).sum()\nm = l * 2", "grad": {"of": "m", "wrt": ["w"]}}"#, 200),
        ("/v1/eval", #"{"tensors": {"w": {"data": [1, 2]}}, "expr": "y = w * 3", "grad": {"of": "y", "wrt": ["w"], "seed": {"data": [1, 0.5]}}}"#,
         #"{"tensors": {"w": {"data": [1, 2]}}, "expr": "y = w * 3", "grad": {"of": "y", "wrt": ["w"], "seed": {"data": [1, 0.5], "name": "s"}}}"#, 200),
        ("/v1/eval", #"{"tensors": {"x": {"data": [1, 2]}}, "expr": "y = x +", "outputs": ["y"]}"#,
         #"{"tensors": {"x": {"data": [1, 2], "name": "x"}}, "expr": "y = x +", "outputs": ["y"]}"#, 422),
        ("/v1/eval", #"{"tensors": {"x": {"data": [1, 2]}}, "expr": "y = x", "outputs": ["q"]}"#,
         #"{"tensors": {"x": {"name": "x", "data": [1, 2]}}, "expr": "y = x", "outputs": ["q"]}"#, 422),
    ]

    @Test(arguments: 0..<cases.count)
    func plainAndGeneralBodiesAnswerAlike(_ i: Int) throws {
        let c = Self.cases[i]
        let plain = try server.request("POST", c.path, body: c.plain)
        let general = try server.request("POST", c.path, body: c.general)
        #expect(plain.status == c.status, "\(plain.text)")
        #expect(plain.text == general.text)
        #expect(plain.headers["content-type"] == general.headers["content-type"])
    }

    /// The answer format still follows `Accept` and `?format=` on a plain body, with its errors.
    @Test func formatOfAPlainBody() throws {
        let body = #"{"inputs": [{"data": [1, 2]}, {"data": [3, 4]}]}"#
        let npy = try server.request("POST", "/v1/ops/add", body: body, headers: ["Accept": "application/x-npy"])
        #expect(npy.status == 200 && npy.headers["content-type"] == "application/x-npy")
        #expect(try server.request("POST", "/v1/ops/add?format=xml", body: body).status == 422)
        #expect(try server.request("POST", "/v1/ops/add", body: body, headers: ["Content-Type": "text/plain"]).status == 415)
    }
}
