import Foundation
import HTTPServer

/// `tensord-bench http [--port N] [--event-loops N] [--handler-budget-ms N]`: serves `POST /echo` (a small JSON endpoint answering
/// `{"ok":true,"n":<body length>}`) on 127.0.0.1 with the default configuration, until SIGTERM or SIGINT.
/// `scripts/bench-http.sh` drives it with wrk and compares it with Hummingbird 2.
func runHTTPBenchmark(_ arguments: [String]) throws {
    var configuration = HTTPServerConfiguration(port: 8080)
    var remaining = arguments[...]
    while let argument = remaining.popFirst() {
        switch argument {
        case "--port":
            guard let value = remaining.popFirst().flatMap(Int.init) else {
                throw BenchmarkUsageError(message: "--port needs a number")
            }
            configuration.port = value
        case "--event-loops":
            guard let value = remaining.popFirst().flatMap(Int.init), value > 0 else {
                throw BenchmarkUsageError(message: "--event-loops needs a positive number")
            }
            configuration.eventLoops = value
        case "--handler-budget-ms":
            guard let value = remaining.popFirst().flatMap(Int.init), value > 0 else {
                throw BenchmarkUsageError(message: "--handler-budget-ms needs a positive number")
            }
            configuration.handlerBudget = .milliseconds(value)
        default:
            throw BenchmarkUsageError(message: "unknown argument \(argument); usage: tensord-bench http [--port N] [--event-loops N] [--handler-budget-ms N]")
        }
    }
    var router = Router()
    router.post("/echo") { request, _ in
        Response(json: #"{"ok":true,"n":\#(request.body.count)}"#)
    }
    let server = HTTPServer(configuration: configuration, router: router)
    try server.start()
    server.installSignalHandlers()
    FileHandle.standardOutput.write(Data("tensord-bench http: listening on 127.0.0.1:\(server.port)\n".utf8))
    server.waitUntilStopped()
}

struct BenchmarkUsageError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
