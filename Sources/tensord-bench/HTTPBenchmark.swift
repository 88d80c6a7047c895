import Foundation
import HTTPServer
import TensorWire

/// `tensord-bench http [--port N] [--event-loops N] [--handler-budget-ms N]`: serves two small JSON endpoints on
/// 127.0.0.1 with the default configuration, until SIGTERM or SIGINT: `POST /echo` answers `{"ok":true,"n":<body
/// length>}` without reading the body (the server alone), and `POST /sum` decodes `{"name": …, "data": [numbers]}`
/// and answers `{"name": …, "n": <count>, "sum": <sum>}` (the server with a JSON round trip). `scripts/bench-http.sh`
/// drives both with wrk and compares them with the same endpoints on Hummingbird 2.
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
    router.post("/sum") { request, _ in sumResponse(request) }
    let server = HTTPServer(configuration: configuration, router: router)
    try server.start()
    server.installSignalHandlers()
    FileHandle.standardOutput.write(Data("tensord-bench http: listening on 127.0.0.1:\(server.port)\n".utf8))
    server.waitUntilStopped()
}

/// `POST /sum`: `{"name": …, "data": [numbers]}` → `{"name": …, "n": <count>, "sum": <sum>}`.
func sumResponse(_ request: Request) -> Response {
    let body = try? JSONParser().parse(request.body)
    let data: [Double]? = switch body?["data"] {
    case .numbers(let a)?: a.doubles
    case .array(let a)? where a.isEmpty: []  // `[]` parses as an array, not as numbers
    default: nil
    }
    guard case .string(let name)? = body?["name"], let data else {
        return Response(status: .init(code: 400), json: #"{"error":"expected {\"name\": string, \"data\": [numbers]}"}"#)
    }
    var w = JSONWriter(capacity: 64)
    w.beginObject()
    w.key("name"); w.string(name)
    w.key("n"); w.int(data.count)
    w.key("sum"); w.float(data.reduce(0, +))
    w.endObject()
    return Response(json: w.take())
}

struct BenchmarkUsageError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
