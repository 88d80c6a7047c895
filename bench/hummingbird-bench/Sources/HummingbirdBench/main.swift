import Hummingbird

/// The endpoints of `tensord-bench http`, written as a Hummingbird 2 user would:
/// `POST /echo` → `{"ok":true,"n":<body length>}` without reading the body as JSON, and
/// `POST /sum` decoding `{"name": …, "data": [numbers]}` with Codable and answering
/// `{"name": …, "n": <count>, "sum": <sum>}`.
/// Usage: HummingbirdBench [port] (default 8081), listening on 127.0.0.1.
struct SumInput: Decodable {
    var name: String
    var data: [Double]
}

struct SumOutput: ResponseEncodable {
    var name: String
    var n: Int
    var sum: Double
}

let port = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 8081
let router = Router()
router.post("/echo") { request, _ -> Response in
    let body = try await request.body.collect(upTo: 1 << 20)
    let json = "{\"ok\":true,\"n\":\(body.readableBytes)}"
    return Response(
        status: .ok,
        headers: [.contentType: "application/json"],
        body: .init(byteBuffer: ByteBuffer(string: json))
    )
}
router.post("/sum") { request, context -> SumOutput in
    let input = try await request.decode(as: SumInput.self, context: context)
    return SumOutput(name: input.name, n: input.data.count, sum: input.data.reduce(0, +))
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
