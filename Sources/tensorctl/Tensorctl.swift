import ArgumentParser
import Foundation
import TensorClient

/// `tensorctl`: the Tensord API from the command line, on ``TensorClient``.
///
/// Exit codes: 0 success; 1 the server refused the request (its problem's detail is printed);
/// 3 the server could not be reached or answered nonsense; 4 a watched job did not succeed;
/// 64 a usage error.
@main
struct Tensorctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tensorctl",
        abstract: "Call a Tensord server: ops, programs, the tensor store, training jobs and sweeps.",
        discussion: """
            The server and token come from --server and --token, or TENSORD_SERVER and TENSORD_TOKEN.
            A tensor argument is JSON ('{"data": [[1, 2], [3, 4]]}'), a file holding it, '-' for standard
            input, or @name for a stored tensor.
            """,
        subcommands: [Op.self, Eval.self, Tensors.self, Jobs.self, Sweeps.self, Health.self])
}

/// `GET /v1/health/live` (or `/ready`): exit 0 when it answers ok. The container's HEALTHCHECK.
struct Health: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check that the server is alive (or, with --ready, serving).")
    @OptionGroup var server: ServerOptions
    @Flag(help: "Check readiness instead of liveness.") var ready = false

    func run() throws {
        try server.run { client in
            let ok = ready ? try client.isReady() : try client.isLive()
            Output.print(ok ? "ok" : "not ready")
            if !ok { throw ExitCode(1) }
        }
    }
}

/// Where the server is and how to reach it; every command takes these.
struct ServerOptions: ParsableArguments {
    @Option(help: "The server's base URL (TENSORD_SERVER).")
    var server = ProcessInfo.processInfo.environment["TENSORD_SERVER"] ?? "http://127.0.0.1:8080"

    @Option(help: "Bearer token (TENSORD_TOKEN).")
    var token: String?

    @Option(help: "Seconds allowed for one request.")
    var timeout: Double = 120

    /// Runs `body` with a client; a client error is printed with its detail and becomes the exit code.
    func run(_ body: (TensorClient) throws -> Void) throws {
        do {
            let token = self.token ?? ProcessInfo.processInfo.environment["TENSORD_TOKEN"]
            let client = try TensorClient(.init(baseURL: server, token: token, timeout: .milliseconds(Int(timeout * 1000))))
            try body(client)
        } catch let e as TensorClientError {
            var message = "tensorctl: error: \(e.detail)"
            switch e {
            case .problem(let p):
                message += " (\(p.code), HTTP \(p.status))"
                for f in p.errors where f.detail != p.detail { message += "\n  at \(f.pointer): \(f.detail)" }
            case .transport:
                message += " (\(e.code); is the server running at \(server)?)"
            case .invalidResponse, .invalidRequest:
                message += " (\(e.code))"
            }
            Output.error(message)
            switch e {
            case .problem: throw ExitCode(1)
            case .transport, .invalidResponse: throw ExitCode(3)
            case .invalidRequest: throw ExitCode.validationFailure
            }
        }
    }
}
