import Foundation
import Testing
@testable import TensorEngine

/// Outputs and gradients recorded from PyTorch (Fixtures/losses_linalg.json, written by
/// Fixtures/generate_losses_linalg.py), replayed through the catalogue.
struct LossLinalgGoldenTests {
    static let cases: [PyTorchGolden] = (try? PyTorchGolden.load("losses_linalg")) ?? []

    @Test("fixture loads") func loads() { #expect(LossLinalgGoldenTests.cases.count >= 30) }

    @Test("matches PyTorch", arguments: cases.map(\.name))
    func matches(name: String) throws {
        let c = try #require(LossLinalgGoldenTests.cases.first { $0.name == name })
        let inputs = c.inputs.enumerated().map { i, t in c.grads[i] != nil ? t.requiringGrad() : t }
        var keywords = c.args
        for (k, t) in c.kwtensors { keywords[k] = .tensor(t) }
        let out = try #require(try Ops.call(c.op, positional: inputs.map { .tensor($0) }, keywords: keywords).first)
        expectAllClose(out, c.output, "\(name) output")
        let wrt = inputs.indices.filter { c.grads[$0] != nil }
        guard !wrt.isEmpty else { return }
        let grads = try Autograd.gradients(of: out, wrt: wrt.map { inputs[$0] }, seed: c.gradOutput)
        for (g, i) in zip(grads, wrt) { expectAllClose(g, c.grads[i]!, "\(name) grad of input \(i)") }
    }
}

struct PyTorchGolden {
    let name: String, op: String
    let inputs: [Tensor]
    let args: [String: Value]
    let kwtensors: [String: Tensor]
    let gradOutput: Tensor?
    let output: Tensor
    /// Every result, for ops with several (`output` is the first).
    let outputs: [Tensor]
    let grads: [Tensor?]

    static func load(_ resource: String) throws -> [PyTorchGolden] {
        let url = try #require(Bundle.module.url(forResource: resource, withExtension: "json", subdirectory: "Fixtures"))
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let cases = try #require(root["cases"] as? [[String: Any]])
        return try cases.map { c in
            let args = (c["args"] as? [String: [String: Any]] ?? [:]).mapValues { a -> Value in
                if let s = a["string"] as? String { return .string(s) }
                if let i = a["int"] as? Int { return .int(i) }
                if let b = a["bool"] as? Bool { return .bool(b) }
                if let l = a["ints"] as? [Int] { return .intList(l) }
                if a["null"] != nil { return .null }
                if let f = a["string_float"] as? String { return .float(f == "NaN" ? .nan : f == "Infinity" ? .infinity : -.infinity) }
                return .float((a["float"] as? Double) ?? .nan)
            }
            return PyTorchGolden(
                name: c["name"] as? String ?? "", op: c["op"] as? String ?? "",
                inputs: try (c["inputs"] as? [[String: Any]] ?? []).map(tensor),
                args: args,
                kwtensors: try (c["kwtensors"] as? [String: [String: Any]] ?? [:]).mapValues(tensor),
                gradOutput: try (c["grad_output"] as? [String: Any]).map(tensor),
                output: try tensor(try #require(c["output"] as? [String: Any])),
                outputs: try (c["outputs"] as? [[String: Any]] ?? [try #require(c["output"] as? [String: Any])]).map(tensor),
                grads: try (c["grads"] as? [Any] ?? []).map { try ($0 as? [String: Any]).map(tensor) })
        }
    }

    static func tensor(_ j: [String: Any]) throws -> Tensor {
        let shape = try #require(j["shape"] as? [Int])
        let raw = try #require(j["data"] as? [Any])
        let values: [Double] = raw.map { v in
            switch v as? String {
            case "NaN": .nan
            case "Infinity": .infinity
            case "-Infinity": -.infinity
            default: (v as? NSNumber)?.doubleValue ?? .nan
            }
        }
        let dtype = try #require(DType(name: j["dtype"] as? String ?? ""))
        switch dtype {
        case .int64: return Tensor(values.map { Int64($0) }, shape: shape)
        case .bool: return Tensor(values.map { $0 != 0 }, shape: shape)
        case .float64: return Tensor(values, shape: shape)
        case .float32: return Tensor(values.map { Float($0) }, shape: shape)
        }
    }
}

/// Same shape and dtype, values equal within float32 tolerance (NaN matches NaN).
func expectAllClose(_ a: Tensor, _ b: Tensor, _ what: String, atol: Double = 1e-5, rtol: Double = 1e-4,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.shape == b.shape, "\(what): shape \(a.shape) vs \(b.shape)", sourceLocation: sourceLocation)
    #expect(a.dtype == b.dtype, "\(what): dtype \(a.dtype) vs \(b.dtype)", sourceLocation: sourceLocation)
    guard a.shape == b.shape else { return }
    for (i, (x, y)) in zip(a.doubles(), b.doubles()).enumerated() {
        let ok = (x.isNaN && y.isNaN) || x == y || abs(x - y) <= atol + rtol * abs(y)
        #expect(ok, "\(what)[\(i)]: \(x) vs expected \(y)", sourceLocation: sourceLocation)
        if !ok { return }
    }
}

/// Expects `body` to throw a `TensorError` of `kind`.
func expectThrowsKind(_ kind: TensorError.Kind, _ what: String = "", sourceLocation: SourceLocation = #_sourceLocation,
                      _ body: () throws -> Any) {
    do {
        _ = try body()
        Issue.record("\(what): expected a \(kind) error, got a result", sourceLocation: sourceLocation)
    } catch let e as TensorError {
        #expect(e.kind == kind, "\(what): expected a \(kind) error, got \(e)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("\(what): expected a TensorError, got \(error)", sourceLocation: sourceLocation)
    }
}

/// The row-major values as Doubles (tests compare against literals).
func vals(_ t: Tensor) -> [Double] { t.doubles() }
