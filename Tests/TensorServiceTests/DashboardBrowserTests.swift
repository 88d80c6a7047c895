import Foundation
import Testing
@testable import TensorService

/// The dashboard in headless Chromium against a real server on a socket: runs
/// Tests/Browser/dashboard_test.py (Selenium) as a child process and asserts its verdict.
/// Needs `scripts/install-deps.sh --test`; screenshots go to .build/dashboard-screenshots.
@Suite(.serialized) struct DashboardBrowserTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// The whole browser run, Chromium's start included, must end within this.
    static let timeout: Double = 600

    @Test func sweepJobAndComparePagesInChromium() throws {
        for tool in ["/usr/bin/chromium", "/usr/bin/chromedriver"] {
            try #require(FileManager.default.isExecutableFile(atPath: tool), "\(tool) is missing: run scripts/install-deps.sh --test")
        }
        // Three running slots: the sweep's three jobs run (and grow on the page) together. A
        // heartbeat a second finds event streams whose browser has gone.
        let server = try TestServer(token: "browser-token") { $0.maxRunningJobs = 3; $0.eventHeartbeatSeconds = 1 }
        defer { server.stop() }
        let shots = Self.root.appendingPathComponent(".build/dashboard-screenshots")
        try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)
        for name in ["sweep.png", "job-path.png", "optimizer-paths.png"] { try? FileManager.default.removeItem(at: shots.appendingPathComponent(name)) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.root.appendingPathComponent("Tests/Browser/dashboard_test.py").path,
                             "--url", "http://127.0.0.1:\(server.port)", "--screenshots", shots.path, "--token", "browser-token"]
        // Output to a file: nothing has to read it while the child runs.
        let logURL = shots.appendingPathComponent("browser-test.log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let output = try FileHandle(forWritingTo: logURL)
        defer { try? output.close() }
        process.standardOutput = output
        process.standardError = output
        let ended = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in ended.signal() }
        try process.run()
        if ended.wait(timeout: .now() + Self.timeout) == .timedOut {
            process.terminate()
            ended.wait()
        }
        let log = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
        #expect(process.terminationReason == .exit && process.terminationStatus == 0, "browser test failed:\n\(log)")
        for name in ["sweep.png", "job-path.png", "optimizer-paths.png"] {
            #expect(FileManager.default.fileExists(atPath: shots.appendingPathComponent(name).path), "no screenshot \(name)\n\(log)")
        }
        // The browser has quit: every connection it held, event streams included, is released.
        let deadline = Date(timeIntervalSinceNow: 10)
        while server.server.connectionCount > 0 && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        #expect(server.server.connectionCount == 0, "connections still open after the browser quit")
    }
}
