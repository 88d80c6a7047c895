let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "wire": try runWireBenchmark(Array(arguments.dropFirst()))
default: print("tensord-bench: engine | http | train | wire")
}
