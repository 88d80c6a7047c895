import Foundation
import HTTPServer
import TensorService

/// `tensord-bench handler [--iterations N] [--rounds N] [--log]`: the CPU a small API request costs between its
/// parsed `Request` and its `Response`, in process, with no socket, no parser and no other thread in the way
/// (issue 19). `scripts/bench-api.sh` measures the whole server with wrk; its ratios move ±0.1 from run to run on
/// a shared machine, more than most changes to the op path. Here the thread's own CPU clock times N calls of
/// `TensorService.respond` for each request, and, as the floor, N calls of the router of `tensord-bench http`'s
/// `POST /sum`; the rounds alternate. The least of the rounds is printed beside the median, in ns per request:
/// on this virtual machine the host's other work shows as the guest thread's CPU time (a round of the same
/// work ranged over 2× in one run), so the least disturbed round is the steadier figure.
func runHandlerBenchmark(_ args: [String]) throws {
    var iterations = 20_000, rounds = 25, logRequests = false
    var remaining = args[...]
    while let argument = remaining.popFirst() {
        switch argument {
        case "--iterations": iterations = max(1, remaining.popFirst().flatMap(Int.init) ?? iterations)
        case "--rounds": rounds = max(1, remaining.popFirst().flatMap(Int.init) ?? rounds)
        case "--log": logRequests = true
        default: throw BenchmarkUsageError(message: "usage: tensord-bench handler [--iterations N] [--rounds N] [--log]")
        }
    }
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tensord-bench-handler-\(getpid())")
    defer { try? FileManager.default.removeItem(at: directory) }
    // The request log goes nowhere: its line is built (the cost measured), the writing is the log thread's.
    let service = try TensorService(configuration: ServiceConfiguration(dataDirectory: directory, logRequests: logRequests),
                                    logger: { _ in })
    defer { service.shutdown() }
    let json: HTTPHeaders = ["Content-Type": "application/json", "Host": "127.0.0.1"]
    func post(_ path: String, _ body: String) -> Request {
        Request(method: .post, target: path, headers: json, body: Array(body.utf8))
    }
    let floor = sumRouter()
    var cases: [(String, () throws -> Response)] = [
        ("floor-sum", { [floor] in try floor.respond(to: post("/sum", #"{"name":"tensord","shape":[2,3],"data":[1,2,3,4,5,6]}"#)) }),
    ]
    let add = post("/v1/ops/add", #"{"inputs": [{"shape": [4], "data": [1, 2, 3, 4]}, {"shape": [4], "data": [10, 20, 30, 40]}]}"#)
    let eval = post("/v1/eval", #"{"tensors": {"x": {"data": [1, 2, 3, 4]}, "y": {"data": [10, 20, 30, 40]}}, "expr": "z = x * y + 1", "outputs": ["z"]}"#)
    cases.append(("add", { try service.respond(add) }))
    cases.append(("eval", { try service.respond(eval) }))
    for (name, call) in cases {  // each answers 200 before it is timed
        let r = try call()
        guard r.status.code == 200 else { throw BenchmarkUsageError(message: "\(name) answered \(r.status.code)") }
    }
    var ns = [String: [Double]]()
    for _ in 0..<rounds {
        for (name, call) in cases {
            let start = seconds(CLOCK_THREAD_CPUTIME_ID)
            for _ in 0..<iterations { _ = try call() }
            ns[name, default: []].append((seconds(CLOCK_THREAD_CPUTIME_ID) - start) * 1e9 / Double(iterations))
        }
    }
    func median(_ a: [Double]) -> Double { let s = a.sorted(); return s[s.count / 2] }
    let floorMin = ns["floor-sum"]!.min()!, floorMedian = median(ns["floor-sum"]!)
    print("handler CPU per request, ns (thread clock, \(rounds) rounds of \(iterations); request log \(logRequests ? "on" : "off")):")
    print("             least   median   least / floor's least, median / floor's median")
    for (name, _) in cases {
        let least = ns[name]!.min()!, m = median(ns[name]!)
        print("  \(name.padding(toLength: 10, withPad: " ", startingAt: 0))\(String(format: "%6.0f   %6.0f   %.2fx  %.2fx", least, m, least / floorMin, m / floorMedian))")
    }
}

/// The router of `tensord-bench http`'s `POST /sum`.
private func sumRouter() -> Router {
    var router = Router()
    router.post("/sum") { request, _ in sumResponse(request) }
    return router
}
