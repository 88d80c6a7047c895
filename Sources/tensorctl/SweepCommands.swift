import ArgumentParser
import Foundation
import TensorClient
import TensorWire

struct Sweeps: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sweeps: one job per combination of a grid of spec values.",
        subcommands: [Submit.self, List.self, Get.self, Watch.self, Cancel.self, Remove.self])

    struct Submit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Submit a sweep ({\"name\", \"base\": <job spec>, \"grid\": {\"optimizer.lr\": [...]}}); prints its id.")
        @OptionGroup var server: ServerOptions
        @Argument(help: "The sweep: a file, '-' or inline JSON.") var file: String
        @Flag(help: "Follow the sweep to its end, one progress line per job; exit code 4 unless every job succeeded.") var watch = false
        @Option(help: "Idempotency-Key (a fresh one by default; resubmitting with it returns the same sweep).") var idempotencyKey: String?

        func run() throws {
            let sweep = try Input.json(file)
            try server.run { client in
                let created = try client.submitSweep(sweep, idempotencyKey: idempotencyKey ?? "tensorctl-" + UUID().uuidString)
                Output.print(created.id)
                if watch { try Watch.follow(client, created.id) }
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List sweeps, newest first.")
        @OptionGroup var server: ServerOptions
        @Option(help: "Sweeps per page.") var pageSize: Int?

        func run() throws {
            try server.run { client in
                let rows = try client.sweeps(pageSize: pageSize).items.map { s in
                    [s.id, s.status.rawValue, s.name ?? "-", String(s.jobs.count), Progress.number(s.percent) + "%",
                     s.best.map { "\(Progress.number($0.value)) (\($0.jobId))" } ?? "-"]
                }
                Output.print(Output.table(["ID", "STATUS", "NAME", "JOBS", "DONE", "BEST LOSS"], rows))
            }
        }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a sweep as JSON: its jobs, their final and best metrics, the best job.")
        @OptionGroup var server: ServerOptions
        @Argument var id: String
        @Option(help: "Rank by loss, val_loss, accuracy or val_accuracy.") var metric: String?
        @Option(help: "Rank by each job's final value or its best.") var rankBy: String?

        func run() throws {
            try server.run { client in Output.print(try client.sweep(id, metric: metric, rankBy: rankBy).json.jsonText) }
        }
    }

    struct Watch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Follow a sweep to its end, one progress line per job; exit code 4 unless every job succeeded.")
        @OptionGroup var server: ServerOptions
        @Argument var id: String

        func run() throws {
            try server.run { client in try Self.follow(client, id) }
        }

        /// Asks for the sweep twice a second; on a terminal its lines are redrawn in place,
        /// otherwise they are printed again when they change, at most every two seconds.
        static func follow(_ client: TensorClient, _ id: String) throws {
            let terminal = isatty(STDERR_FILENO) == 1
            var drawn = 0
            var last: [String] = []
            var lastPrint = Date.distantPast
            while true {
                let sweep = try client.sweep(id)
                let lines = sweep.jobs.map(line)
                let done = sweep.status.isTerminal
                if terminal {
                    let up = drawn > 0 ? "\u{1B}[\(drawn)A" : ""
                    write(up + lines.map { "\r\u{1B}[2K" + $0 + "\n" }.joined())
                    drawn = lines.count
                } else if lines != last && (done || Date().timeIntervalSince(lastPrint) >= 2) {
                    write(lines.joined(separator: "\n") + "\n")
                    last = lines
                    lastPrint = Date()
                }
                if done {
                    let best = sweep.best.map { b in "best \(sweep.metric) \(Progress.number(b.value)): \(b.jobId)" } ?? "no best job"
                    write("\(sweep.id) \(sweep.status.rawValue); \(best)\n")
                    if sweep.status != .succeeded { throw ExitCode(4) }
                    return
                }
                Thread.sleep(forTimeInterval: 0.5)
            }
        }

        /// `j-…  lr=0.01  [#####---]  40%  running  step 40/100  loss 0.1234`
        static func line(_ job: SweepJob) -> String {
            let percent = job.totalSteps.map { $0 > 0 ? 100 * Double(job.step) / Double($0) : 100 } ?? (job.status == .succeeded ? 100 : 0)
            var parts = [job.id, gridText(job.grid), Progress.bar(min(100, percent), width: 16), job.status.rawValue,
                         "step \(job.step)/\(job.totalSteps.map(String.init) ?? "?")"]
            if let loss = job.latestMetrics.loss { parts.append("loss \(Progress.number(loss))") }
            if let eta = job.etaSeconds, !job.status.isTerminal { parts.append("ETA \(Progress.duration(eta))") }
            return parts.joined(separator: "  ")
        }

        /// `lr=0.01 type=adam`: each grid path by its last part.
        static func gridText(_ grid: JSONValue) -> String {
            guard case .object(let o) = grid else { return grid.jsonText }
            return zip(o.keys, o.values).map { key, value in
                let name = key.split(separator: ".").last.map(String.init) ?? key
                switch value {
                case .number(let n): return "\(name)=\(Progress.number(n.double))"
                case .string(let s): return "\(name)=\(s)"
                default: return "\(name)=\(value.jsonText)"
                }
            }.joined(separator: " ")
        }

        private static func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }
    }

    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel every job of a sweep that has not ended.")
        @OptionGroup var server: ServerOptions
        @Argument var id: String

        func run() throws {
            try server.run { client in
                let sweep = try client.cancelSweep(id)
                Output.print("\(sweep.id) \(sweep.status.rawValue)")
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete finished sweeps with their jobs.")
        @OptionGroup var server: ServerOptions
        @Argument var ids: [String]

        func run() throws {
            try server.run { client in for id in ids { try client.deleteSweep(id) } }
        }
    }
}
