import Foundation
import Testing
@testable import TensorEngine

/// Values PyTorch's CPU generator draws after `torch.manual_seed(seed)` (Fixtures/random.json,
/// written by Fixtures/generate_random.py), replayed through the catalogue with a generator
/// of the same seed: every element must be identical, in float32 and float64, below and
/// above randn's 16-element threshold, and across calls that share the generator's state.
struct RandomGoldenTests {
    struct Call: @unchecked Sendable { let op: String; let args: [String: Value]; let output: [String: Any] }
    struct Case: Sendable { let name: String; let seed: Int; let calls: [Call] }

    static let cases: [Case] = (try? load()) ?? []

    static func load() throws -> [Case] {
        let url = try #require(Bundle.module.url(forResource: "random", withExtension: "json", subdirectory: "Fixtures"))
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        return try (root["cases"] as? [[String: Any]] ?? []).map { c in
            let calls = try (c["calls"] as? [[String: Any]] ?? []).map { call in
                let args = try (call["args"] as? [String: [String: Any]] ?? [:]).mapValues { a -> Value in
                    if let t = a["tensor"] as? [String: Any] { return .tensor(try RandomGoldenTests.exactTensor(t)) }
                    if let l = a["ints"] as? [Int] { return .intList(l) }
                    if let s = a["string"] as? String { return .string(s) }
                    if let b = a["bool"] as? Bool { return .bool(b) }
                    if let i = a["int"] as? Int { return .int(i) }
                    return .float(try #require(a["float"] as? Double))
                }
                return Call(op: call["op"] as? String ?? "", args: args, output: try #require(call["output"] as? [String: Any]))
            }
            return Case(name: c["name"] as? String ?? "", seed: try #require(c["seed"] as? Int), calls: calls)
        }
    }

    /// The fixture's values, written as strings so that they parse exactly.
    static func exactValues(_ j: [String: Any]) throws -> [Double] {
        try (j["data"] as? [String] ?? []).map { try #require(Double($0), "not a number: \($0)") }
    }

    static func exactTensor(_ j: [String: Any]) throws -> Tensor {
        let values = try exactValues(j), shape = try #require(j["shape"] as? [Int])
        return try Tensor(values, shape: shape).cast(to: try #require(DType(name: j["dtype"] as? String ?? "")))
    }

    @Test("fixture loads") func loads() { #expect(RandomGoldenTests.cases.count >= 38) }

    @Test("identical to PyTorch", arguments: cases.map(\.name))
    func identical(name: String) throws {
        let c = try #require(RandomGoldenTests.cases.first { $0.name == name })
        let generator = Generator(seed: c.seed)
        for (k, call) in c.calls.enumerated() {
            let out = try #require(try Ops.call(call.op, keywords: call.args, generator: generator).first)
            let expected = call.output
            #expect(out.shape == expected["shape"] as? [Int], "\(name) call \(k): shape \(out.shape)")
            #expect(out.dtype == DType(name: expected["dtype"] as? String ?? ""), "\(name) call \(k): dtype \(out.dtype)")
            let data = try RandomGoldenTests.exactValues(expected)
            let values = out.doubles()
            let step = expected["sample_every"] as? Int ?? 1
            // Large tensors keep every `step`-th value, the last one and the sum.
            let picked = step == 1 ? values : stride(from: 0, to: values.count, by: step).map { values[$0] } + [values[values.count - 1]]
            #expect(picked.count == data.count, "\(name) call \(k): \(picked.count) values vs \(data.count)")
            if let i = picked.indices.first(where: { i in i < data.count && picked[i] != data[i] }) {
                Issue.record("\(name) call \(k) (\(call.op)): value \(i * step) is \(picked[i]), PyTorch drew \(data[i])")
            }
            if let sum = expected["sum"] as? Double {
                #expect(abs(values.reduce(0, +) - sum) <= 1e-9 * Double(values.count), "\(name) call \(k): sum")
            }
        }
    }
}
