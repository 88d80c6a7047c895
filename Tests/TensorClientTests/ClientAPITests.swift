import Foundation
import Testing
import TensorClient
import TensorEngine
import TensorWire

/// The client against a real in-process server, for every non-job endpoint and error class.
@Suite(.serialized) final class ClientAPITests {
    let fixture: ServiceFixture
    let client: TensorClient

    init() throws {
        fixture = try ServiceFixture { $0.maxStoreBytes = 4096 }
        client = try fixture.client()
    }

    func expectProblem(_ status: Int, _ code: String, pointer: String? = nil, sourceLocation: SourceLocation = #_sourceLocation,
                       _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("expected \(status) \(code)", sourceLocation: sourceLocation)
        } catch let e as TensorClientError {
            guard case .problem(let p) = e else { Issue.record("expected a problem, got \(e)", sourceLocation: sourceLocation); return }
            #expect(p.status == status && e.status == status, "\(e)", sourceLocation: sourceLocation)
            #expect(p.code == code && e.code == code, "\(e)", sourceLocation: sourceLocation)
            #expect(!e.detail.isEmpty && !p.title.isEmpty, sourceLocation: sourceLocation)
            if let pointer { #expect(p.errors.first?.pointer == pointer, "\(p.errors)", sourceLocation: sourceLocation) }
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func serviceEndpoints() throws {
        let info = try client.serviceInfo()
        #expect(info.name == "tensord")
        #expect(info.dtypes.contains("float64"))
        #expect(info.limits["max_store_bytes"] == 4096)
        #expect(try client.isLive())
        #expect(try client.isReady())
        #expect(try client.openAPIDocument().hasPrefix("openapi: 3.1"))
        _ = try client.add(.f32([1]), .f32([2]))
        #expect(try client.metricsText().contains("tensord_http_requests_total{route=\"/v1/ops/{op}\",method=\"POST\",status=\"200\"} 1"))
        let ops = try client.opCatalogue()
        let sum = try #require(ops.first { $0.name == "sum" })
        #expect(sum.inputs.map(\.name) == ["input"])
        #expect(sum.args.first { $0.name == "keepdim" }?.default.flatMap { if case .bool(let b) = $0 { b } else { nil } } == false)
    }

    @Test func ops() throws {
        let a = Tensor.f32([1, 2, 3, 4], [2, 2])
        #expect(try client.op("matmul", [a, a])[0].doubles() == [7, 10, 15, 22])
        #expect(try client.op("add", [a], args: ["other": 10, "alpha": 2]).first?.doubles() == [21, 22, 23, 24])
        let topk = try client.opOutputs("topk", [.tensor(.f32([3, 1, 4, 1, 5]))], args: ["k": 2])
        #expect(topk.map(\.name) == ["values", "indices"])
        #expect(topk[1].tensor.dtype == .int64 && topk[1].tensor.doubles() == [4, 2])
        let int = try client.op("mul", [Tensor([1, 2] as [Int64])], args: ["other": 2])[0]
        #expect(int.dtype == .int64, "an integer literal stays an integer scalar")
        #expect(try client.op("mul", [Tensor([1, 2] as [Int64])], args: ["other": 2.0])[0].dtype == .float32)
        #expect(try client.matmul(a, a).shape == [2, 2])
        #expect(try client.sub(a, a).doubles() == [0, 0, 0, 0])
        #expect(try client.mul(a, a).doubles() == [1, 4, 9, 16])
        #expect(try client.div(a, a).doubles() == [1, 1, 1, 1])
        #expect(try client.sum(a).doubles() == [10])
        #expect(try client.sum(a, dim: 1, keepdim: true).shape == [2, 1])
        #expect(try client.mean(a, dim: 0).doubles() == [2, 3])
        #expect(try client.relu(.f32([-1, 2])).doubles() == [0, 2])
        #expect(try client.neg(a).doubles() == [-1, -2, -3, -4])
        #expect(try client.softmax(.f32([0, 0]), dim: 0).doubles() == [0.5, 0.5])
        #expect(try client.reshape(a, [4]).shape == [4])
        #expect(try client.transpose(a, 0, 1).doubles() == [1, 3, 2, 4])
        #expect(try client.topk(.f32([3, 1, 4]), 1).values.doubles() == [4])
        #expect(try client.mseLoss(.f32([1, 2]), .f32([1, 4])).doubles() == [2])
        #expect(try client.exp(.f32([0])).doubles() == [1])
        #expect(try client.log(.f32([1])).doubles() == [0])
        #expect(try client.sigmoid(.f32([0])).doubles() == [0.5])
        #expect(try client.tanh(.f32([0])).doubles() == [0])
        #expect(try client.crossEntropy(logits: .f32([0, 0], [1, 2]), targets: Tensor([1] as [Int64])).doubles()[0] - 0.6931 < 1e-4)
        let nan = try client.div(.f32([1, -1, 0]), .f32([0, 0, 0])).doubles()
        #expect(nan[0] == .infinity && nan[1] == -.infinity && nan[2].isNaN, "non-finite values survive the wire")
    }

    @Test func base64Encoding() throws {
        let b64 = try fixture.client { $0.encoding = .b64 }
        let x = Tensor([1.5, -2.25, .pi] as [Double])
        #expect(try b64.neg(x).doubles() == [-1.5, 2.25, -.pi])
        try b64.putTensor("b", x)
        #expect(try b64.tensor("b").doubles() == x.doubles())
    }

    @Test func evalWithGradients() throws {
        let x = Tensor.f32([1, 2, 3, 4], [2, 2]), w = Tensor.f32([1, -1], [2, 1]), y = Tensor.f32([0, 1], [2, 1])
        let r = try client.eval("pred = x @ w\nloss = mse_loss(pred, y)", tensors: ["x": x, "w": w, "y": y],
                                outputs: ["loss", "pred"], grad: EvalGrad(of: "loss", wrt: ["w"]))
        #expect(r.outputs.pairs.map(\.name) == ["loss", "pred"])
        #expect(r.outputs["pred"]?.tensor?.doubles() == [-1, -1])
        #expect(r.outputs["loss"]?.tensor?.doubles() == [2.5])
        // d/dw mean((xw - y)^2) = 2/2 · xᵀ(xw − y) = xᵀ[-1, -2] = [-7, -10]
        #expect(r.grads["w"]?.doubles() == [-7, -10])
        let values = try client.eval("t = topk(x, 1)\nn = 3\nf = 2.5\nb = true", tensors: ["x": .f32([1, 5, 2])])
        guard case .list(let parts)? = values.outputs["t"] else { Issue.record("topk is a list"); return }
        #expect(parts.count == 2)
        if case .int(3)? = values.outputs["n"] {} else { Issue.record("n = \(String(describing: values.outputs["n"]))") }
        if case .float(2.5)? = values.outputs["f"] {} else { Issue.record("f") }
        if case .bool(true)? = values.outputs["b"] {} else { Issue.record("b") }
        expectProblem(422, "parse_error") { _ = try client.eval("y = (", tensors: [String: Tensor]()) }
    }

    @Test func optimizerStepsCarryState() throws {
        var step = try client.optimizerStep("sgd", params: ["w": .f32([1, 2])], grads: ["w": .f32([1, 1])],
                                            options: ["lr": 0.5, "momentum": 0.9])
        #expect(step.params["w"]?.doubles() == [0.5, 1.5])
        step = try client.optimizerStep("sgd", params: step.params, grads: ["w": .f32([1, 1])], state: step.state,
                                        options: ["lr": 0.5, "momentum": 0.9])
        // momentum buffer 0.9·1 + 1 = 1.9, so w − 0.5·1.9
        let w = try #require(step.params["w"]?.doubles())
        #expect(abs(w[0] - (0.5 - 0.95)) < 1e-6 && abs(w[1] - (1.5 - 0.95)) < 1e-6, "\(w)")
        expectProblem(404, "not_found") { _ = try client.optimizerStep("nope", params: ["w": .f32([1])], grads: ["w": .f32([1])]) }
        expectProblem(422, "invalid_argument") {
            _ = try client.optimizerStep("sgd", params: ["w": .f32([1])], grads: ["w": .f32([1])], options: ["betas": [0.9, 0.99]])
        }
    }

    @Test func tensorStore() throws {
        let entry = try client.putTensor("w", .f32([1, 2, 3], [3, 1]))
        #expect(entry.name == "w")
        #expect(entry.shape == [3, 1] && entry.dtype == "float32" && entry.bytes == 12)
        #expect(try client.tensor("w").doubles() == [1, 2, 3])
        #expect(try client.storedTensors().map(\.name) == ["w"])
        #expect(try client.op("sum", [TensorInput.ref("w")])[0].doubles() == [6], "a stored tensor by reference")
        try client.deleteTensor("w")
        #expect(try client.storedTensors().isEmpty)
        expectProblem(404, "not_found") { _ = try client.tensor("w") }
        expectProblem(404, "not_found") { try client.deleteTensor("w") }
        expectProblem(422, "unknown_ref", pointer: "/inputs/0/ref") { _ = try client.op("sum", [TensorInput.ref("w")]) }
        expectProblem(413, "store_full") { try client.putTensor("big", Tensor([Double](repeating: 0, count: 1000))) }
    }

    @Test func everyErrorClassIsTyped() throws {
        expectProblem(404, "unknown_op") { _ = try client.op("nope", [Tensor.f32([1])]) }
        expectProblem(422, "shape_mismatch") { _ = try client.add(.f32([1, 2]), .f32([1, 2, 3])) }
        expectProblem(422, "invalid_dim") { _ = try client.sum(.f32([1, 2]), dim: 3) }
        expectProblem(422, "invalid_argument") { _ = try client.op("sum", [Tensor.f32([1])], args: ["bogus": 1]) }
        expectProblem(400, "invalid_request", pointer: "/inputz") { _ = try client.request("POST", "/v1/ops/add", body: ["inputz": []]) }
        expectProblem(400, "invalid_tensor") { _ = try client.request("POST", "/v1/ops/add", body: ["inputs": [["shape": [1]]]]) }
        expectProblem(404, "not_found") { _ = try client.request("GET", "/v1/nothing") }
        expectProblem(405, "method_not_allowed") { _ = try client.request("DELETE", "/v1/ops") }
        // The connection survives every error: the next call works.
        #expect(try client.add(.f32([1]), .f32([1])).doubles() == [2])
    }

    @Test func reusesOneConnection() throws {
        for _ in 0..<10 { _ = try client.add(.f32([1]), .f32([1])) }
        _ = try client.storedTensors()
        #expect(fixture.server.connectionCount == 1, "ten calls, one keep-alive connection")
    }

    @Test func sharedAcrossThreadsIsSerialised() async throws {
        let client = self.client
        let results = try await withThrowingTaskGroup(of: [Double].self) { group in
            for t in 0..<4 {
                group.addTask {
                    var out: [Double] = []
                    for i in 0..<15 { out += try client.add(.f32([Float(t)]), .f32([Float(i)])).doubles() }
                    return out
                }
            }
            return try await group.reduce(into: [[Double]]()) { $0.append($1) }
        }
        #expect(results.map { $0.count } == [15, 15, 15, 15])
        #expect(Set(results.map { $0.first! }) == [0, 1, 2, 3], "each thread got its own answers")
        #expect(results.allSatisfy { r in zip(r, r.dropFirst()).allSatisfy { $1 == $0 + 1 } })
        #expect(fixture.server.connectionCount == 1, "one handle, one connection, calls taken in turn")
    }
}

/// Authentication and transport failures.
@Suite(.serialized) struct ClientFailureTests {
    @Test func bearerToken() throws {
        let fixture = try ServiceFixture(token: "s3cret")
        let good = try fixture.client(token: "s3cret")
        #expect(try good.add(.f32([1]), .f32([2])).doubles() == [3])
        for bad in [try fixture.client(), try fixture.client(token: "wrong")] {
            do {
                _ = try bad.storedTensors()
                Issue.record("expected 401")
            } catch let e {
                #expect(e.status == 401 && e.code == "unauthorized", "\(e)")
            }
            #expect(try bad.isLive(), "health stays open")
        }
    }

    @Test func connectionRefused() throws {
        // Bind and close a port so nothing listens on it.
        let fixture = try ServiceFixture()
        let url = fixture.baseURL
        fixture.server.shutdown()
        let client = try TensorClient(baseURL: url)
        do {
            _ = try client.serviceInfo()
            Issue.record("expected a transport error")
        } catch let e {
            guard case .transport(let t) = e else { Issue.record("\(e)"); return }
            #expect(t.kind == .cannotConnect && e.code == "connection_failed" && e.status == nil, "\(e)")
        }
    }

    @Test func timeout() throws {
        let stub = try JobStub()
        defer { stub.stop() }
        let client = try TensorClient(.init(baseURL: stub.baseURL, timeout: .milliseconds(300)))
        let start = ContinuousClock.now
        do {
            _ = try client.request("GET", "/slow")
            Issue.record("expected a timeout")
        } catch let e {
            guard case .transport(let t) = e else { Issue.record("\(e)"); return }
            #expect(t.kind == .timeout && e.code == "timeout", "\(e)")
        }
        #expect(ContinuousClock.now - start < .seconds(1.5), "the total timeout cut the request short")
        #expect(try client.jobs().items.isEmpty, "the client is usable after a timeout")
    }

    @Test func unreadableAnswerIsAnError() throws {
        let stub = try JobStub()
        defer { stub.stop() }
        let client = try TensorClient(baseURL: stub.baseURL)
        do {
            _ = try client.request("GET", "/garbage")
            Issue.record("expected invalid_response")
        } catch let e {
            guard case .invalidResponse = e else { Issue.record("\(e)"); return }
            #expect(e.code == "invalid_response" && e.status == nil)
        }
        do {
            _ = try client.request("GET", "/plain-error")
            Issue.record("expected 500")
        } catch let e {
            #expect(e.status == 500 && e.code == "http_500" && e.detail == "boom", "an error that is not problem+json still reads as one")
        }
    }
}
