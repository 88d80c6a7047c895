import ArgumentParser
import Foundation
import TensorClient
import TensorWire

struct Jobs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Training jobs.",
        subcommands: [Submit.self, List.self, Get.self, Watch.self, Cancel.self, Remove.self, Metrics.self,
                      Checkpoints.self, Model.self, Predict.self])

    struct Submit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Submit a job spec; prints the job's id (with --watch, follows it to the end).")
        @OptionGroup var server: ServerOptions
        @Argument(help: "The job spec: a file, '-' or inline JSON.") var file: String
        @Flag(help: "Follow the job until it ends; the exit code is 4 unless it succeeded.") var watch = false
        @Option(help: "Idempotency-Key (a fresh one by default; resubmitting with it returns the same job).") var idempotencyKey: String?

        func run() throws {
            let spec = try Input.json(file)
            try server.run { client in
                let job = try client.submit(spec, idempotencyKey: idempotencyKey ?? "tensorctl-" + UUID().uuidString)
                Output.print(job.id)
                if watch { try Watch.follow(client, job.id) }
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List jobs, newest first.")
        @OptionGroup var server: ServerOptions
        @Option(help: "Only jobs with this status (queued, running, cancelling, succeeded, failed, cancelled).") var status: String?
        @Option(help: "Jobs per page.") var pageSize: Int?
        @Option(help: "The page after this token (from a previous --json listing).") var pageToken: String?
        @Flag(help: "Every page, not just the first.") var all = false
        @Flag(help: "The JSON page as the server sends it.") var json = false

        func run() throws {
            let status = try self.status.map { s in
                guard let st = JobStatus(rawValue: s) else { throw ValidationError("unknown status '\(s)'") }
                return st
            }
            try server.run { client in
                if json {
                    var query: [(String, String)] = []
                    if let status { query.append(("status", status.rawValue)) }
                    if let pageSize { query.append(("page_size", String(pageSize))) }
                    if let pageToken { query.append(("page_token", pageToken)) }
                    Output.print(try client.request("GET", "/v1/jobs", query: query)?.jsonText ?? "")
                    return
                }
                let jobs = all ? try client.allJobs(status: status, pageSize: pageSize)
                    : try client.jobs(status: status, pageSize: pageSize, pageToken: pageToken).items
                let rows = jobs.map { j in
                    [j.id, j.status.rawValue, j.name ?? "-", "\(j.progress.step)/\(j.progress.totalSteps.map(String.init) ?? "?")",
                     j.latestMetrics.loss.map { Progress.number($0) } ?? "-", j.createdAt]
                }
                Output.print(Output.table(["ID", "STATUS", "NAME", "STEP", "LOSS", "CREATED"], rows))
            }
        }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a job as JSON.")
        @OptionGroup var server: ServerOptions
        @Argument var id: String

        func run() throws {
            try server.run { client in Output.print(try client.job(id).json.jsonText) }
        }
    }

    struct Watch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Follow a job to its end: a progress bar on a terminal, plain lines otherwise; exit code 4 unless it succeeded.")
        @OptionGroup var server: ServerOptions
        @Argument var id: String

        func run() throws {
            try server.run { client in try Self.follow(client, id) }
        }

        static func follow(_ client: TensorClient, _ id: String) throws {
            let display = Progress(terminal: isatty(STDERR_FILENO) == 1)
            let job = try client.waitForJob(id) { display.update($0) }
            display.finish(job)
            if job.status != .succeeded { throw ExitCode(4) }
        }
    }

    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel a job (it stops after its current step).")
        @OptionGroup var server: ServerOptions
        @Argument var id: String

        func run() throws {
            try server.run { client in
                let job = try client.cancelJob(id)
                Output.print("\(job.id) \(job.status.rawValue)")
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete finished jobs with their metrics and checkpoints.")
        @OptionGroup var server: ServerOptions
        @Argument var ids: [String]

        func run() throws {
            try server.run { client in for id in ids { try client.deleteJob(id) } }
        }
    }

    struct Metrics: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A job's metric history, one point per line.")
        @OptionGroup var server: ServerOptions
        @Argument var id: String
        @Option(help: "A metric key (loss, val_loss, accuracy, …, or p[0]); repeat for several.") var key: [String] = []
        @Option(help: "The first step (inclusive).") var startStep: Int?
        @Option(help: "The last step (inclusive).") var endStep: Int?
        @Option(help: "Downsample each key to at most this many points.") var maxPoints: Int?

        func run() throws {
            try server.run { client in
                let points = try client.jobMetrics(id, keys: key, startStep: startStep, endStep: endStep, maxPoints: maxPoints)
                let rows = points.map { [$0.key, String($0.step), $0.epoch.map(String.init) ?? "-", Progress.number($0.value), $0.timestamp] }
                Output.print(Output.table(["KEY", "STEP", "EPOCH", "VALUE", "TIMESTAMP"], rows))
            }
        }
    }

    struct Checkpoints: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The checkpoints kept for a job.")
        @OptionGroup var server: ServerOptions
        @Argument var id: String

        func run() throws {
            try server.run { client in
                let rows = try client.jobCheckpoints(id).map { [String($0.step), $0.epoch.map(String.init) ?? "-", String($0.bytes), $0.createdAt] }
                Output.print(Output.table(["STEP", "EPOCH", "BYTES", "CREATED"], rows))
            }
        }
    }

    struct Model: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A job's trained parameters (and feature scaling) as JSON, or as a safetensors file PyTorch loads.")
        @OptionGroup var server: ServerOptions
        @Argument var id: String
        @Option(name: .shortAndLong, help: "Write to this file; .safetensors writes PyTorch's state_dict.") var output: String?

        func run() throws {
            try server.run { client in
                switch output {
                case let path? where Files.hasExtension(path, "safetensors"): try Files.write(try client.jobModelSafetensors(id), to: path)
                case let path?: try Files.write(Array(try client.jobModel(id).json.jsonText.utf8), to: path)
                case nil: Output.print(try client.jobModel(id).json.jsonText)
                }
            }
        }
    }

    struct Predict: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run a model job's model on inputs ([N, in] → [N, out]).")
        @OptionGroup var server: ServerOptions
        @Argument var id: String
        @Option(name: .customLong("input"), help: "An input tensor: JSON, a file, '-' or @stored (repeat for several).") var inputs: [String]

        func run() throws {
            let inputs = try self.inputs.map(Input.tensor)
            try server.run { client in
                Output.print(Output.outputs(try client.predict(id, inputs).map { (nil, $0) }))
            }
        }
    }
}
