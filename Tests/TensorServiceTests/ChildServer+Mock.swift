import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The `tensord` executable of this build, started as a child process on a free port.
struct ChildServer {
    let process: Process
    let port: Int
    /// What the process wrote to stderr after its banner, read as it comes (so the pipe never fills).
    private let output = Locked("")

    init(directory: URL, arguments: [String] = []) throws {
        process = Process()
        process.executableURL = try Self.binary()
        process.arguments = ["--port", "0", "--data-dir", directory.path, "--quiet", "--lanes", "2"] + arguments
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // The banner names the bound port: "… listening on http://127.0.0.1:PORT (…".
        var text = ""
        var found: Int?
        while found == nil {
            let data = stderr.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
            if let r = text.range(of: "listening on http://127.0.0.1:") {
                found = Int(text[r.upperBound...].prefix { $0.isNumber })
            }
        }
        guard let found else { throw TestError("tensord did not start: \(text)") }
        port = found
        let handle = stderr.fileHandleForReading, output = output
        Thread.detachNewThread {
            while case let data = handle.availableData, !data.isEmpty { output.update { $0 += String(decoding: data, as: UTF8.self) } }
        }
    }

    var log: String { output.value }

    func signal(_ signal: Int32) {
        Glibc.kill(process.processIdentifier, signal)
    }

    func kill() {
        guard process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM, then waits for the process to exit; returns the seconds that took.
    func terminate() -> Double {
        let start = Date()
        Glibc.kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        return -start.timeIntervalSinceNow
    }

    func submit(_ spec: String) throws -> String {
        let r = try request("POST", "/v1/jobs", body: spec)
        guard r.status == 202, let id = try r.json()["id"] as? String else { throw TestError("submit failed: \(r.text)") }
        return id
    }

    func get(_ path: String) throws -> [String: Any] { try request("GET", path).json() }
    func raw(_ path: String) throws -> String { try request("GET", path).text }

    func request(_ method: String, _ path: String, body: String = "") throws -> TestResponse {
        try request(method, path, bytes: Array(body.utf8), contentType: "application/json")
    }

    func request(_ method: String, _ path: String, bytes: [UInt8], contentType: String) throws -> TestResponse {
        let head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: \(contentType)\r\nContent-Length: \(bytes.count)\r\n\r\n"
        return try TestResponse(TestServer.exchange(port: port, Array(head.utf8) + bytes))
    }

    /// `tensord` next to the test bundle in the build products directory.
    static func binary() throws -> URL {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
                          Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent(),
                          packageRoot.appendingPathComponent(".build/debug")]
        for dir in candidates {
            let url = dir.appendingPathComponent("tensord")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw TestError("no tensord executable next to the tests (looked in \(candidates.map(\.path))); run swift build first")
    }
}
