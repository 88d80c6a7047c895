// swift-tools-version:6.0
import PackageDescription

// C kernels are compiled at -O3; each hot loop carries target_clones so one
// binary runs the AVX-512/AVX2 path where the CPU has it and SSE2 elsewhere.
let cFast: [CSetting] = [.unsafeFlags(["-O3", "-fno-math-errno"])]

let package = Package(
    name: "Tensord",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "TensorEngine", targets: ["TensorEngine"]),
        .library(name: "HTTPServer", targets: ["HTTPServer"]),
        .library(name: "TensorWire", targets: ["TensorWire"]),
        .library(name: "TensorService", targets: ["TensorService"]),
        .library(name: "Training", targets: ["Training"]),
        .library(name: "TensorClient", targets: ["TensorClient"]),
        .executable(name: "tensord", targets: ["tensord"]),
        .executable(name: "tensord-bench", targets: ["tensord-bench"]),
        .executable(name: "tensorctl", targets: ["tensorctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .target(name: "CBLAS", cSettings: cFast, linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "CKernels", cSettings: cFast, linkerSettings: [.linkedLibrary("m")]),
        .target(name: "TensorEngine", dependencies: ["CBLAS", "CKernels"]),
        .target(name: "COptim", cSettings: [.unsafeFlags(["-O3", "-fno-math-errno", "-ffp-contract=off"])], linkerSettings: [.linkedLibrary("m")]),
        .target(name: "Training", dependencies: ["TensorEngine", "TensorWire", "COptim"]),
        .target(name: "CEventPoll"),
        .target(name: "CYieldTimer"),
        .target(name: "HTTPServer", dependencies: ["CEventPoll"]),
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CPostgres", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .target(name: "TensorWire", dependencies: ["TensorEngine"]),
        .target(name: "TensorService", dependencies: ["TensorEngine", "TensorWire", "Training", "HTTPServer", "CSQLite", "CPostgres", "CYieldTimer"], resources: [.copy("Resources/openapi.yaml"), .copy("Resources/dashboard")]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "TensorClient", dependencies: ["CCurl", "TensorWire", "TensorEngine"]),
        .executableTarget(name: "tensord", dependencies: ["TensorService", "HTTPServer",
                                                         .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "tensorctl", dependencies: ["TensorClient", "TensorWire", "TensorEngine",
                                                           .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "tensord-bench", dependencies: ["TensorEngine", "HTTPServer", "TensorWire", "Training", "TensorService"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer"]),
        .testTarget(name: "TensorEngineTests", dependencies: ["TensorEngine"], resources: [.copy("Fixtures")]),
        // The fixtures are read from the source tree (#filePath), also by TensorServiceTests.
        .testTarget(name: "TensorWireTests", dependencies: ["TensorWire", "TensorEngine"], exclude: ["Fixtures"]),
        .testTarget(name: "TensorServiceTests", dependencies: ["TensorService", "TensorWire", "TensorEngine", .product(name: "Yams", package: "Yams")],
                    exclude: ["Fixtures", "schemathesis_hooks.py"]),
        .testTarget(name: "TensorClientTests", dependencies: ["TensorClient", "TensorService", "HTTPServer", "TensorWire", "TensorEngine", "tensorctl"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training"], resources: [.copy("Fixtures")]),
    ]
)
