import Foundation
import HTTPServer
@testable import TensorService
#if canImport(Glibc)
import Glibc
#endif

/// A Tensord service on an ephemeral loopback port with its own data directory.
final class TestServer {
    let service: TensorService
    let server: HTTPServer
    let directory: URL
    var port: Int { server.port }

    init(token: String? = nil, directory: URL? = nil, configure: (inout ServiceConfiguration) -> Void = { _ in }) throws {
        self.directory = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("tensord-test-\(UUID().uuidString)")
        var c = ServiceConfiguration(dataDirectory: self.directory, token: token, lanes: 2, logRequests: false)
        c.http.host = "127.0.0.1"
        c.http.port = 0
        configure(&c)
        service = try TensorService(configuration: c, logger: { _ in })
        server = service.makeServer()
        try server.start()
    }

    func stop(removeData: Bool = true) {
        // Event streams end when the job runner stops; the server then need not wait for them.
        service.jobs.shutdown()
        server.shutdown()
        service.shutdown()
        if removeData { try? FileManager.default.removeItem(at: directory) }
    }

    /// One request on a fresh connection; returns status, headers (lower-cased names) and body.
    func request(_ method: String, _ path: String, body: String? = nil, bytes: [UInt8]? = nil,
                 headers: [String: String] = [:]) throws -> TestResponse {
        let payload = bytes ?? body.map { Array($0.utf8) } ?? []
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        var h = headers
        if !payload.isEmpty && h["Content-Type"] == nil { h["Content-Type"] = "application/json" }
        for (k, v) in h { head += "\(k): \(v)\r\n" }
        if !payload.isEmpty || method == "POST" || method == "PUT" { head += "Content-Length: \(payload.count)\r\n" }
        head += "\r\n"
        let raw = try TestServer.exchange(port: port, Array(head.utf8) + payload)
        return try TestResponse(raw)
    }

    /// A socket connected to 127.0.0.1:`port`; `receiveBuffer` sets its SO_RCVBUF before it connects.
    static func connected(port: Int, receiveBuffer: Int32? = nil) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestError("socket failed") }
        if var size = receiveBuffer { setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size)) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard ok == 0 else {
            close(fd)
            throw TestError("connect failed: errno \(errno)")
        }
        return fd
    }

    static func exchange(port: Int, _ bytes: [UInt8]) throws -> [UInt8] {
        let fd = try connected(port: port)
        defer { close(fd) }
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBufferPointer { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw TestError("send failed: errno \(errno)") }
            sent += n
        }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buf, buf.count, 0)
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return out
    }
}

struct TestError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

struct TestResponse {
    let status: Int
    let headers: [String: String]
    let body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }

    init(_ raw: [UInt8]) throws {
        guard let end = raw.indices.first(where: { raw[$0...].starts(with: [13, 10, 13, 10]) }) else { throw TestError("no response head in \(raw.count) bytes") }
        let lines = String(decoding: raw[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        status = Int(lines[0].split(separator: " ")[1]) ?? 0
        var h: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            h[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        headers = h
        body = Array(raw[(end + 4)...])
    }

    /// The body as JSON (Foundation is fine for test assertions).
    func json() throws -> [String: Any] {
        guard let o = try JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) as? [String: Any] else {
            throw TestError("body is not a JSON object: \(text)")
        }
        return o
    }

    /// `outputs[i].data` of an ops response, as doubles.
    func outputData(_ i: Int = 0) throws -> [Double] {
        let outputs = try #require(try json()["outputs"] as? [[String: Any]])
        return try #require(outputs[i]["data"] as? [Any]).map { ($0 as? NSNumber)?.doubleValue ?? .nan }
    }
}

import Testing
