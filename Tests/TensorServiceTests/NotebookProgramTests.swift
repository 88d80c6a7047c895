import Foundation
import Testing
import TensorEngine
@testable import TensorService

/// PyTorch notebook cells run verbatim as programs, against PyTorch's own answers:
/// `Fixtures/generate_notebook_programs.py` ran each cell in PyTorch and recorded
/// `Fixtures/notebook_programs.json`.
struct NotebookProgramTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let source: String
        let inputs: [String: Tensor]
        let outputs: [String]
        /// nil when PyTorch raises (then the program must be refused too).
        let expected: [String: JSONBox]?
        var testDescription: String { name }
    }

    /// A decoded JSON value (Sendable, for test arguments).
    struct JSONBox: @unchecked Sendable { let value: Any }

    static let cases: [Case] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/notebook_programs.json")
        guard let data = try? Data(contentsOf: url),
              let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let cases = root["cases"] as? [[String: Any]] else { return [] }
        return cases.map { c in
            let inputs = (c["inputs"] as? [String: [String: Any]] ?? [:]).mapValues { tensor(fromLiteral: $0) }
            let expected = c["error"] == nil ? (c["expected"] as? [String: Any] ?? [:]).mapValues { JSONBox(value: $0) } : nil
            return Case(name: c["name"] as! String, source: c["source"] as! String, inputs: inputs,
                        outputs: c["outputs"] as! [String], expected: expected)
        }
    }()

    /// An input written as PyTorch's `torch.tensor(data, dtype=…)` takes it.
    static func tensor(fromLiteral spec: [String: Any]) -> Tensor {
        func flatten(_ v: Any) -> ([Double], [Int]) {
            guard let items = v as? [Any] else { return ([(v as! NSNumber).doubleValue], []) }
            let parts = items.map(flatten)
            return (parts.flatMap(\.0), [items.count] + (parts.first?.1 ?? []))
        }
        let (values, shape) = flatten(spec["data"]!)
        switch spec["dtype"] as? String ?? "float32" {
        case "int64": return Tensor(values.map { Int64($0) }, shape: shape)
        case "float64": return Tensor(values, shape: shape)
        default: return Tensor(values.map { Float($0) }, shape: shape)
        }
    }

    @Test func fixtureIsPresent() {
        #expect(NotebookProgramTests.cases.count >= 30)
    }

    @Test("a notebook cell gives PyTorch's answer", arguments: NotebookProgramTests.cases)
    func cell(_ c: Case) throws {
        guard let expected = c.expected else {
            #expect(throws: (any Error).self, "PyTorch refuses this cell") {
                try Evaluation.run(source: c.source, inputs: c.inputs, outputs: nil, grad: nil)
            }
            return
        }
        let result = try Evaluation.run(source: c.source, inputs: c.inputs, outputs: c.outputs, grad: nil)
        for (name, value) in result.outputs {
            compare(value, expected[name]!.value, at: "\(c.name).\(name)")
        }
    }

    func compare(_ value: EvalValue, _ expected: Any, at path: String) {
        if expected is NSNull {
            guard case .none = value else { Issue.record("\(path): expected None, got a \(value.kind)"); return }
            return
        }
        let e = expected as! [String: Any]
        if let n = e["number"] {
            guard case .scalar(let s) = value else { Issue.record("\(path): expected a number, got a \(value.kind)"); return }
            close(s.double, number(n), path)
        } else if let name = e["dtype_name"] as? String {
            guard case .dtype(let d) = value else { Issue.record("\(path): expected a dtype, got a \(value.kind)"); return }
            #expect(d.rawValue == name, "\(path)")
        } else if let items = e["items"] as? [Any] {
            guard let got = value.items, got.count == items.count else { Issue.record("\(path): expected \(items.count) items, got \(value.kind)"); return }
            for (i, (v, x)) in zip(got, items).enumerated() { compare(v, x, at: "\(path)[\(i)]") }
        } else {
            let t: Tensor
            switch value {
            case .tensor(let x): t = x
            case .tuple where value.ints != nil: t = Tensor(value.ints!.map(Int64.init))
            default: Issue.record("\(path): expected a tensor, got a \(value.kind)"); return
            }
            #expect(t.shape == e["shape"] as! [Int], "\(path) shape")
            #expect(t.dtype.rawValue == e["dtype"] as! String, "\(path) dtype")
            let want = (e["data"] as! [Any]).map(number)
            let got = t.doubles()
            guard got.count == want.count else { Issue.record("\(path): \(got.count) values, expected \(want.count)"); return }
            for (g, w) in zip(got, want) { close(g, w, path) }
        }
    }

    func number(_ v: Any) -> Double {
        if let s = v as? String { return s == "NaN" ? .nan : s == "Infinity" ? .infinity : -.infinity }
        return (v as! NSNumber).doubleValue
    }

    func close(_ got: Double, _ want: Double, _ path: String) {
        if want.isNaN { #expect(got.isNaN, "\(path): \(got) is not NaN"); return }
        #expect(abs(got - want) <= 1e-5 * max(1, abs(want)), "\(path): \(got) vs PyTorch's \(want)")
    }
}
