import Foundation
import Testing
@testable import TensorEngine

/// One case of a PyTorch golden fixture (Fixtures/*.json, written by Fixtures/generate_*.py
/// with torch_golden.py's encoding): an op's inputs and arguments, and what PyTorch returned
/// for them, with the gradients of a seeded backward pass.
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
            let args = try (c["args"] as? [String: [String: Any]] ?? [:]).mapValues { a throws -> Value in
                if let s = a["string"] as? String { return .string(s) }
                if let i = a["int"] as? Int { return .int(i) }
                if let b = a["bool"] as? Bool { return .bool(b) }
                if let l = a["ints"] as? [Int] { return .intList(l) }
                if a["null"] != nil { return .null }
                if let f = a["string_float"] as? String { return .float(f == "NaN" ? .nan : f == "Infinity" ? .infinity : -.infinity) }
                return .float(try #require(a["float"] as? Double, "not an argument: \(a)"))
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
        switch try #require(DType(name: j["dtype"] as? String ?? "")) {
        case .int64: return Tensor(try raw.map(int64), shape: shape)
        case .bool: return Tensor(try raw.map { try double($0) != 0 }, shape: shape)
        case .float64: return Tensor(try raw.map(double), shape: shape)
        case .float32: return Tensor(try raw.map { Float(try double($0)) }, shape: shape)
        }
    }

    /// An integer element, exactly: a number past Int64's range or with a fraction is an
    /// error, not a trap (converting such a Double to Int64 would stop the test process).
    static func int64(_ v: Any) throws -> Int64 {
        guard let n = v as? NSNumber, let i = Int64(exactly: n) else { throw BadElement(value: "\(v)", dtype: .int64) }
        return i
    }

    /// A floating element: a number, or the wire's "NaN", "Infinity" and "-Infinity".
    static func double(_ v: Any) throws -> Double {
        switch v as? String {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default:
            guard let n = v as? NSNumber else { throw BadElement(value: "\(v)", dtype: .float64) }
            return n.doubleValue
        }
    }

    struct BadElement: Error {
        /// The element as the fixture spells it.
        let value: String, dtype: DType
    }
}
