// swift-tools-version:6.0
// Comparison server for scripts/bench-http.sh: the same `POST /echo` and `POST /sum` endpoints as
// `tensord-bench http`, served by Hummingbird 2. Not built by CI or the main package.
import PackageDescription

let package = Package(
    name: "hummingbird-bench",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        .executableTarget(
            name: "HummingbirdBench",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")]
        ),
    ]
)
