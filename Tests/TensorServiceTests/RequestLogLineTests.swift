import Testing
@testable import TensorService

/// The request log's line, written byte by byte, reads as the interpolated line it replaced.
@Suite struct RequestLogLineTests {
    @Test(arguments: [0, 5, 42, 999, 1000, 1001, 1010, 12345, 100_000, 123_456_789])
    func readsAsBefore(_ micros: Int) {
        let fraction = micros % 1000
        let padding = fraction < 10 ? "00" : fraction < 100 ? "0" : ""
        for (method, path, status) in [("POST", "/v1/ops/add", 200), ("GET", "/v1/jobs/caf\u{E9} x", 404), ("DELETE", "/", 500)] {
            #expect(RequestLogLine.make(method: method, path: path, status: status, micros: micros)
                    == "\(method) \(path) \(status) \(micros / 1000).\(padding)\(fraction) ms")
        }
    }

    @Test func writesTheWholeLine() {
        #expect(RequestLogLine.make(method: "POST", path: "/v1/ops/add", status: 422, micros: 1234) == "POST /v1/ops/add 422 1.234 ms")
        #expect(RequestLogLine.make(method: "GET", path: "/metrics", status: 200, micros: 7) == "GET /metrics 200 0.007 ms")
        let longest = RequestLogLine.make(method: "GET", path: "/", status: Int.min, micros: Int.max)
        #expect(longest == "GET / \(Int.min) \(Int.max / 1000).807 ms")
    }
}
