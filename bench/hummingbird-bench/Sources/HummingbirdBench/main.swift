import Hummingbird

/// `POST /echo` → `{"ok":true,"n":<body length>}`, the same endpoint as `tensord-bench http`.
/// Usage: HummingbirdBench [port] (default 8081), listening on 127.0.0.1.
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
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
