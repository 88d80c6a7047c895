// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Tensord",
    products: [
        .library(name: "HTTPServer", targets: ["HTTPServer"]),
        .executable(name: "tensord-bench", targets: ["tensord-bench"]),
    ],
    targets: [
        .target(name: "HTTPServer"),
        .executableTarget(name: "tensord-bench", dependencies: ["HTTPServer"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer"]),
    ]
)
