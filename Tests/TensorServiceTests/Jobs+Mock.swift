import Foundation
import Testing
@testable import TensorService
#if canImport(Glibc)
import Glibc
#endif

/// Job specs and helpers for the job tests.
enum JobFixtures {
    /// The digits fixture of the training tests (1,797 rows: 64 pixels, then the label).
    static let digitsCSV: [[Int]] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../TrainingTests/Fixtures/digits.csv").standardizedFileURL
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map { $0.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
            .filter { $0.count == 65 }
    }()

    /// `{"x": …, "y": …}` tensors of digits rows `rows` as inline JSON.
    static func digits(_ indices: some Sequence<Int>) -> (x: String, y: String) {
        let rows = indices.map { digitsCSV[$0] }
        let x = rows.map { $0.prefix(64).map(String.init).joined(separator: ",") }.joined(separator: ",")
        let y = rows.map { String($0[64]) }.joined(separator: ",")
        return (#"{"shape":[\#(rows.count),64],"data":[\#(x)]}"#, #"{"shape":[\#(rows.count)],"dtype":"int64","data":[\#(y)]}"#)
    }

    /// A digits MLP job on rows `rows`.
    static func digitsJob(_ rows: some Sequence<Int>, epochs: Int, hidden: Int = 32, extra: String = "") -> String {
        let (x, y) = digits(rows)
        return #"""
        {"name": "digits-mlp",
         "model": {"layers": [{"linear": {"in": 64, "out": \#(hidden)}}, "relu", {"linear": {"in": \#(hidden), "out": 10}}], "seed": 1},
         "data": {"x": \#(x), "y": \#(y), "validation_split": 0.1, "shuffle": true, "scaling": "standardize"},
         "loss": "cross_entropy", "optimizer": {"type": "adam", "lr": 0.003},
         "epochs": \#(epochs), "batch_size": 32\#(extra)}
        """#
    }

    /// Gradient descent on a quadratic bowl for `steps` steps.
    static func bowl(steps: Int, name: String = "bowl", extra: String = "") -> String {
        #"{"name": "\#(name)", "objective": {"params": {"p": {"shape": [2], "data": [3.0, -2.0]}}, "tensors": {"c": {"data": [1.0, 0.5]}}, "expr": "loss = sum((p - c) ** 2)"}, "optimizer": {"type": "sgd", "lr": 0.1}, "steps": \#(steps)\#(extra)}"#
    }
}

extension TestServer {
    /// Submits a job; returns its id.
    func submit(_ spec: String, headers: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let r = try request("POST", "/v1/jobs", body: spec, headers: headers)
        #expect(r.status == 202, "\(r.text)", sourceLocation: sourceLocation)
        return try #require(try r.json()["id"] as? String, sourceLocation: sourceLocation)
    }

    func job(_ id: String) throws -> [String: Any] { try request("GET", "/v1/jobs/\(id)").json() }

    /// Polls until the job's status is one of `statuses`; returns the job.
    @discardableResult
    func wait(_ id: String, for statuses: Set<String> = ["succeeded", "failed", "cancelled"], timeout: Double = 60,
              sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline {
            let j = try job(id)
            if let s = j["status"] as? String, statuses.contains(s) { return j }
            Thread.sleep(forTimeInterval: 0.01)
        }
        throw TestError("job \(id) did not reach \(statuses) in \(timeout) s: \(try job(id))")
    }

    /// All metric points of a job as (key, step, value).
    func metrics(_ id: String, query: String = "") throws -> [(String, Int, Double)] {
        let points = try #require(try request("GET", "/v1/jobs/\(id)/metrics\(query)").json()["metrics"] as? [[String: Any]])
        return points.map { ($0["key"] as? String ?? "", $0["step"] as? Int ?? -1, ($0["value"] as? NSNumber)?.doubleValue ?? .nan) }
    }
}

/// A parsed Server-Sent Event.
struct SSEEvent: Equatable {
    var id: Int?
    var event: String
    var data: String
}

/// Reads an event stream over a raw socket, undoing the chunked framing.
final class SSEClient {
    private let fd: Int32
    private var raw: [UInt8] = []
    private var headDone = false
    private var body: [UInt8] = []

    init(port: Int, path: String, headers: [String: String] = [:]) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard ok == 0 else { throw TestError("connect failed") }
        var head = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        head += "\r\n"
        _ = Array(head.utf8).withUnsafeBufferPointer { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var tv = timeval(tv_sec: 0, tv_usec: 50_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// Reads until `until` holds for the text received so far, the stream closes, or `timeout`.
    /// Returns the body text (without chunk framing) and whether the server closed it.
    func read(timeout: Double, until: (String) -> Bool = { _ in false }) -> (text: String, closed: Bool) {
        let deadline = Date(timeIntervalSinceNow: timeout)
        var buf = [UInt8](repeating: 0, count: 65536)
        var closed = false
        while Date() < deadline && !until(text) {
            let n = recv(fd, &buf, buf.count, 0)
            if n == 0 { closed = true; break }
            if n < 0 { continue }
            raw += buf[0..<n]
            dechunk()
        }
        return (text, closed)
    }

    var text: String { String(decoding: body, as: UTF8.self) }

    var events: [SSEEvent] { Self.parse(text) }

    static func parse(_ text: String) -> [SSEEvent] {
        text.components(separatedBy: "\n\n").compactMap { block in
            var e = SSEEvent(id: nil, event: "message", data: "")
            var any = false
            for line in block.split(separator: "\n") {
                if line.hasPrefix("id: ") { e.id = Int(line.dropFirst(4)); any = true }
                if line.hasPrefix("event: ") { e.event = String(line.dropFirst(7)); any = true }
                if line.hasPrefix("data: ") { e.data = String(line.dropFirst(6)); any = true }
            }
            return any ? e : nil
        }
    }

    private func dechunk() {
        if !headDone {
            guard let end = raw.indices.first(where: { raw[$0...].starts(with: [13, 10, 13, 10]) }) else { return }
            raw.removeFirst(end + 4)
            headDone = true
        }
        while let crlf = raw.indices.first(where: { raw[$0...].starts(with: [13, 10]) }) {
            guard let size = Int(String(decoding: raw[..<crlf], as: UTF8.self), radix: 16) else { return }
            guard raw.count >= crlf + 2 + size + 2 else { return }
            body += raw[(crlf + 2)..<(crlf + 2 + size)]
            raw.removeFirst(crlf + 2 + size + 2)
            if size == 0 { return }
        }
    }
}
