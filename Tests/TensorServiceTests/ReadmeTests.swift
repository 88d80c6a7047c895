import Foundation
import Testing

/// The README's walkthrough is run, command by command, against a real server.
struct ReadmeTests {
    static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("README.md")

    /// The shell commands of the fenced `sh` blocks under `heading`: each starts at a line
    /// beginning with `command` and runs until the next such line; comment lines are dropped.
    static func commands(under heading: String, starting command: String) throws -> [String] {
        let text = try String(contentsOf: readme, encoding: .utf8)
        guard let start = text.range(of: "\n## \(heading)") else { throw TestError("README has no section '\(heading)'") }
        let section = text[start.upperBound...].components(separatedBy: "\n## ")[0]
        var commands: [String] = []
        var inBlock = false
        for line in section.components(separatedBy: "\n") {
            if line.hasPrefix("```") { inBlock.toggle(); continue }
            guard inBlock, !line.hasPrefix("#") else { continue }
            if line.hasPrefix(command) { commands.append(line) } else if !commands.isEmpty { commands[commands.count - 1] += "\n" + line }
        }
        return commands
    }

    static func shell(_ command: String) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-c", command]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func curlWalkthroughRuns() throws {
        let server = try TestServer()
        defer { server.stop() }
        let commands = try ReadmeTests.commands(under: "Five minutes with curl", starting: "curl")
        #expect(commands.count >= 8)
        for command in commands {
            // -f: an HTTP error status fails the command.
            let local = command.replacingOccurrences(of: "http://127.0.0.1:8080", with: "http://127.0.0.1:\(server.port)")
                .replacingOccurrences(of: "curl -s ", with: "curl -sf ")
            let (status, output) = try ReadmeTests.shell(local)
            #expect(status == 0, "\(command)\n→ \(output)")
            #expect(output.hasPrefix("{"), "\(command)\n→ \(output)")
        }
    }

    @Test func ciRunsTheReadmeTestCommand() throws {
        let text = try String(contentsOf: ReadmeTests.readme, encoding: .utf8)
        let ci = try String(contentsOf: ReadmeTests.readme.deletingLastPathComponent().appendingPathComponent(".ci/run"), encoding: .utf8)
        #expect(text.contains("\n```sh\nswift test\n```"))
        #expect(ci.split(separator: "\n").contains("swift test"))
        #expect(ci.contains("./scripts/install-deps.sh"))
        #expect(text.contains("./scripts/install-deps.sh && swift run -c release tensord"))
    }
}
