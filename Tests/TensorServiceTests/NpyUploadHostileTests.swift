import Foundation
import Testing
import TensorEngine
import TensorWire
#if canImport(Glibc)
import Glibc
#endif

/// `.npy` bodies that arrive after their head are read into storage by `NumpyUpload` from
/// their first bytes: hostile and edge-case headers on that path are answered (a tensor, or a
/// typed problem with a pointer), never a crash, by a real `tensord`.
@Suite struct NpyUploadHostileTests {
    static func npy(_ header: String, _ data: [UInt8] = [], version: UInt8 = 1) -> [UInt8] {
        let h = Array(header.utf8)
        let length = version == 1 ? [UInt8(h.count & 0xFF), UInt8(h.count >> 8)]
                                  : [UInt8(h.count & 0xFF), UInt8(h.count >> 8 & 0xFF), 0, 0]
        return [0x93] + Array("NUMPY".utf8) + [version, 0] + length + h + data
    }

    /// Sends the head, then (once the server has parsed it) the body in small pieces, then
    /// `after` (a pipelined request); returns everything the server answered until it closed.
    static func splitExchange(port: Int, head: String, body: [UInt8], after: [UInt8] = []) throws -> [UInt8] {
        let fd = try TestServer.connected(port: port)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        func put(_ bytes: ArraySlice<UInt8>) { _ = bytes.withUnsafeBufferPointer { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }
        put(Array(head.utf8)[...])
        usleep(50_000)
        for start in stride(from: 0, to: body.count, by: 7) {
            put(body[start..<min(start + 7, body.count)])
            if start < 70 { usleep(2_000) }  // the header a few bytes at a time: the receiver asks for more
        }
        put(after[...])
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while case let n = recv(fd, &buffer, buffer.count, 0), n > 0 { out += buffer[0..<n] }
        return out
    }

    @Test func hostileHeadersOnTheReceiverPathAreAnswered() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tensord-npy-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let child = try ChildServer(directory: directory)
        defer { child.kill() }
        func put(_ body: [UInt8], close: Bool = true, after: [UInt8] = []) throws -> [UInt8] {
            let head = "PUT /v1/tensors/t HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-npy\r\n"
                + "Content-Length: \(body.count)\r\n\(close ? "Connection: close\r\n" : "")\r\n"
            return try Self.splitExchange(port: child.port, head: head, body: body, after: after)
        }
        let dict = { (descr: String, fortran: Bool, shape: String) in "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shape), }\n" }
        let stored: [(String, [UInt8], [Int], [Double])] = [
            ("no elements", Self.npy(dict("<f4", false, "(0,)")), [0], []),
            ("0-d", Self.npy(dict("<f8", false, "()"), [0, 0, 0, 0, 0, 0, 0xF8, 0x3F]), [], [1.5]),
            ("Fortran, no elements", Self.npy(dict(">f4", true, "(3, 0, 2)")), [3, 0, 2], []),
            ("Fortran bools, any nonzero byte true", Self.npy(dict("|b1", true, "(2, 3)"), Array(0..<6)), [2, 3], [0, 1, 1, 1, 1, 1]),
            ("Fortran big-endian int16", Self.npy(dict(">i2", true, "(2, 3)"), Array(0..<12)), [2, 3], [1, 1029, 2057, 515, 1543, 2571]),
        ]
        for (what, body, shape, values) in stored {
            let r = try TestResponse(put(body))
            #expect(try [200, 201].contains(r.status) && r.json()["shape"] as? [Int] == shape, "\(what): \(r.text)")
            let get = try child.get("/v1/tensors/t")
            #expect((get["data"] as? [Any])?.map { ($0 as? NSNumber)?.doubleValue ?? .nan } == values, "\(what): \(get)")
        }
        let refused: [(String, [UInt8], Int, String, String)] = [
            ("a shape whose product overflows", Self.npy(dict("<f4", false, "(4611686018427387904, 4)"), Array(repeating: 0, count: 16)), 413, "too_many_elements", "/shape"),
            ("the largest dimension", Self.npy(dict("<f4", false, "(9223372036854775807,)"), Array(repeating: 0, count: 16)), 413, "too_many_elements", "/shape"),
            ("a negative dimension", Self.npy(dict("<f4", false, "(-9223372036854775807,)"), Array(repeating: 0, count: 16)), 422, "invalid_tensor", "/shape/0"),
            ("65 dimensions", Self.npy(dict("<f4", false, "(" + String(repeating: "1,", count: 65) + ")"), [0, 0, 0, 0]), 422, "invalid_tensor", "/shape"),
            ("a 64 KiB header", [0x93] + Array("NUMPY".utf8) + [1, 0, 0xFF, 0xFF] + Array("{".utf8), 400, "invalid_tensor", ""),
            ("a 4 GiB header", [0x93] + Array("NUMPY".utf8) + [2, 0, 0xFF, 0xFF, 0xFF, 0xFF] + Array(repeating: 0x20, count: 100), 400, "invalid_tensor", ""),
            ("a header nested 40 deep", Self.npy(dict("<f4", false, String(repeating: "(", count: 40) + String(repeating: ")", count: 40)), [0, 0, 0, 0]), 400, "invalid_tensor", ""),
            ("data past the end", Self.npy(dict("<f4", false, "(2,)"), Array(repeating: 0, count: 9)), 422, "invalid_tensor", "/shape"),
            ("a body cut inside the header", Array(Self.npy(dict("<f4", false, "(2,)"), Array(repeating: 0, count: 8)).prefix(50)), 400, "invalid_tensor", ""),
        ]
        for (what, body, status, code, pointer) in refused {
            let r = try TestResponse(put(body))
            let problem = try r.json()
            #expect(r.status == status && problem["code"] as? String == code, "\(what): \(r.text)")
            #expect((problem["errors"] as? [[String: Any]])?.first?["pointer"] as? String ?? "" == pointer, "\(what): \(r.text)")
            #expect(try child.request("GET", "/v1/health/live").status == 200, "\(what)")
        }
        // A body placed into storage, with the next request right behind it in the same packet.
        let file = Self.npy(dict("<f4", false, "(3,)"), [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40, 0, 0, 0x40, 0x40])
        let next = Array("GET /v1/tensors/t?format=npy HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        let both = try put(file, close: false, after: next)
        let second = try #require(both.indices.dropFirst().first { both[$0...].starts(with: Array("HTTP/1.1 ".utf8)) })
        #expect(try TestResponse(Array(both[..<second])).status == 200)
        #expect(try TestResponse(Array(both[second...])).body == NumpyFormat.encode(Tensor([1, 2, 3] as [Float], shape: [3])))
    }
}
