import Foundation
import Testing

/// The built `tensorctl` binary, end to end: against a real server for ops, programs and the
/// store, and against the jobs stub for jobs.
@Suite(.serialized) struct TensorctlTests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// `tensorctl` sits next to the test bundle in the build products directory.
    static let binary: URL = {
        var dir = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 where !FileManager.default.fileExists(atPath: dir.appendingPathComponent("tensorctl").path) {
            dir.deleteLastPathComponent()
        }
        return dir.appendingPathComponent("tensorctl")
    }()

    func tensorctl(_ args: [String], server: String, token: String? = nil, stdin: String? = nil) throws -> Run {
        let p = Process()
        p.executableURL = Self.binary
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["TENSORD_SERVER"] = server
        env["TENSORD_TOKEN"] = token
        p.environment = env
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    func file(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tensorctl-\(UUID().uuidString).json")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test func opsProgramsAndTheStore() throws {
        let fixture = try ServiceFixture(token: "s3cret")
        let url = fixture.baseURL
        let a = try file(#"{"shape": [2, 2], "data": [1, 2, 3, 4]}"#)
        var r = try tensorctl(["op", "matmul", "--input", a, "--input", #"{"data": [[1], [1]]}"#], server: url, token: "s3cret")
        #expect(r.status == 0 && r.stdout == #"{"outputs": [{"shape":[2,1],"dtype":"float32","data":[3,7]}]}"# + "\n", "\(r)")
        r = try tensorctl(["op", "topk", "--input", #"{"data": [3, 1, 4]}"#, "--arg", "k=2", "--arg", "largest=true"], server: url, token: "s3cret")
        #expect(r.stdout.contains(#""name":"values""#) && r.stdout.contains(#""name":"indices""#), "\(r)")
        r = try tensorctl(["op", "mse_loss", "--input", #"{"data": [1, 2]}"#, "--input", #"{"data": [1, 4]}"#, "--arg", "reduction=sum"],
                          server: url, token: "s3cret")
        #expect(r.stdout.contains(#""data":[4]"#), "a bare word is a string argument: \(r)")
        r = try tensorctl(["tensors", "put", "w", "-"], server: url, token: "s3cret", stdin: #"{"data": [1, 2, 3]}"#)
        #expect(r.status == 0 && r.stdout.hasPrefix("w [3] float32 12 bytes"), "\(r)")
        r = try tensorctl(["tensors", "list"], server: url, token: "s3cret")
        #expect(r.stdout.contains("NAME") && r.stdout.contains("w     [3]"), "\(r)")
        r = try tensorctl(["tensors", "get", "w"], server: url, token: "s3cret")
        #expect(r.stdout == #"{"name":"w","shape":[3],"dtype":"float32","data":[1,2,3]}"# + "\n", "\(r)")
        r = try tensorctl(["op", "sum", "--input", "@w"], server: url, token: "s3cret")
        #expect(r.stdout.contains(#""data":[6]"#), "\(r)")
        let program = try file(#"{"tensors": {"x": {"data": [1, 2]}}, "expr": "y = sum(x * x)", "grad": {"of": "y", "wrt": ["x"]}}"#)
        r = try tensorctl(["eval", program], server: url, token: "s3cret")
        #expect(r.status == 0 && r.stdout.contains(#""grads":{"x":{"shape":[2],"dtype":"float32","data":[2,4]}}"#), "\(r)")
        r = try tensorctl(["tensors", "rm", "w"], server: url, token: "s3cret")
        #expect(r.status == 0)

        // Errors: the problem's detail on stderr and a non-zero exit code.
        r = try tensorctl(["tensors", "get", "w"], server: url, token: "s3cret")
        #expect(r.status == 1 && r.stderr.contains("no tensor named 'w'") && r.stderr.contains("(not_found, HTTP 404)"), "\(r)")
        r = try tensorctl(["op", "add", "--input", #"{"data": [1, 2]}"#, "--input", #"{"data": [1, 2, 3]}"#], server: url, token: "s3cret")
        #expect(r.status == 1 && r.stderr.contains("shape_mismatch, HTTP 422"), "\(r)")
        r = try tensorctl(["tensors", "list"], server: url)
        #expect(r.status == 1 && r.stderr.contains("unauthorized, HTTP 401"), "\(r)")
        r = try tensorctl(["tensors", "list", "--token", "s3cret"], server: url)
        #expect(r.status == 0, "--token works as TENSORD_TOKEN does: \(r)")
        r = try tensorctl(["op", "add", "--input", "{nope"], server: url, token: "s3cret")
        #expect(r.status == 64 && r.stderr.contains("is not JSON"), "\(r)")
        r = try tensorctl(["health"], server: url)
        #expect(r.status == 0 && r.stdout == "ok\n", "health needs no token: \(r)")
        r = try tensorctl(["health", "--ready"], server: url)
        #expect(r.status == 0, "\(r)")
        fixture.server.shutdown()
        r = try tensorctl(["health", "--server", url], server: "http://unused")
        #expect(r.status == 3, "the container's health check fails when the server is down: \(r)")
        r = try tensorctl(["tensors", "list", "--server", url], server: "http://unused")
        #expect(r.status == 3 && r.stderr.contains("connection_failed"), "\(r)")
    }

    @Test func submitWatchModelPredict() throws {
        let stub = try JobStub(interval: 0.01, token: "t0k")
        defer { stub.stop() }
        let url = stub.baseURL
        let spec = try file(#"{"name": "line-fit", "steps": 12, "epochs": 3, "model": {"layers": [{"linear": {"in": 2, "out": 1}}]}}"#)
        var r = try tensorctl(["jobs", "submit", spec, "--watch"], server: url, token: "t0k")
        #expect(r.status == 0, "\(r)")
        let id = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(id.hasPrefix("j-"), "stdout holds the job id only: \(r)")
        // Not a terminal: plain lines, one per status, and the summary.
        let lines = r.stderr.split(separator: "\n")
        // The status when watching began: queued, or already running (the stub steps every 10 ms,
        // so on a loaded machine the first GET may find it running, with or without its message).
        let first = String(lines.first ?? "")
        #expect(first == "\(id) queued" || first == "\(id) running" || first == "\(id) running: started", "the status when watching began: \(r.stderr)")
        #expect(lines.contains("\(id) running: started"), "\(r.stderr)")
        #expect(lines.last == "\(id) succeeded: epoch 3/3  step 12/12  loss 0.07692", "\(r.stderr)")
        #expect(!r.stderr.contains("\u{1B}["), "no terminal control codes in a log")

        r = try tensorctl(["jobs", "model", id], server: url, token: "t0k")
        #expect(r.status == 0 && r.stdout.hasPrefix(#"{"params":{"0.weight":{"shape":[1,2]"#), "\(r)")
        r = try tensorctl(["jobs", "predict", id, "--input", #"{"data": [[1, 2], [3, 1]]}"#], server: url, token: "t0k")
        #expect(r.stdout == #"{"outputs": [{"shape":[2,1],"dtype":"float32","data":[0.5,5.5]}]}"# + "\n", "\(r)")
        r = try tensorctl(["jobs", "get", id], server: url, token: "t0k")
        #expect(r.stdout.contains(#""status":"succeeded""#), "\(r)")
        r = try tensorctl(["jobs", "list"], server: url, token: "t0k")
        #expect(r.stdout.contains("ID") && r.stdout.contains("\(id)  succeeded  line-fit  12/12"), "\(r)")
        r = try tensorctl(["jobs", "metrics", id, "--key", "loss", "--start-step", "11"], server: url, token: "t0k")
        #expect(r.stdout.split(separator: "\n").count == 3 && r.stdout.contains("loss  11"), "\(r)")
        r = try tensorctl(["jobs", "checkpoints", id], server: url, token: "t0k")
        #expect(r.stdout.contains("12    3      64"), "\(r)")
        r = try tensorctl(["jobs", "watch", id], server: url, token: "t0k")
        #expect(r.status == 0 && r.stderr.contains("succeeded"), "watching a finished job: \(r)")

        // A job that does not succeed: exit code 4. A queued job cannot be deleted.
        r = try tensorctl(["jobs", "submit", #"{"name": "stuck"}"#], server: url, token: "t0k")
        let stuck = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        r = try tensorctl(["jobs", "rm", stuck], server: url, token: "t0k")
        #expect(r.status == 1 && r.stderr.contains("job_not_terminal, HTTP 409"), "\(r)")
        r = try tensorctl(["jobs", "cancel", stuck], server: url, token: "t0k")
        #expect(r.stdout == "\(stuck) cancelled\n", "\(r)")
        r = try tensorctl(["jobs", "watch", stuck], server: url, token: "t0k")
        #expect(r.status == 4 && r.stderr.contains("\(stuck) cancelled"), "\(r)")
        r = try tensorctl(["jobs", "rm", stuck], server: url, token: "t0k")
        #expect(r.status == 0)
        r = try tensorctl(["jobs", "get", stuck], server: url, token: "t0k")
        #expect(r.status == 1 && r.stderr.contains("not_found"), "\(r)")
    }

    /// .npy and safetensors files chosen by their extension: a NumPy array in and out, a
    /// PyTorch state_dict imported, a job started from it, its model written back for PyTorch.
    @Test func npyAndSafetensorsFiles() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../TensorWireTests/Fixtures").standardizedFileURL
        let fixture = try ServiceFixture()
        let url = fixture.baseURL
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("tensorctl-files-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: out) }
        func bytes(_ url: URL) throws -> [UInt8] { [UInt8](try Data(contentsOf: url)) }

        var r = try tensorctl(["tensors", "put", "x", fixtures.appendingPathComponent("float32_be_F.npy").path], server: url)
        #expect(r.status == 0 && r.stdout == "x [2, 3, 4] float32 96 bytes\n", "\(r)")
        r = try tensorctl(["tensors", "get", "x", "-o", out.appendingPathComponent("x.npy").path], server: url)
        #expect(r.status == 0, "\(r)")
        #expect(try bytes(out.appendingPathComponent("x.npy")) == bytes(fixtures.appendingPathComponent("save_float32.npy")))
        // The extension chooses the format in any case.
        let upper = out.appendingPathComponent("X.NPY")
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("float32_be_F.npy"), to: upper)
        r = try tensorctl(["tensors", "put", "y", upper.path], server: url)
        #expect(r.status == 0 && r.stdout == "y [2, 3, 4] float32 96 bytes\n", "\(r)")
        r = try tensorctl(["tensors", "get", "y", "-o", out.appendingPathComponent("Y.Npy").path], server: url)
        #expect(try r.status == 0 && bytes(out.appendingPathComponent("Y.Npy")) == bytes(fixtures.appendingPathComponent("save_float32.npy")), "\(r)")

        let mlp = fixtures.appendingPathComponent("mlp.safetensors")
        r = try tensorctl(["tensors", "import", mlp.path, "--prefix", "m."], server: url)
        #expect(r.status == 0 && r.stdout.contains("m.0.weight  [4, 3]  float32  48"), "\(r)")
        r = try tensorctl(["tensors", "export", "m.2.bias", "m.0.bias", "-o", out.appendingPathComponent("two.safetensors").path], server: url)
        let two = try bytes(out.appendingPathComponent("two.safetensors"))
        #expect(r.status == 0 && String(decoding: two.dropFirst(8).prefix(40), as: UTF8.self).hasPrefix(#"{"m.2.bias":{"dtype":"F32","shape":[2]"#), "\(r)")

        let spec = try file(#"""
            {"name": "from-torch", "model": {"layers": [{"linear": {"in": 3, "out": 4}}, "relu", {"linear": {"in": 4, "out": 2}}], "init": {"safetensors": "m."}},
             "data": {"x": {"data": [[1, 2, 3], [0, -1, 2]]}, "y": {"data": [[0, 1], [1, 0]]}},
             "loss": "mse", "optimizer": {"type": "sgd", "lr": 0.0}, "epochs": 1}
            """#)
        r = try tensorctl(["jobs", "submit", spec, "--watch"], server: url)
        let id = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(r.status == 0, "\(r)")
        let model = out.appendingPathComponent("model.safetensors")
        r = try tensorctl(["jobs", "model", id, "-o", model.path], server: url)
        #expect(r.status == 0, "\(r)")
        let upperModel = out.appendingPathComponent("MODEL.SAFETENSORS")
        r = try tensorctl(["jobs", "model", id, "-o", upperModel.path], server: url)
        #expect(try r.status == 0 && bytes(upperModel) == bytes(model), "\(r)")
        // Trained with lr 0: the very weights PyTorch saved, under the same names.
        let (mine, torch) = (try bytes(model), try bytes(mlp))
        for name in ["0.weight", "0.bias", "2.weight", "2.bias"] {
            #expect(Self.tensorBytes(mine, name) == Self.tensorBytes(torch, name) && Self.tensorBytes(mine, name) != nil, "\(name)")
        }
        r = try tensorctl(["tensors", "put", "bad", fixtures.appendingPathComponent("unsupported_float16.npy").path], server: url)
        #expect(r.status == 1 && r.stderr.contains("unsupported_dtype, HTTP 422"), "\(r)")
    }

    /// The data bytes of tensor `name` in a safetensors file (read here without TensorWire,
    /// from the header's JSON).
    static func tensorBytes(_ file: [UInt8], _ name: String) -> [UInt8]? {
        guard file.count >= 8 else { return nil }
        let n = file.prefix(8).reversed().reduce(0) { $0 << 8 | Int($1) }
        guard let header = try? JSONSerialization.jsonObject(with: Data(file[8..<(8 + n)])) as? [String: Any],
              let entry = header[name] as? [String: Any], let offsets = entry["data_offsets"] as? [Int] else { return nil }
        return Array(file[(8 + n + offsets[0])..<(8 + n + offsets[1])])
    }
}
