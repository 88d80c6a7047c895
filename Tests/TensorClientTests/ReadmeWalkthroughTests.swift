import Foundation
import Testing

/// The README's tensorctl walkthrough, run block by block as one shell script against a real
/// server, with the built `tensorctl` binary.
struct ReadmeWalkthroughTests {
    static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("README.md")

    /// The section's fenced blocks in order, with the language of each and the file name a
    /// `json` block is introduced with ("… (`grad.json`):").
    static func blocks(under heading: String) throws -> [(language: String, file: String?, text: String)] {
        let text = try String(contentsOf: readme, encoding: .utf8)
        guard let start = text.range(of: "\n## \(heading)") else { throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "README has no section \(heading)"]) }
        let section = text[start.upperBound...].components(separatedBy: "\n## ")[0]
        var out: [(String, String?, String)] = []
        var current: (String, String?, [String])?
        var previous = ""
        for line in section.components(separatedBy: "\n") {
            if current == nil, line.hasPrefix("```"), line.count > 3 {
                let file = previous.range(of: #"\(`[^`]+`\)"#, options: .regularExpression)
                    .map { String(previous[$0].dropFirst(2).dropLast(2)) }
                current = (String(line.dropFirst(3)), file, [])
            } else if let c = current, line == "```" {
                out.append((c.0, c.1, c.2.joined(separator: "\n")))
                current = nil
            } else if current != nil {
                current!.2.append(line)
            } else if !line.isEmpty {
                previous = line
            }
        }
        return out
    }

    @Test func tensorctlWalkthroughRuns() throws {
        let fixture = try ServiceFixture(token: "s3cret")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("readme-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // The set-up lines build and start a server; the test has its own.
        let setUp = [".build/release/tensord", "swift build", "export TENSORD_SERVER", "alias tensorctl"]
        var script = "set -euo pipefail\ncd '\(dir.path)'\n"
        script += "export TENSORD_SERVER=\(fixture.baseURL) TENSORD_TOKEN=s3cret\n"
        script += "tensorctl() { '\(TensorctlTests.binary.path)' \"$@\"; }\n"
        var files = 0
        for block in try ReadmeWalkthroughTests.blocks(under: "Five minutes with tensorctl") {
            switch block.language {
            case "json":
                let name = try #require(block.file, "a json block without a file name")
                try block.text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
                files += 1
            case "sh":
                script += block.text.split(separator: "\n").filter { line in !setUp.contains { line.hasPrefix($0) } }.joined(separator: "\n") + "\n"
            default:
                continue
            }
        }
        #expect(files == 2)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-c", script]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let output = String(decoding: data, as: UTF8.self)
        #expect(p.terminationStatus == 0, "\(output)")
        #expect(output.contains(#""data":[3,7]"#), "\(output)")
        #expect(output.contains(#""data":[16,20]"#), "sum over dim 0 of the stored x: \(output)")
        #expect(output.contains("succeeded"), "\(output)")
        #expect(output.contains("exit 1"), "the error example exits 1: \(output)")
    }
}
