import Foundation
import Testing
import TensorEngine
import TensorWire
@testable import TensorService
#if canImport(Glibc)
import Glibc
#endif

/// Limits set by `tensord`'s flags hold in a real `tensord` process, and `GET /v1` reports them.
@Suite struct ConfiguredLimitsTests {
    /// Replaced tensor files kept as spares stay within `--max-store-spares` and
    /// `--max-store-spare-bytes`: however many uploads replace tensors, the store's directory holds
    /// its tensors' files and at most that much besides.
    @Test func storeSparesStayWithinTheirFlags() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tensord-spares-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let spareBytes = 3_000_000
        let child = try ChildServer(directory: directory, arguments: ["--max-store-spares", "1", "--max-store-spare-bytes", "\(spareBytes)"])
        defer { child.kill() }
        let limits = try #require(try child.get("/v1")["limits"] as? [String: Any])
        #expect(limits["max_store_spares"] as? Int == 1 && limits["max_store_spare_bytes"] as? Int == spareBytes, "\(limits)")

        let tensors = directory.appendingPathComponent("tensors")
        let swaps = TensorStoreTests.swapsFiles(in: tensors)
        var sparesSeen = 0
        for round in 0..<3 {
            for name in ["a", "b", "c", "d"] {
                // 1.2 MB each: past the 1 MiB a file needs to be kept, 1.2 MB apart in size so none is written over another's spare.
                let count = 300_000 + (name == "b" ? 300_000 : 0)
                let file = NumpyFormat.encode(Tensor.filled([count], with: Double(round), dtype: .float32))
                let put = try child.request("PUT", "/v1/tensors/\(name)", bytes: file, contentType: "application/x-npy")
                #expect(put.status == (round == 0 ? 201 : 200), "\(put.text)")
                let files = try FileManager.default.contentsOfDirectory(atPath: tensors.path)
                let sizes = try files.map { try #require(FileManager.default.attributesOfItem(atPath: tensors.appendingPathComponent($0).path)[.size] as? Int) }
                let spares = zip(files, sizes).filter { $0.0.hasSuffix(".partial") }
                #expect(spares.count <= 1 && spares.map(\.1).reduce(0, +) <= spareBytes, "\(files) \(sizes)")
                sparesSeen = max(sparesSeen, spares.count)
                #expect(zip(files, sizes).filter { $0.0.hasSuffix(".tensor") }.count == (round == 0 ? ["a", "b", "c", "d"].firstIndex(of: name)! + 1 : 4))
            }
        }
        #expect(sparesSeen == (swaps ? 1 : 0))
        let b = try child.request("GET", "/v1/tensors/b?format=npy")
        #expect(b.body == NumpyFormat.encode(Tensor.filled([600_000], with: 2, dtype: .float32)))
    }

    /// `--max-expression-bytes` and `--max-expression-tokens` bound a program: one within them
    /// runs, one a byte or a few tokens over is a 422 pointing at the program.
    @Test func programsStayWithinTheirFlags() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tensord-programs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let child = try ChildServer(directory: directory, arguments: ["--max-expression-bytes", "100", "--max-expression-tokens", "12"])
        defer { child.kill() }
        let limits = try #require(try child.get("/v1")["limits"] as? [String: Any])
        #expect(limits["max_expression_bytes"] as? Int == 100 && limits["max_expression_tokens"] as? Int == 12, "\(limits)")
        func eval(_ program: String) throws -> TestResponse {
            let body = try JSONSerialization.data(withJSONObject: ["expr": program])
            return try child.request("POST", "/v1/eval", body: String(decoding: body, as: UTF8.self))
        }
        func refused(_ r: TestResponse, _ words: String) throws {
            #expect(r.status == 422, "\(r.text)")
            let j = try r.json()
            #expect(j["code"] as? String == "parse_error" && (j["detail"] as? String ?? "").contains(words), "\(r.text)")
            #expect((j["errors"] as? [[String: Any]])?.first?["pointer"] as? String == "/expr", "\(r.text)")
        }
        func y(_ r: TestResponse) throws -> Int? { (try r.json()["outputs"] as? [String: Any])?["y"] as? Int }
        let padded = "y = 1 + 2" + String(repeating: " ", count: 91)
        #expect(try y(eval(padded)) == 3)
        try refused(try eval(padded + " "), "bytes")
        #expect(try y(eval("y = 1 + 2 + 3")) == 6)
        try refused(try eval("y = 1 + 2 + 3 + 4 + 5 + 6 + 7"), "tokens")
    }

    /// `--write-timeout` bounds how long the server waits for a client that stops reading an
    /// answer: the connection is closed after it, with most of a 16 MB answer never sent, while
    /// a client that reads gets all of it.
    @Test func aClientThatStopsReadingIsCutOffAfterTheWriteTimeout() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tensord-write-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let child = try ChildServer(directory: directory, arguments: ["--write-timeout", "1"])
        defer { child.kill() }
        #expect((try child.get("/v1")["limits"] as? [String: Any])?["write_timeout_seconds"] as? Int == 1)
        let file = NumpyFormat.encode(Tensor.filled([4_000_000], with: 1.5, dtype: .float32))
        #expect(try child.request("PUT", "/v1/tensors/big", bytes: file, contentType: "application/x-npy").status == 201)
        #expect(try child.request("GET", "/v1/tensors/big?format=npy").body == file)

        let fd = try TestServer.connected(port: child.port, receiveBuffer: 4096)
        defer { close(fd) }
        let get = Array("GET /v1/tensors/big?format=npy HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        #expect(send(fd, get, get.count, Int32(MSG_NOSIGNAL)) == get.count)
        sleep(5)  // the write timeout and then some, on a loaded machine
        var received = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var timeout = timeval(tv_sec: 20, tv_usec: 0)  // a connection left open would fail the test, not hang it
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { #expect(n == 0 || errno == ECONNRESET, "errno \(errno): the connection was not closed"); break }
            received += n
        }
        #expect(received > 0 && received < file.count / 2, "received \(received) of \(file.count)")
        #expect(try child.request("GET", "/v1/health/live").status == 200)
    }
}
