import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch arguments.first {
    case "train":
        try runTrainBenchmark(Array(arguments.dropFirst()))
    default:
        FileHandle.standardError.write(Data("usage: tensord-bench train [--epochs N] [--data digits.csv] [--json]\n".utf8))
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("tensord-bench: \(error)\n".utf8))
    exit(1)
}
