import ArgumentParser
import TensorClient
import TensorWire

struct Op: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one op: tensorctl op matmul --input a.json --input '{\"data\": [[1], [2]]}'.")

    @OptionGroup var server: ServerOptions
    @Argument(help: "The op (tensorctl op --list shows them).") var name: String?
    @Option(name: .customLong("input"), help: "A positional tensor: JSON, a file, '-' or @stored (repeat, in order).") var inputs: [String] = []
    @Option(name: .customLong("arg"), help: "An argument k=v, v as JSON when it parses (dim=1, reduction=sum).") var args: [String] = []
    @Flag(help: "List the ops with their inputs and arguments.") var list = false

    func run() throws {
        let inputs = try self.inputs.map(Input.tensor)
        let args = Dictionary(try self.args.map(Input.argument), uniquingKeysWith: { $1 })
        try server.run { client in
            if list || name == nil {
                for op in try client.opCatalogue() {
                    let params = (op.inputs + op.args).map { "\($0.name): \($0.type)" }.joined(separator: ", ")
                    Output.print("\(op.name)(\(params)) — \(op.summary)")
                }
                return
            }
            let outputs = try client.opOutputs(name!, inputs, args: args)
            Output.print(Output.outputs(outputs.map { ($0.name, $0.tensor) }))
        }
    }
}

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a program: FILE holds a /v1/eval request ({\"tensors\": …, \"expr\": …, \"grad\": …}).")

    @OptionGroup var server: ServerOptions
    @Argument(help: "The request: a file, '-' or inline JSON.") var file: String

    func run() throws {
        let request = try Input.json(file)
        try server.run { client in
            if let answer = try client.request("POST", "/v1/eval", body: request) { Output.print(answer.jsonText) }
        }
    }
}

struct Tensors: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The tensor store.", subcommands: [Put.self, Get.self, Import.self, Export.self, List.self, Remove.self])

    struct Put: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Store a tensor under a name.")
        @OptionGroup var server: ServerOptions
        @Argument var name: String
        @Argument(help: "The tensor: JSON, a .npy file, a JSON file or '-'.") var tensor: String

        func run() throws {
            let send: (TensorClient) throws -> StoredTensor
            if Files.hasExtension(tensor, "npy") {
                let npy = try Files.read(tensor)
                send = { try $0.putTensor(name, npy: npy) }
            } else {
                guard case .tensor(let t) = try Input.tensor(tensor) else { throw ValidationError("put takes a tensor, not a reference") }
                send = { try $0.putTensor(name, t) }
            }
            try server.run { client in
                let e = try send(client)
                Output.print("\(e.name) \(e.shape) \(e.dtype) \(e.bytes) bytes")
            }
        }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a stored tensor as JSON, or write it to a file (.npy, .safetensors or JSON).")
        @OptionGroup var server: ServerOptions
        @Argument var name: String
        @Option(name: .shortAndLong, help: "Write to this file; .npy and .safetensors choose the format.") var output: String?

        func run() throws {
            try server.run { client in
                switch output {
                case let path? where Files.hasExtension(path, "npy"): try Files.write(try client.tensorNPY(name), to: path)
                case let path? where Files.hasExtension(path, "safetensors"): try Files.write(try client.safetensors([name]), to: path)
                case let path?: try Files.write(Array(Output.tensor(try client.tensor(name), name: name).utf8), to: path)
                case nil: Output.print(Output.tensor(try client.tensor(name), name: name))
                }
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Store every tensor of a safetensors file.")
        @OptionGroup var server: ServerOptions
        @Argument(help: "A .safetensors file (a PyTorch state_dict, say).") var file: String
        @Option(help: "Put before each tensor's name in the store.") var prefix = ""

        func run() throws {
            let bytes = try Files.read(file)
            try server.run { client in
                let rows = try client.importSafetensors(bytes, prefix: prefix).map { [$0.name, "\($0.shape)", $0.dtype, String($0.bytes)] }
                Output.print(Output.table(["NAME", "SHAPE", "DTYPE", "BYTES"], rows))
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write stored tensors to one safetensors file.")
        @OptionGroup var server: ServerOptions
        @Argument var names: [String]
        @Option(name: .shortAndLong, help: "The .safetensors file to write.") var output: String

        func run() throws {
            try server.run { client in try Files.write(try client.safetensors(names), to: output) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the stored tensors.")
        @OptionGroup var server: ServerOptions

        func run() throws {
            try server.run { client in
                let rows = try client.storedTensors().map { [$0.name, "\($0.shape)", $0.dtype, String($0.bytes)] }
                Output.print(Output.table(["NAME", "SHAPE", "DTYPE", "BYTES"], rows))
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete stored tensors.")
        @OptionGroup var server: ServerOptions
        @Argument var names: [String]

        func run() throws {
            try server.run { client in for n in names { try client.deleteTensor(n) } }
        }
    }
}
