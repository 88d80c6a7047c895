import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
let usage = "usage: tensord-bench engine [--json] [--quick] | http [--port N] | wire [--json] [--clock cpu] | train [--epochs N] [--data digits.csv] [--json] | handler [--iterations N] [--rounds N] [--log]\n"
do {
    switch arguments.first {
    case "engine":
        try runEngineBenchmark(Array(arguments.dropFirst()))
    case "http":
        try runHTTPBenchmark(Array(arguments.dropFirst()))
    case "wire":
        try runWireBenchmark(Array(arguments.dropFirst()))
    case "handler":
        try runHandlerBenchmark(Array(arguments.dropFirst()))
    case "train":
        try runTrainBenchmark(Array(arguments.dropFirst()))
    default:
        FileHandle.standardError.write(Data(usage.utf8))
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("tensord-bench: \(error)\n".utf8))
    exit(1)
}
