import Foundation
import Testing
import TensorEngine
@testable import TensorService
#if canImport(Glibc)
import Glibc
#endif

/// Hostile arguments for every op, every optimizer option and every field of a job spec,
/// against a real `tensord` child process: no answer may be a 5xx, and the server must be
/// alive after each request. Driven by the catalogue, so a new op is covered without a new test.
@Suite struct FuzzTests {
    @Test func opsSurviveHostileArguments() throws {
        let fuzz = try Fuzzer()
        defer { fuzz.stop() }
        for spec in Ops.all {
            let base = OpBaseline(spec)
            let path = "/v1/ops/\(spec.name)"
            try fuzz.post(path, base.body(), expectOK: true)
            let tensorInputs = spec.tensorInputs.count
            for (p, param) in spec.params.enumerated() {
                let table = param.type.isTensorLike ? Hostile.values + Hostile.tensors : Hostile.values
                for hostile in table {
                    var args = base.args
                    if p < tensorInputs && param.type != .tensorList {
                        var inputs = base.inputs
                        while inputs.count <= p { inputs.append(OpBaseline.tensor([2])) }
                        inputs[p] = hostile
                        try fuzz.post(path, base.body(inputs: inputs))
                    } else {
                        args[param.name] = hostile
                        try fuzz.post(path, base.body(args: args))
                    }
                }
            }
        }
        fuzz.report()
    }

    /// The same ops through `/v1/eval`, with hostile literals in the program's own spelling.
    @Test func programsSurviveHostileLiterals() throws {
        let fuzz = try Fuzzer()
        defer { fuzz.stop() }
        let tensors = #"{"x": {"shape": [2, 2], "data": [0.5, 1.5, 2.5, 3.5]}, "i": {"shape": [2], "dtype": "int64", "data": [1, 0]}}"#
        for spec in Ops.all {
            for param in spec.params {
                for literal in Hostile.literals {
                    let call = param.type.isTensorLike ? "\(spec.name)(\(literal))" : "\(spec.name)(x, \(param.name)=\(literal))"
                    let program = "y = \(call)\nz = sum(y)"
                    let body = #"{"tensors": \#(tensors), "expr": \#(Fuzzer.quoted(program)), "outputs": ["y"], "grad": {"of": "z", "wrt": ["x"]}}"#
                    try fuzz.post("/v1/eval", body)
                }
            }
        }
        for literal in Hostile.literals {
            try fuzz.post("/v1/eval", #"{"tensors": \#(tensors), "expr": \#(Fuzzer.quoted("y = x[\(literal)]\nz = x.view(\(literal))\nw = x ** \(literal)")), "outputs": ["y"]}"#)
        }
        fuzz.report()
    }

    @Test func optimizerStepsSurviveHostileOptions() throws {
        let fuzz = try Fuzzer()
        defer { fuzz.stop() }
        let options = ["lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize", "lr_decay",
                       "initial_accumulator_value", "eps", "alpha", "centered", "betas", "amsgrad"]
        let params = #""params": {"w": {"data": [1, -2]}}, "grads": {"w": {"data": [0.5, 0.25]}}"#
        for type in OptimizerTypes.all {
            try fuzz.post("/v1/optim/\(type)", "{\(params)}", expectOK: true)
            for option in options {
                for hostile in Hostile.values {
                    try fuzz.post("/v1/optim/\(type)", #"{\#(params), "options": {"\#(option)": \#(hostile)}}"#)
                }
            }
            for hostile in Hostile.values + Hostile.tensors {
                try fuzz.post("/v1/optim/\(type)", #"{"params": {"w": \#(hostile)}, "grads": {"w": \#(hostile)}}"#)
                try fuzz.post("/v1/optim/\(type)", #"{\#(params), "state": {"w": {"step": \#(hostile), "momentum_buffer": \#(hostile), "exp_avg": \#(hostile)}}}"#)
            }
        }
        fuzz.report()
    }

    /// Every field of a model job and an objective job, replaced in turn by each hostile value.
    @Test func jobSpecsSurviveHostileFields() throws {
        let fuzz = try Fuzzer()
        defer { fuzz.stop() }
        let specs = [
            #"{"name": "m", "model": {"layers": [{"linear": {"in": 2, "out": 3}}, "relu", {"linear": {"in": 3, "out": 1}}], "seed": 1, "init": "kaiming_uniform"}, "data": {"x": {"shape": [4, 2], "data": [1, 2, 3, 4, 5, 6, 7, 8]}, "y": {"shape": [4, 1], "data": [1, 2, 3, 4]}, "validation_split": 0.25, "shuffle": true, "scaling": "standardize"}, "loss": "mse", "optimizer": {"type": "sgd", "lr": 0.01, "momentum": 0.9}, "epochs": 1, "batch_size": 2, "clip_grad_norm": 1.0, "lr_schedule": {"type": "step", "step_size": 1, "gamma": 0.5}, "stopping": {"max_runtime_seconds": 60, "early_stopping": {"metric": "val_loss", "patience": 2}}, "checkpoint": {"every_epochs": 1, "keep_last": 1}}"#,
            #"{"name": "o", "objective": {"params": {"p": {"shape": [2], "data": [-1.5, 2.0]}}, "tensors": {"c": {"data": [1, 2]}}, "expr": "loss = sum(p * p * c)"}, "optimizer": {"type": "adam", "lr": 0.001}, "steps": 2}"#,
        ]
        for spec in specs {
            let root = try #require(try JSONSerialization.jsonObject(with: Data(spec.utf8)) as? [String: Any])
            try fuzz.postJob(spec, expectOK: true)
            for path in Fuzzer.leafPaths(root) {
                for hostile in Hostile.values + Hostile.tensors.prefix(6) {
                    try fuzz.postJob(Fuzzer.replacing(path, in: root, with: hostile))
                }
            }
        }
        fuzz.report()
    }
}

private enum OptimizerTypes {
    static let all = ["sgd", "adagrad", "rmsprop", "adam", "adamw"]
}

/// A `tensord` child process that is restarted whenever a request takes it down; every
/// such request, and every 5xx, is kept for the report.
final class Fuzzer {
    private var child: ChildServer
    private let directory: URL
    private(set) var failures: [String] = []
    private(set) var count = 0

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tensord-fuzz-\(UUID().uuidString)")
        child = try ChildServer(directory: directory, arguments: Fuzzer.limits)
    }

    /// Small limits so that a large but allowed result stays cheap in a debug build.
    static let limits = ["--max-elements", "100000", "--max-queued-jobs", "100000", "--max-running-jobs", "1"]

    func stop() {
        child.kill()
        try? FileManager.default.removeItem(at: directory)
    }

    func post(_ path: String, _ body: String, expectOK: Bool = false) throws {
        _ = try send("POST", path, body, expectOK: expectOK)
    }

    /// Submits a job and cancels it at once if it was accepted, so accepted jobs do not pile up.
    func postJob(_ body: String, expectOK: Bool = false) throws {
        guard let r = try send("POST", "/v1/jobs", body, expectOK: expectOK), r.status == 202,
              let id = try? r.json()["id"] as? String else { return }
        _ = try send("POST", "/v1/jobs/\(id)/cancel", "", expectOK: false)
    }

    private func send(_ method: String, _ path: String, _ body: String, expectOK: Bool) throws -> TestResponse? {
        count += 1
        let head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
        let response = try? TestResponse(TestServer.exchange(port: child.port, Array((head + body).utf8)))
        guard let response, child.process.isRunning else {
            failures.append("server died: \(method) \(path) \(body.prefix(300))")
            child.kill()
            child = try ChildServer(directory: directory, arguments: Fuzzer.limits)
            return nil
        }
        if response.status >= 500 || (expectOK && response.status >= 300) {
            failures.append("\(response.status): \(method) \(path) \(body.prefix(300)) → \(response.text.prefix(300))")
        }
        return response
    }

    func report() {
        print("fuzz: \(count) requests, \(failures.count) failures")
        #expect(failures.isEmpty, "\(failures.count) of \(count) requests failed:\n\(failures.prefix(60).joined(separator: "\n"))")
    }

    static func quoted(_ s: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: s, options: .fragmentsAllowed), as: UTF8.self)
    }

    /// Every path to a leaf or a container in a JSON object (arrays by index).
    static func leafPaths(_ value: Any, prefix: [String] = []) -> [[String]] {
        var paths: [[String]] = prefix.isEmpty ? [] : [prefix]
        if let o = value as? [String: Any] {
            for (k, v) in o { paths += leafPaths(v, prefix: prefix + [k]) }
        } else if let a = value as? [Any] {
            for (i, v) in a.enumerated() { paths += leafPaths(v, prefix: prefix + [String(i)]) }
        }
        return paths
    }

    /// The JSON text of `root` with the value at `path` replaced by the JSON text `hostile`.
    static func replacing(_ path: [String], in root: [String: Any], with hostile: String) -> String {
        let marker = "\u{1}HOSTILE\u{1}"
        func replace(_ value: Any, _ rest: ArraySlice<String>) -> Any {
            guard let key = rest.first else { return marker }
            if var o = value as? [String: Any] { o[key] = replace(o[key] as Any, rest.dropFirst()); return o }
            if var a = value as? [Any], let i = Int(key) { a[i] = replace(a[i], rest.dropFirst()); return a }
            return value
        }
        let data = try! JSONSerialization.data(withJSONObject: replace(root, path[...]), options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: Fuzzer.quoted(marker), with: hostile)
    }
}
