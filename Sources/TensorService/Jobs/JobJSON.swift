import TensorWire
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The JSON of the job resource and of its events (openapi.yaml `Job`, `StatusTransition`,
/// `MetricPoint`, `Checkpoint`, `LogEvent`, `EndEvent`).
enum JobJSON {
    /// RFC 3339 in UTC with milliseconds: `2025-01-15T10:00:00.000Z`.
    static func timestamp(_ ms: Millis) -> String {
        var seconds = time_t(ms / 1000)
        var t = tm()
        gmtime_r(&seconds, &t)
        // Written digit by digit: this runs for every metric point.
        var out = [UInt8](repeating: 0, count: 24)
        func put(_ v: Int, _ at: Int, _ width: Int) {
            var v = v
            for i in stride(from: at + width - 1, through: at, by: -1) { out[i] = UInt8(48 + v % 10); v /= 10 }
        }
        put(Int(t.tm_year) + 1900, 0, 4); out[4] = 45
        put(Int(t.tm_mon) + 1, 5, 2); out[7] = 45
        put(Int(t.tm_mday), 8, 2); out[10] = 84
        put(Int(t.tm_hour), 11, 2); out[13] = 58
        put(Int(t.tm_min), 14, 2); out[16] = 58
        put(Int(t.tm_sec), 17, 2); out[19] = 46
        put(Int(ms % 1000), 20, 3); out[23] = 90
        return String(decoding: out, as: UTF8.self)
    }

    static func now() -> Millis { Millis((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    /// A metric value: a number, or the strings `NaN`/`Infinity`/`-Infinity`.
    static func value(_ v: Double, into w: inout JSONWriter) {
        if v.isFinite { w.float(v) } else { w.string(JSONWriter.nonFiniteName(v)) }
    }

    static func optional(_ v: Int?, into w: inout JSONWriter) {
        if let v { w.int(v) } else { w.null() }
    }

    static func optional(_ s: String?, into w: inout JSONWriter) {
        if let s { w.string(s) } else { w.null() }
    }

    static func job(_ j: JobRecord, eta: Double?, spec: Bool, into w: inout JSONWriter) {
        w.beginObject()
        w.key("id"); w.string(j.id)
        w.key("name"); optional(j.name, into: &w)
        w.key("status"); w.string(j.status.rawValue)
        w.key("status_message"); optional(j.statusMessage, into: &w)
        w.key("attempts"); w.int(j.attempts)
        w.key("node"); optional(j.owner, into: &w)
        w.key("created_at"); w.string(timestamp(j.createdAt))
        w.key("started_at"); optional(j.startedAt.map(timestamp), into: &w)
        w.key("finished_at"); optional(j.finishedAt.map(timestamp), into: &w)
        w.key("progress")
        w.beginObject()
        w.key("epoch"); optional(j.epoch, into: &w)
        w.key("total_epochs"); optional(j.totalEpochs, into: &w)
        w.key("step"); w.int(j.step)
        w.key("total_steps"); optional(j.totalSteps, into: &w)
        w.key("percent")
        let total = j.totalSteps ?? 0
        w.float(total > 0 ? min(100, (100 * Double(j.step) / Double(total) * 100).rounded() / 100) : (j.status == .succeeded ? 100 : 0))
        w.key("eta_seconds")
        if let eta { w.float((eta * 10).rounded() / 10) } else { w.null() }
        w.endObject()
        w.key("latest_metrics")
        w.beginObject()
        for k in LatestMetrics.keys {
            w.key(k)
            if let v = j.latest.values[k] { value(v, into: &w) } else { w.null() }
        }
        w.endObject()
        w.key("error"); problem(j.error, into: &w)
        w.key("sweep_id"); optional(j.sweepId, into: &w)
        w.key("grid")
        if let g = j.grid { w.rawValue(g) } else { w.null() }
        if spec { w.key("spec"); w.rawValue(j.spec) }
        w.key("status_transitions")
        w.beginArray()
        for t in j.transitions { transition(t, into: &w) }
        w.endArray()
        w.endObject()
    }

    static func problem(_ p: JobProblem?, into w: inout JSONWriter) {
        guard let p else { w.null(); return }
        ProblemRenderer.write(Problem(status: p.status, code: p.code, title: p.title, detail: p.detail,
                                      errors: p.pointer.map { [.init(pointer: $0, detail: p.detail)] } ?? []), into: &w)
    }

    static func transition(_ t: StatusTransition, into w: inout JSONWriter) {
        w.beginObject()
        w.key("status"); w.string(t.status.rawValue)
        w.key("at"); w.string(timestamp(t.at))
        w.key("message"); w.string(t.message)
        w.endObject()
    }

    static func metric(_ m: MetricPoint, into w: inout JSONWriter) {
        w.beginObject()
        w.key("key"); w.string(m.key)
        w.key("step"); w.int(m.step)
        w.key("epoch"); optional(m.epoch, into: &w)
        w.key("value"); value(m.value, into: &w)
        w.key("timestamp"); w.string(timestamp(m.timestamp))
        w.endObject()
    }

    static func checkpoint(_ c: CheckpointInfo, into w: inout JSONWriter) {
        w.beginObject()
        w.key("step"); w.int(c.step)
        w.key("epoch"); optional(c.epoch, into: &w)
        w.key("created_at"); w.string(timestamp(c.createdAt))
        w.key("bytes"); w.int(c.bytes)
        w.endObject()
    }

    static func log(level: String, message: String, at: Millis) -> [UInt8] {
        encode { w in
            w.beginObject()
            w.key("level"); w.string(level)
            w.key("message"); w.string(message)
            w.key("at"); w.string(timestamp(at))
            w.endObject()
        }
    }

    static func end(status: JobStatus, error: JobProblem?) -> [UInt8] {
        encode { w in
            w.beginObject()
            w.key("status"); w.string(status.rawValue)
            w.key("error"); problem(error, into: &w)
            w.endObject()
        }
    }

    static func encode(capacity: Int = 256, _ body: (inout JSONWriter) -> Void) -> [UInt8] {
        var w = JSONWriter(capacity: capacity)
        body(&w)
        return w.take()
    }
}
