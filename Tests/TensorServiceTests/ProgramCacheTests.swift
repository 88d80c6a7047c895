import Testing
@testable import TensorEngine
@testable import TensorService

/// `/v1/eval` keeps parsed programs by their text (`--program-cache-bytes`): bounded by the bytes of source
/// it holds, oldest out first, failures never kept, and a cached program answers exactly as a fresh parse.
@Suite struct ProgramCacheTests {
    @Test func keepsProgramsUpToItsBytesOldestOutFirst() throws {
        let cache = ProgramCache(capacityBytes: 12, limits: .init())
        _ = try cache.program("a = x + 1")        // 9 bytes
        #expect(cache.held.sources == ["a = x + 1"] && cache.held.bytes == 9)
        _ = try cache.program("b = 2")            // 5 more: 14 > 12, the oldest leaves
        #expect(cache.held.sources == ["b = 2"] && cache.held.bytes == 5)
        _ = try cache.program("c = 3")
        _ = try cache.program("b = 2")            // a hit: kept once, its place unchanged
        #expect(cache.held.sources == ["b = 2", "c = 3"] && cache.held.bytes == 10)
        _ = try cache.program("d = 4")
        #expect(cache.held.sources == ["c = 3", "d = 4"] && cache.held.bytes == 10)
    }

    @Test func aProgramLargerThanTheBoundOrAFailureIsNotKept() throws {
        let cache = ProgramCache(capacityBytes: 8, limits: .init())
        _ = try cache.program("y = x * 2 + 1")
        #expect(cache.held.sources.isEmpty)
        for _ in 0..<2 {
            #expect(throws: ExpressionError(message: "expected an expression but found end of program",
                                            location: SourcePosition(line: 1, column: 6))) { try cache.program("y = (") }
        }
        #expect(cache.held.sources.isEmpty && cache.held.bytes == 0)
        let off = ProgramCache(capacityBytes: 0, limits: .init())
        _ = try off.program("y = 1")
        #expect(off.held.sources.isEmpty)
    }

    /// The parser's limits hold for cached programs as for any other.
    @Test func limitsStillApply() throws {
        var limits = ExpressionParser.Limits()
        limits.maxTokens = 4
        let cache = ProgramCache(capacityBytes: 1024, limits: limits)
        #expect(throws: ExpressionError.self) { try cache.program("y = x + 1 + 2") }
        #expect(cache.held.sources.isEmpty)
    }

    /// One cached text run on inputs of other names, shapes and dtypes gives what a fresh parse gives.
    @Test func aCachedProgramAnswersAsAFreshParse() throws {
        let cache = ProgramCache(capacityBytes: 1024, limits: .init())
        let source = "z = x * y + 1\nw = z.sum()"
        let inputs: [[String: Tensor]] = [
            ["x": Tensor([1, 2, 3, 4] as [Float]), "y": Tensor([10, 20, 30, 40] as [Float])],
            ["x": Tensor([1, 2, 3, 4] as [Int64], shape: [2, 2]), "y": Tensor([3] as [Int64])],
            ["x": Tensor([0.5, 1.5] as [Double]), "y": Tensor([2, 4] as [Float])],
        ]
        for (i, x) in inputs.enumerated() {
            let cached = try Evaluation.run(cache.program(source), inputs: x, outputs: nil, grad: nil)
            let fresh = try Evaluation.run(source: source, inputs: x, outputs: nil, grad: nil)
            #expect(cached.outputs.map(\.0) == ["z", "w"])
            for ((_, a), (_, b)) in zip(cached.outputs, fresh.outputs) {
                guard case .tensor(let ta) = a, case .tensor(let tb) = b else { Issue.record("case \(i): not tensors"); continue }
                #expect(ta.dtype == tb.dtype && ta.shape == tb.shape && ta.doubles() == tb.doubles(), "case \(i)")
            }
        }
        #expect(cache.held.sources == [source])
        // z = [11, 41, 91, 161], w = 304 for the first inputs; [4, 7, 10, 13] as int64 for the second.
        let first = try Evaluation.run(cache.program(source), inputs: inputs[0], outputs: ["w"], grad: nil)
        guard case .tensor(let w) = first.outputs[0].1 else { Issue.record("w is not a tensor"); return }
        #expect(w.doubles() == [304])
        // An input that makes the program fail fails the same way cached: a shape error from the op.
        let bad: [String: Tensor] = ["x": Tensor([1, 2, 3] as [Float]), "y": Tensor([1, 2] as [Float])]
        func message(_ body: () throws -> Evaluation.Result) -> String {
            do { _ = try body(); return "no error" } catch { return "\(error)" }
        }
        let cachedError = message { try Evaluation.run(cache.program(source), inputs: bad, outputs: nil, grad: nil) }
        #expect(cachedError.contains("mul") && cachedError == message { try Evaluation.run(source: source, inputs: bad, outputs: nil, grad: nil) })
    }
}

/// Over HTTP: the same requests answer the same bytes on a server without the cache, and on one with it
/// both the first time (parsed) and the second (cached), errors included.
@Suite(.serialized) final class ProgramCacheAPITests {
    let cached: TestServer
    let uncached: TestServer
    init() throws {
        cached = try TestServer()
        uncached = try TestServer { $0.programCacheBytes = 0 }
    }
    deinit {
        cached.stop()
        uncached.stop()
    }

    @Test func answersAreTheSameBytesCachedOrNot() throws {
        let bodies = [
            #"{"tensors": {"x": {"data": [1, 2, 3, 4]}, "y": {"data": [10, 20, 30, 40]}}, "expr": "z = x * y + 1", "outputs": ["z"]}"#,
            #"{"tensors": {"x": {"dtype": "int64", "shape": [2, 2], "data": [1, 2, 3, 4]}, "y": {"data": [2.5]}}, "expr": "z = x * y + 1", "outputs": ["z"]}"#,
            #"{"tensors": {"x": {"data": [1, 2, 3]}, "y": {"data": [1, 2]}}, "expr": "z = x * y + 1", "outputs": ["z"]}"#,
            #"{"tensors": {"w": {"data": [1.5, -2]}}, "expr": "l = (w * w).sum()", "grad": {"of": "l", "wrt": ["w"]}}"#,
            #"{"tensors": {"w": {"data": [1.5, -2]}}, "expr": "l = (w * w).sum()", "outputs": ["q"]}"#,
            #"{"tensors": {"x": {"data": [1, 2]}}, "expr": "y = x +"}"#,
        ]
        for body in bodies {
            let reference = try uncached.request("POST", "/v1/eval", body: body)
            for _ in 0..<2 {
                let r = try cached.request("POST", "/v1/eval", body: body)
                #expect(r.status == reference.status && r.text == reference.text, "\(body)")
            }
        }
        #expect(uncached.service.programs.held.sources.isEmpty)
        #expect(cached.service.programs.held.sources == ["z = x * y + 1", "l = (w * w).sum()"])
        #expect(try cached.request("POST", "/v1/eval", body: bodies[0]).text == #"{"outputs":{"z":{"shape":[4],"dtype":"float32","data":[11,41,91,161]}}}"#)
    }
}
