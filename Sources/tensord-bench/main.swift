let args = Array(CommandLine.arguments.dropFirst())
switch args.first {
case "engine":
    do { try runEngineBenchmark(Array(args.dropFirst())) } catch { print("engine benchmark failed: \(error)") }
case "http": print("tensord-bench http: not yet")
case "train": print("tensord-bench train: not yet")
default: print("usage: tensord-bench engine [--json] [--quick] | http | train")
}
