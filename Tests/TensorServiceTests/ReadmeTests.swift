import Foundation
import Testing

/// The README's walkthrough is run, command by command, against a real server.
struct ReadmeTests {
    static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("README.md")

    /// The text of the fenced blocks of `language` under the README heading `heading`.
    static func blocks(under heading: String, language: String = "sh") throws -> [String] {
        let text = try String(contentsOf: readme, encoding: .utf8)
        guard let start = text.range(of: "\n## \(heading)") else { throw TestError("README has no section '\(heading)'") }
        let section = text[start.upperBound...].components(separatedBy: "\n## ")[0]
        var blocks: [String] = []
        var current: [String]?
        for line in section.components(separatedBy: "\n") {
            if current == nil, line == "```\(language)" { current = []; continue }
            if current != nil, line == "```" { blocks.append(current!.joined(separator: "\n")); current = nil; continue }
            current?.append(line)
        }
        return blocks
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
        let block = try #require(try ReadmeTests.blocks(under: "Five minutes with curl").first)
        // -f: an HTTP error status fails the command, and the script stops at the first failure.
        let script = "set -euo pipefail\ncd \"$(mktemp -d)\"\n" + block
            .replacingOccurrences(of: "http://127.0.0.1:8080", with: "http://127.0.0.1:\(server.port)")
            .replacingOccurrences(of: "curl -s ", with: "curl -sf ")
            .replacingOccurrences(of: "curl -sN ", with: "curl -sfN ")
        let (status, output) = try ReadmeTests.shell(script)
        #expect(status == 0, "\(output)")
        #expect(output.contains(#"{"outputs":[{"shape":[2,2],"dtype":"float32","data":[11,22,13,24]}]}"#))
        #expect(output.contains(#""grads":{"w":{"shape":[2,1],"dtype":"float32","data":[-15,-21.5]}"#), "\(output)")
        // The notebook cell gives PyTorch's numbers (torch 2.15 in float32: loss 22.916666, w [3.7333336, 3.6333337]).
        #expect(output.contains(#""w":{"shape":[2],"dtype":"float32","data":[3.7333336,3.6333337]}"#), "\(output)")
        #expect(output.contains("event: end"), "\(output)")
        #expect(output.contains(#""status":"succeeded""#), "\(output)")
        // The trained classifier puts the two query points in their clusters' classes.
        let marker = #"{"outputs":[{"shape":[2,2],"dtype":"float32","data":["#
        let prediction = try #require(output.components(separatedBy: marker).last?.components(separatedBy: "]").first)
        let logits = prediction.split(separator: ",").compactMap { Double($0) }
        #expect(logits.count == 4)
        #expect(logits[0] > logits[1] && logits[3] > logits[2], "\(prediction)")
    }

    @Test func theNotebookCellIsSentVerbatim() throws {
        let cell = try #require(try ReadmeTests.blocks(under: "From a notebook", language: "python").first)
        let curl = try #require(try ReadmeTests.blocks(under: "Five minutes with curl").first)
        let expr = try #require(curl.components(separatedBy: #""expr": ""#).first { $0.hasPrefix("import torch") }?.components(separatedBy: #"","#).first)
        let sent = cell.split(separator: "\n").filter { !$0.hasPrefix("print(") }.joined(separator: "\n")
        #expect(expr.replacingOccurrences(of: "\\n", with: "\n") == sent)
    }

    @Test func ciRunsTheReadmeTestCommand() throws {
        let text = try String(contentsOf: ReadmeTests.readme, encoding: .utf8)
        let ci = try String(contentsOf: ReadmeTests.readme.deletingLastPathComponent().appendingPathComponent(".ci/run"), encoding: .utf8)
        // The README's test block, line by line, is what CI runs (after apt-get update).
        let test = try #require(try ReadmeTests.blocks(under: "Set up, run, test").first { $0.hasSuffix("swift test") })
        #expect(test == "./scripts/install-deps.sh --test\nswift test")
        let ciLines = ci.split(separator: "\n").map(String.init)
        #expect(ciLines.suffix(2) == test.split(separator: "\n").map(String.init), "\(ciLines)")
        #expect(text.contains("./scripts/install-deps.sh && swift run -c release tensord"))
    }
}
