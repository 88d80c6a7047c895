import Foundation
import Testing

/// compose.yaml cannot be run here (no Docker engine), so it is checked against what it
/// names: tensord's flags, the Dockerfile's entry point, deploy/haproxy.cfg, openapi.yaml and
/// the README. The file keeps to a small YAML subset (block maps, flow lists) read below.
struct ComposeTests {
    struct Service {
        var fields: [String: String] = [:]
        var lists: [String: [String]] = [:]
        var maps: [String: [String: String]] = [:]
    }

    /// The services of compose.yaml: scalar fields, lists (block `- x` or flow `[…]`) and maps (one level).
    static func services() throws -> [String: Service] {
        let text = try DockerfileTests.read("compose.yaml")
        var services: [String: Service] = [:]
        var inServices = false
        var service: String?, field: String?
        for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = String(raw)
            if line.hasPrefix("#") { continue }
            let indent = line.prefix { $0 == " " }.count
            let body = line.trimmingCharacters(in: .whitespaces)
            if indent == 0 { inServices = body == "services:"; continue }
            guard inServices else { continue }
            if indent == 2 { service = String(body.dropLast()); services[service!] = Service(); continue }
            guard let s = service else { continue }
            if indent == 4 {
                let (key, value) = Self.split(body)
                field = key
                if value.hasPrefix("[") {
                    let items = try JSONSerialization.jsonObject(with: Data(value.utf8)) as? [String]
                    let list: [String] = try #require(items, "\(s).\(key) is a list of strings")
                    services[s]!.lists[key] = list
                } else if !value.isEmpty {
                    services[s]!.fields[key] = value
                }
            } else if let f = field {
                if body.hasPrefix("- ") {
                    services[s]!.lists[f, default: []].append(Self.unquoted(String(body.dropFirst(2))))
                } else if indent == 6 {
                    let (key, value) = Self.split(body)
                    services[s]!.maps[f, default: [:]][key] = value
                }
            }
        }
        return services
    }

    static func split(_ body: String) -> (String, String) {
        guard let colon = body.firstIndex(of: ":") else { return (body, "") }
        return (String(body[..<colon]), unquoted(body[body.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
    }

    static func unquoted(_ s: String) -> String { s.trimmingCharacters(in: CharacterSet(charactersIn: "\"'")) }

    /// The long flags `tensord` accepts: its `@Option`/`@Flag` properties, kebab-cased as ArgumentParser names them.
    static func tensordFlags() throws -> Set<String> {
        let source = try DockerfileTests.read("Sources/tensord/Tensord.swift")
        var flags: Set<String> = []
        let lines = source.components(separatedBy: "\n")
        for (i, line) in lines.enumerated() where line.contains("@Option") || line.contains("@Flag") {
            // The property is declared on the same line or the next.
            let declaration = [line, i + 1 < lines.count ? lines[i + 1] : ""].joined(separator: " ")
            guard let r = declaration.range(of: "var ") else { continue }
            let name = declaration[r.upperBound...].prefix { $0.isLetter || $0.isNumber }
            flags.insert("--" + name.reduce(into: "") { out, c in out += c.isUppercase ? "-" + c.lowercased() : String(c) })
        }
        return flags
    }

    /// `--flag value` pairs of a command.
    static func options(_ command: [String]) -> [String: String] {
        var out: [String: String] = [:]
        for (i, word) in command.enumerated() where word.hasPrefix("--") && i + 1 < command.count { out[word] = command[i + 1] }
        return out
    }

    @Test func nodesUseRealFlagsAndShareOneDatabase() throws {
        let services = try Self.services()
        let nodes = services.filter { $0.value.fields["build"] == "." }
        #expect(nodes.count == 3, "three tensord nodes built from the Dockerfile: \(services.keys.sorted())")
        #expect(try DockerfileTests.read("Dockerfile").contains(#"ENTRYPOINT ["tensord"]"#), "a node's command is tensord's arguments")
        let postgres = try #require(services["postgres"])
        #expect(postgres.fields["image"]?.hasPrefix("postgres:") == true, "PostgreSQL's official image")
        let env = try #require(postgres.maps["environment"])
        let flags = try Self.tensordFlags()
        #expect(flags.contains("--max-running-jobs") && flags.contains("--lease-seconds"))
        var ids: Set<String> = [], leases: Set<String> = []
        for (name, node) in nodes {
            let command = try #require(node.lists["command"], "\(name) has a command")
            for word in command where word.hasPrefix("--") { #expect(flags.contains(word), "\(name): tensord has no flag \(word)") }
            let o = Self.options(command)
            #expect(o["--host"] == "0.0.0.0", "\(name) listens where the load balancer reaches it")
            let url = try #require(o["--database"].flatMap(URLComponents.init(string:)), "\(name) has a --database URL")
            #expect(url.scheme == "postgresql" && url.host == "postgres" && url.port == 5432, "\(name): \(url)")
            #expect(url.user == env["POSTGRES_USER"] && url.path == "/" + (env["POSTGRES_DB"] ?? ""), "\(name): the database compose creates")
            #expect(node.maps["environment"]?["PGPASSWORD"] == env["POSTGRES_PASSWORD"], "\(name) has the database's password")
            #expect(node.maps["depends_on"]?["postgres"] != nil, "\(name) starts once PostgreSQL is up")
            ids.insert(try #require(o["--node-id"]))
            leases.insert(o["--lease-seconds"] ?? "default")
        }
        #expect(ids.count == 3, "every node has its own --node-id: \(ids)")
        #expect(leases.count == 1, "the nodes agree on the lease: \(leases)")
    }

    @Test func theLoadBalancerReachesEveryNode() throws {
        let services = try Self.services()
        let lb = try #require(services["lb"])
        #expect(lb.fields["image"]?.hasPrefix("haproxy:") == true, "HAProxy's official image")
        let mount = try #require(lb.lists["volumes"]?.first)
        let parts = mount.split(separator: ":").map(String.init)
        #expect(parts.count >= 2 && parts[1] == "/usr/local/etc/haproxy/haproxy.cfg", "mounted where the image reads it: \(mount)")
        let config = try DockerfileTests.read(String(parts[0].dropFirst(2)))
        let lines = config.components(separatedBy: "\n").map { $0.trimmingCharacters(in: .whitespaces) }

        let published = try #require(lb.lists["ports"]?.first).split(separator: ":").map(String.init)
        let bind = try #require(lines.first { $0.hasPrefix("bind :") })
        #expect(published.count == 2 && bind == "bind :\(published[1])", "HAProxy binds the port compose publishes: \(bind), \(published)")

        let nodes = services.filter { $0.value.fields["build"] == "." }
        let expected = Set(nodes.map { "\($0.key):\(Self.options($0.value.lists["command"] ?? [])["--port"] ?? "?")" })
        let servers = Set(lines.filter { $0.hasPrefix("server ") }.map { $0.split(separator: " ")[2] }.map(String.init))
        #expect(servers == expected, "one server line per node at its --port: \(servers) vs \(expected)")
        #expect(lines.filter { $0.hasPrefix("server ") }.allSatisfy { $0.hasSuffix(" check") }, "every node is health-checked")
        for node in nodes.keys { #expect(lb.lists["depends_on"]?.contains(node) == true, "lb starts after \(node)") }

        let check = try #require(lines.first { $0.hasPrefix("option httpchk GET ") })
        let path = String(check.dropFirst("option httpchk GET ".count))
        #expect(try DockerfileTests.read("Sources/TensorService/Resources/openapi.yaml").contains("\n  \(path):\n"), "\(path) is an API path")
        #expect(path == "/v1/health/ready", "readiness (503 while a node stops), not liveness")
    }

    @Test func readmeSaysHowToRunIt() throws {
        let readme = try DockerfileTests.read("README.md")
        let section = try #require(readme.components(separatedBy: "\n## Several nodes").dropFirst().first?.components(separatedBy: "\n## ").first)
        let published = try #require(try Self.services()["lb"]?.lists["ports"]?.first).split(separator: ":")[0]
        #expect(section.contains("docker compose up"))
        #expect(section.contains("127.0.0.1:\(published)"), "the README's address is the one compose publishes")
        #expect(section.contains("--lease-seconds") && section.contains("--node-id") && section.contains("--database"))
    }
}
