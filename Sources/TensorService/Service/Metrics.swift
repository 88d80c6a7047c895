import Foundation

/// Request counts and latencies for `/metrics` (Prometheus text format 0.0.4).
public final class Metrics: @unchecked Sendable {
    /// Upper bounds of the latency histogram, in seconds.
    static let buckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private struct Key: Hashable { let route: String; let method: String; let status: Int }
    private struct Histogram {
        var counts = [Int](repeating: 0, count: Metrics.buckets.count)
        var sum = 0.0
        var count = 0

        mutating func record(_ seconds: Double, bucket: Int?) {
            if let bucket { counts[bucket] += 1 }
            sum += seconds
            count += 1
        }
    }

    private let lock = NSLock()
    private var requests: [Key: Int] = [:]
    private var latency: [String: Histogram] = [:]

    public init() {}

    /// Methods counted under their own name; any other token a client sends is counted as `OTHER`,
    /// so made-up methods cannot grow the table (and `/metrics`) without bound.
    /// (Compared one by one: short strings compare as integers, cheaper than hashing for a `Set`, issue 19.)
    static func counted(_ method: String) -> String {
        switch method {
        case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS": method
        default: "OTHER"
        }
    }

    public func record(route: String, method: String, status: Int, seconds: Double) {
        let method = Metrics.counted(method)
        lock.lock(); defer { lock.unlock() }
        requests[Key(route: route, method: method, status: status), default: 0] += 1
        // In place: a copy taken out of the dictionary and stored back copied its bucket array every request.
        let bucket = Metrics.buckets.firstIndex { seconds <= $0 }
        latency[route, default: Histogram()].record(seconds, bucket: bucket)
    }

    /// The exposition text; `gauges` are extra `name{labels} value` samples (queue depth, jobs).
    public func render(gauges: [(name: String, help: String, samples: [(labels: String, value: Double)])]) -> String {
        lock.lock()
        let requests = self.requests, latency = self.latency
        lock.unlock()
        var out = "# HELP tensord_http_requests_total HTTP requests by route template, method and status.\n"
        out += "# TYPE tensord_http_requests_total counter\n"
        for (k, v) in requests.sorted(by: { ($0.key.route, $0.key.method, $0.key.status) < ($1.key.route, $1.key.method, $1.key.status) }) {
            out += "tensord_http_requests_total{route=\"\(k.route)\",method=\"\(k.method)\",status=\"\(k.status)\"} \(v)\n"
        }
        out += "# HELP tensord_http_request_duration_seconds Time from parsed request to response, by route template.\n"
        out += "# TYPE tensord_http_request_duration_seconds histogram\n"
        for (route, h) in latency.sorted(by: { $0.key < $1.key }) {
            var cumulative = 0
            for (i, le) in Metrics.buckets.enumerated() {
                cumulative += h.counts[i]
                out += "tensord_http_request_duration_seconds_bucket{route=\"\(route)\",le=\"\(le)\"} \(cumulative)\n"
            }
            out += "tensord_http_request_duration_seconds_bucket{route=\"\(route)\",le=\"+Inf\"} \(h.count)\n"
            out += "tensord_http_request_duration_seconds_sum{route=\"\(route)\"} \(h.sum)\n"
            out += "tensord_http_request_duration_seconds_count{route=\"\(route)\"} \(h.count)\n"
        }
        for g in gauges {
            out += "# HELP \(g.name) \(g.help)\n# TYPE \(g.name) gauge\n"
            for s in g.samples { out += "\(g.name)\(s.labels.isEmpty ? "" : "{\(s.labels)}") \(s.value)\n" }
        }
        return out
    }
}
