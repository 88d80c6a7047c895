import Foundation

/// One version of a job as reads show it: its record, its ETA while it runs, and the job
/// resource's JSON with its strong ETag, rendered by the first read that asks and then kept.
/// A view never changes (a change of the job makes a new view), so the reads of one version
/// of a job render it once: a `GET /v1/jobs/{id}` of a job whose view is on the board costs a
/// lookup, no database row and no encoding.
final class JobView: @unchecked Sendable {
    struct Answer: Sendable {
        let body: [UInt8]
        /// `"<FNV-1a of the body, hex>"`: strong, as equal bodies are equal representations.
        let etag: String
    }

    let record: JobRecord
    let eta: Double?
    private let lock = NSLock()
    private var rendered: Answer?

    init(_ record: JobRecord, eta: Double? = nil) {
        self.record = record
        self.eta = eta
    }

    var answer: Answer {
        lock.lock(); defer { lock.unlock() }
        if let rendered { return rendered }
        let body = JobJSON.encode(capacity: 1024 + record.spec.count) { JobJSON.job(record, eta: eta, spec: true, into: &$0) }
        let answer = Answer(body: body, etag: "\"\(String(Self.fnv1a(body), radix: 16))\"")
        rendered = answer
        return answer
    }

    /// Memory a kept view may come to once rendered: the record (mostly its spec) and the
    /// body, which holds the spec again.
    var footprint: Int { 2 * (record.spec.count + (record.grid?.count ?? 0)) + 4096 }

    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}
