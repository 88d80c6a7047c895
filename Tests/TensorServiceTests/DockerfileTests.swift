import Foundation
import Testing

/// The Dockerfile cannot be built here (no Docker engine), so its apt packages are checked
/// against scripts/install-deps.sh, the one list README and .ci/run install: every -dev
/// package in the build stage, its runtime library (and nothing else) in the runtime stage.
struct DockerfileTests {
    /// The runtime library each -dev package links or loads.
    static let runtimeLibraries: [String: Set<String>] = [
        "libopenblas-dev": ["libopenblas0-pthread", "libopenblas0"],
        "libcurl4-openssl-dev": ["libcurl4"],
        "libsqlite3-dev": ["libsqlite3-0"],
        "libpq-dev": ["libpq5"],
    ]

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func read(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// `PACKAGES=(a b c)` (or another list) in scripts/install-deps.sh.
    static func installDepsPackages(_ list: String = "PACKAGES") throws -> [String] {
        let script = try read("scripts/install-deps.sh")
        let line = try #require(script.split(separator: "\n").first { $0.hasPrefix("\(list)=(") })
        return line.dropFirst("\(list)=(".count).prefix { $0 != ")" }.split(separator: " ").map(String.init)
    }

    /// The packages of every `apt-get install` in `text`, continuation lines joined, options skipped.
    static func aptPackages(_ text: String) -> [String] {
        let joined = text.replacingOccurrences(of: "\\\n", with: " ")
        var packages: [String] = []
        for line in joined.split(separator: "\n") where !line.trimmingCharacters(in: .whitespaces).hasPrefix("#") {
            for command in line.components(separatedBy: "&&") {
                let words = command.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                guard let i = words.firstIndex(of: "install"), i > 0, words[i - 1] == "apt-get" else { continue }
                packages += words[(i + 1)...].filter { !$0.hasPrefix("-") && !$0.hasPrefix("\"$") && !$0.contains("$") }
            }
        }
        return packages
    }

    /// The Dockerfile's stages, split at each `FROM`.
    static func stages() throws -> [String] {
        let text = try read("Dockerfile")
        return text.components(separatedBy: "\nFROM ").dropFirst().map { "FROM " + $0 }
    }

    @Test func buildStageInstallsWhatInstallDepsInstalls() throws {
        let deps = try Self.installDepsPackages()
        #expect(deps.contains("libopenblas-dev") && deps.contains("libcurl4-openssl-dev"))
        #expect(deps.allSatisfy { $0.hasSuffix("-dev") }, "install-deps.sh lists build packages: \(deps)")
        let stages = try Self.stages()
        #expect(stages.count == 2, "a build stage and a runtime stage")
        let build = Set(Self.aptPackages(stages[0]))
        for p in deps { #expect(build.contains(p), "the Dockerfile's build stage does not install \(p)") }
        for p in build { #expect(p.hasSuffix("-dev"), "the build stage installs \(p), which install-deps.sh would need too") }
    }

    @Test func runtimeStageHasTheMatchingLibrariesOnly() throws {
        let stages = try Self.stages()
        let build = Self.aptPackages(stages[0])
        let runtime = Self.aptPackages(stages[1])
        // Assets (the dashboard's Chart.js) are used as installed, in both stages' places.
        let assets = Set(try Self.installDepsPackages("ASSETS"))
        for a in assets { #expect(runtime.contains(a), "the runtime stage lacks \(a), which the server serves") }
        var expected = assets
        for dev in build {
            let libs = try #require(Self.runtimeLibraries[dev], "no runtime library known for \(dev): add it to DockerfileTests.runtimeLibraries")
            #expect(!libs.isDisjoint(with: runtime), "the runtime stage lacks the library of \(dev) (one of \(libs.sorted()))")
            expected.formUnion(libs)
        }
        for p in runtime { #expect(expected.contains(p), "the runtime stage installs \(p), which no build package needs") }
        #expect(runtime.allSatisfy { !$0.hasSuffix("-dev") })
    }

    @Test func readmeAndCIUseTheOneList() throws {
        let ci = try Self.read(".ci/run")
        #expect(ci.contains("scripts/install-deps.sh --test"), "CI runs the browser test, so it installs what that needs")
        #expect(Self.aptPackages(ci).isEmpty, ".ci/run installs through install-deps.sh only")
        let deps = Set(try Self.installDepsPackages())
        let readme = Set(Self.aptPackages(try Self.read("README.md")))
        #expect(readme.isEmpty || readme == deps, "README's apt-get install lists \(readme.sorted()), install-deps.sh \(deps.sorted())")
    }

    @Test func runtimeStageIsLockedDown() throws {
        let runtime = try #require(try Self.stages().last)
        let lines = runtime.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let user = try #require(lines.last { $0.hasPrefix("USER ") })
        #expect(user != "USER root" && user != "USER 0", "runs as a non-root user")
        #expect(lines.contains { $0.hasPrefix("VOLUME") && $0.contains("/data") })
        #expect(lines.contains("EXPOSE 8080"))
        #expect(runtime.contains("HEALTHCHECK") && runtime.contains("tensorctl\", \"health\""), "the health check hits /v1/health/live")
        #expect(runtime.contains("\"--host\", \"0.0.0.0\""))
        #expect(try Self.stages()[0].contains("cp -R .build/release/*.resources"), "openapi.yaml's resource bundle ships with the binary")
    }
}
