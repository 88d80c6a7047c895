import Foundation
import HTTPServer
import TensorClient
import TensorEngine
@testable import TensorService

/// A Tensord service on an ephemeral loopback port with its own data directory.
final class ServiceFixture {
    let service: TensorService
    let server: HTTPServer
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tensorclient-test-\(UUID().uuidString)")
    var baseURL: String { "http://127.0.0.1:\(server.port)" }

    init(token: String? = nil, configure: (inout ServiceConfiguration) -> Void = { _ in }) throws {
        var c = ServiceConfiguration(dataDirectory: directory, token: token, lanes: 2, logRequests: false)
        c.http.host = "127.0.0.1"
        c.http.port = 0
        configure(&c)
        service = try TensorService(configuration: c, logger: { _ in })
        server = service.makeServer()
        try server.start()
    }

    func client(token: String? = nil, _ configure: (inout TensorClient.Configuration) -> Void = { _ in }) throws -> TensorClient {
        var c = TensorClient.Configuration(baseURL: baseURL, token: token)
        configure(&c)
        return try TensorClient(c)
    }

    deinit {
        server.shutdown()
        service.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }
}

extension Tensor {
    static func f32(_ values: [Float], _ shape: [Int]? = nil) -> Tensor { Tensor(values, shape: shape ?? [values.count]) }
}
