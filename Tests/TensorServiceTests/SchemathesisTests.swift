import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// openapi.yaml is the contract clients are generated from: Schemathesis fuzzes the real
/// `tensord` from it (examples, coverage, fuzzing and stateful phases, within a time budget)
/// and fails on any 5xx and on any answer the document does not describe.
struct SchemathesisTests {
    /// The whole run's time budget; Schemathesis finishes the request under way after it.
    static let budgetSeconds = 30
    /// A run that has not ended by then is killed and fails the test (a hung request).
    static let deadlineSeconds = 150.0

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let install = "run ./scripts/install-deps.sh --test (it installs the test-only tools)"

    /// The version `scripts/install-deps.sh --test` pins (`schemathesis==X`), the one place it is written.
    static func pinnedVersion() throws -> String {
        let script = try String(contentsOf: root.appendingPathComponent("scripts/install-deps.sh"), encoding: .utf8)
        let pin = try #require(script.range(of: "schemathesis=="), "install-deps.sh pins no schemathesis version")
        return String(script[pin.upperBound...].prefix { $0.isNumber || $0 == "." })
    }

    /// Runs `python3 -m schemathesis.cli ARGS` in `directory` (the module of the `python3` that
    /// install-deps.sh installs into, whatever shims are on PATH); nil when it is not installed.
    static func schemathesis(_ arguments: [String], in directory: URL, deadline: Double) throws -> (status: Int32, output: String)? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-m", "schemathesis.cli"] + arguments
        p.currentDirectoryURL = directory
        // The hooks beside this file send the binary tensor bodies (.npy, safetensors) as bytes.
        var env = ProcessInfo.processInfo.environment
        env["PYTHONPATH"] = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + (env["PYTHONPATH"].map { ":" + $0 } ?? "")
        env["SCHEMATHESIS_HOOKS"] = "schemathesis_hooks"
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let pid = p.processIdentifier
        let watchdog = DispatchWorkItem { Glibc.kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + deadline, execute: watchdog)
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        watchdog.cancel()
        let output = String(decoding: data, as: UTF8.self)
        // env's 127 (no python3), or a Python without the package.
        if p.terminationStatus == 127 || output.contains("No module named 'schemathesis") { return nil }
        return (p.terminationStatus, output)
    }

    @Test func responsesConformToOpenAPIAndNoneIsA5xx() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("tensord-schemathesis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }

        let pinned = try Self.pinnedVersion()
        let version = try #require(try Self.schemathesis(["--version"], in: scratch, deadline: 60),
                                   "schemathesis is not installed: \(Self.install)")
        try #require(version.output.contains("version \(pinned)"),
                     "schemathesis \(pinned) is pinned, found: \(version.output.trimmingCharacters(in: .whitespacesAndNewlines)); \(Self.install)")

        let server = try ChildServer(directory: scratch.appendingPathComponent("data"))
        defer { server.kill() }
        let started = Date()
        let run = try #require(try Self.schemathesis([
            "run", Self.root.appendingPathComponent("openapi.yaml").path,
            "--url", "http://127.0.0.1:\(server.port)",
            "--checks", "not_a_server_error,response_schema_conformance",
            "--max-time", "\(Self.budgetSeconds)",
            "--generation-database", "none",  // no .hypothesis directory, no replay of old runs
            "--no-color",
        ], in: scratch, deadline: Self.deadlineSeconds))
        let seconds = Date().timeIntervalSince(started)
        #expect(server.process.isRunning, "tensord died under the fuzzer")
        let summary = run.output.components(separatedBy: "FAILURES").last ?? run.output
        #expect(run.status == 0, "schemathesis found answers openapi.yaml does not describe (or 5xx):\n\(summary.suffix(20_000))")
        let cases = run.output.components(separatedBy: "\n").first { $0.contains(" generated, ") } ?? "?"
        print("schemathesis: \(cases.trimmingCharacters(in: .whitespaces)) in \(Int(seconds)) s")
    }
}
