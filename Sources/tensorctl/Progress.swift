import Foundation
import TensorClient

/// How `jobs watch` shows a job: on a terminal, one line redrawn in place
/// (`[########------------]  40%  epoch 12/30  step 540/1350  loss 0.2134  ETA 1m21s`); otherwise
/// plain lines, one per status change and at most one progress line a second, for logs.
/// Written to standard error, so standard output keeps only the results.
final class Progress {
    let terminal: Bool
    private var lastStatus: JobStatus?
    private var lastDraw = Date.distantPast
    private var drawn = false

    init(terminal: Bool) { self.terminal = terminal }

    func update(_ job: Job) {
        if job.status != lastStatus {
            lastStatus = job.status
            clear()
            write("\(job.id) \(job.status.rawValue)\(job.statusMessage.map { ": \($0)" } ?? "")\n")
            lastDraw = .distantPast
        }
        guard job.status == .running else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= (terminal ? 0.1 : 1) else { return }
        lastDraw = now
        if terminal {
            write("\r\u{1B}[2K" + Self.bar(job.progress.percent) + "  " + Self.summary(job))
            drawn = true
        } else {
            write(Self.summary(job) + "\n")
        }
    }

    func finish(_ job: Job) {
        clear()
        var line = "\(job.id) \(job.status.rawValue): " + Self.summary(job)
        if let e = job.error { line += "\n  \(e.detail) (\(e.code))" }
        write(line + "\n")
    }

    private func clear() {
        if drawn { write("\r\u{1B}[2K") }
        drawn = false
    }

    private func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }

    static func bar(_ percent: Double, width: Int = 24) -> String {
        let filled = max(0, min(width, Int((percent / 100 * Double(width)).rounded())))
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] "
            + String(format: "%3.0f%%", percent)
    }

    /// `epoch 12/30  step 540/1350  loss 0.2134  ETA 1m21s`, leaving out what is unknown.
    static func summary(_ job: Job) -> String {
        let p = job.progress
        var parts: [String] = []
        if let e = p.epoch { parts.append("epoch \(e)/\(p.totalEpochs.map(String.init) ?? "?")") }
        parts.append("step \(p.step)/\(p.totalSteps.map(String.init) ?? "?")")
        if let loss = job.latestMetrics.loss { parts.append("loss \(number(loss))") }
        if let v = job.latestMetrics.valLoss { parts.append("val_loss \(number(v))") }
        if let eta = p.etaSeconds, !job.status.isTerminal { parts.append("ETA \(duration(eta))") }
        return parts.joined(separator: "  ")
    }

    static func number(_ v: Double) -> String { String(format: "%.4g", v) }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s >= 3600 { return "\(s / 3600)h\(s % 3600 / 60)m" }
        if s >= 60 { return "\(s / 60)m\(s % 60)s" }
        return "\(s)s"
    }
}
