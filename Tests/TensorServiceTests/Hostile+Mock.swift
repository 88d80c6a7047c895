import Foundation
import TensorEngine
import TensorWire

/// Hostile values for the catalogue-driven fuzz test: every JSON kind, integer and float
/// extremes, non-finite numbers, empty, negative and enormous shapes, deep nesting and long
/// lists. Each is a JSON text, so the same table feeds `/v1/ops`, `/v1/optim` and job specs.
enum Hostile {
    static let longList = "[" + Array(repeating: "1", count: 5000).joined(separator: ",") + "]"
    static let deepList = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)

    /// Values for any argument: the wrong JSON kinds and the edges of every number type.
    static let values: [String] = [
        "null", "true", "false", "0", "1", "-1", "2", "-2", "3", "0.5", "-0.5", "0.0", "-0.0",
        "1e308", "-1e308", "1e-320", "1e400", "9223372036854775807", "-9223372036854775808",
        "9223372036854775808", "-9223372036854775809", "4611686018427387904", "-4611686018427387904",
        "2147483648", "-2147483649", "4294967296", "1e19", "-1e19", "1e15", "1.5e9",
        "\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "\"\"", "\"x\"", "\"sum\"", "\"mean\"", "\"float64\"",
        "[]", "[0]", "[-1]", "[1, 2]", "[1, -1]", "[0, 0]", "[4611686018427387904, 4]", "[9223372036854775807, 2]",
        "[-9223372036854775808]", "[3037000500, 3037000500]", "[65536, 65536, 65536]", "[true]", "[1.5]",
        "[\"NaN\"]", "[[1]]", "{}", "{\"a\": 1}", "{\"ref\": \"nope\"}", longList, deepList,
    ]

    /// Tensors that are malformed, degenerate or enormous, in addition to `values`.
    static let tensors: [String] = [
        #"{"data": []}"#, #"{"shape": [0], "data": []}"#, #"{"shape": [], "data": [1]}"#,
        #"{"shape": [0, 3], "data": []}"#, #"{"shape": [3, 0], "data": []}"#,
        #"{"shape": [4611686018427387904, 4], "data": [1]}"#, #"{"shape": [9223372036854775807], "data": [1]}"#,
        #"{"shape": [-1], "data": [1]}"#, #"{"shape": [-2, -3], "data": [1, 2, 3, 4, 5, 6]}"#,
        #"{"shape": [2, 2], "dtype": "int64", "data": [1, 2, 3, 4]}"#,
        #"{"shape": [2, 2], "dtype": "int64", "data": [9223372036854775807, -9223372036854775808, 0, -1]}"#,
        #"{"shape": [2, 2], "dtype": "bool", "data": [true, false, true, true]}"#,
        #"{"shape": [2, 2], "dtype": "float64", "data": [1e308, -1e308, "NaN", "Infinity"]}"#,
        #"{"data": [[1, 2], [3]]}"#, #"{"data": [1, "NaN", "Infinity", "-Infinity"]}"#,
        #"{"data": [1, 2], "dtype": "complex64"}"#, #"{"shape": [1, 2], "data_b64": "AAAA"}"#,
        #"{"shape": [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1], "data": [2]}"#,
        #"{"shape": [3, 1, 2], "data": [1, 2, 3, 4, 5, 6]}"#, #"{"shape": [1], "dtype": "int64", "data": [-9223372036854775808]}"#,
    ]

    /// Literals for `/v1/eval` programs: the language's own spelling of the same extremes.
    static let literals: [String] = [
        "0", "1", "-1", "2", "0.5", "-0.0", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
        "99999999999999999999999999", "4611686018427387904", "-4611686018427387904", "1e400", "-1e400", "1e-400",
        "inf", "-inf", "nan", "true", "false", "'x'", "''", "[]", "[0]", "[-1]", "[4611686018427387904, 4]",
        "[9223372036854775807, 2]", "[-9223372036854775808]", "[[1]]", "[1.5]", "[true]", "x", "[x, x]",
        "x @ x", "-x", "(((((((((((1)))))))))))",
    ]
}

/// A valid call of each op, derived from its declared examples, as the JSON of `/v1/ops`.
struct OpBaseline {
    var inputs: [String]
    var args: [String: String]

    init(_ spec: OpSpec) {
        let example = spec.gradchecks.first ?? spec.examples.first ?? Example()
        let tensorCount = spec.tensorInputs.count
        var inputs: [String] = [], args: [String: String] = [:]
        for (i, arg) in example.positional.enumerated() where i < spec.params.count {
            let json = Self.json(arg)
            // A number for a `tensor | number` parameter travels in args, as the API asks.
            if i < tensorCount, case .value = arg { args[spec.params[i].name] = json } else if i < tensorCount { inputs.append(json) } else { args[spec.params[i].name] = json }
        }
        for (k, v) in example.keywords { args[k] = Self.json(.value(v)) }
        self.inputs = inputs
        self.args = args
    }

    func body(inputs: [String]? = nil, args: [String: String]? = nil) -> String {
        let a = (args ?? self.args).map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ")
        return "{\"inputs\": [\((inputs ?? self.inputs).joined(separator: ", "))], \"args\": {\(a)}}"
    }

    static func json(_ arg: ExampleArg) -> String {
        switch arg {
        case .tensor(let recipe): return tensor(recipe.shape, unit: recipe.distribution == .unit)
        case .tensors(let recipes): return "[" + recipes.map { tensor($0.shape) }.joined(separator: ", ") + "]"
        case .constant(let t): return String(decoding: TensorCodec.encode(t), as: UTF8.self)
        case .value(let v): return value(v)
        }
    }

    /// Distinct positive values, so ops that need them (log, sqrt, distinct maxima) accept the
    /// baseline; probabilities in (0, 1) where the op asks for them.
    static func tensor(_ shape: [Int], unit: Bool = false) -> String {
        let n = shape.reduce(1, *)
        let values: [Double] = (0..<n).map { i in unit ? (Double(i) + 0.5) / Double(n) : 0.5 + Double(i) * 0.25 }
        let data = values.map { String($0) }.joined(separator: ", ")
        return "{\"shape\": \(shape), \"data\": [\(data)]}"
    }

    static func value(_ v: Value) -> String {
        switch v {
        case .int(let i): "\(i)"
        case .float(let d): d.isFinite ? "\(d)" : (d.isNaN ? "\"NaN\"" : (d > 0 ? "\"Infinity\"" : "\"-Infinity\""))
        case .bool(let b): "\(b)"
        case .string(let s): "\"\(s)\""
        case .intList(let l): "\(l)"
        case .null: "null"
        case .tensor(let t): String(decoding: TensorCodec.encode(t), as: UTF8.self)
        case .tensorList(let l): "[" + l.map { String(decoding: TensorCodec.encode($0), as: UTF8.self) }.joined(separator: ", ") + "]"
        }
    }
}
