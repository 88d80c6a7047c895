import Foundation

/// Request counts and latencies for `/metrics` (Prometheus text format 0.0.4).
public final class Metrics: @unchecked Sendable {
    /// Upper bounds of the latency histogram, in seconds.
    static let buckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    /// One route template's counts and latencies. A route takes its slot when it is registered, so a request
    /// records into it directly: looking the template up by name hashed two strings per request (issue 19).
    public final class Route: @unchecked Sendable {
        let template: String
        /// Requests by method and status, in the order first seen (a route sees a few of each).
        fileprivate var requests: [(method: String, status: Int, count: Int)] = []
        fileprivate var latency = Histogram()
        fileprivate init(_ template: String) { self.template = template }
    }

    fileprivate struct Histogram {
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
    private var routes: [String: Route]
    /// Where requests no route matches are counted.
    public let unmatched: Route

    public init() {
        unmatched = Route("unmatched")
        routes = ["unmatched": unmatched]
    }

    /// The slot of a route template, made on first use; the same template always gets the same slot.
    public func route(_ template: String) -> Route {
        lock.lock(); defer { lock.unlock() }
        if let route = routes[template] { return route }
        let route = Route(template)
        routes[template] = route
        return route
    }

    /// Methods counted under their own name; any other token a client sends is counted as `OTHER`,
    /// so made-up methods cannot grow the table (and `/metrics`) without bound.
    /// (Compared one by one: short strings compare as integers, cheaper than hashing for a `Set`, issue 19.)
    static func counted(_ method: String) -> String {
        switch method {
        case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS": method
        default: "OTHER"
        }
    }

    public func record(_ route: Route, method: String, status: Int, seconds: Double) {
        let method = Metrics.counted(method)
        let bucket = Metrics.buckets.firstIndex { seconds <= $0 }
        lock.lock(); defer { lock.unlock() }
        if let i = route.requests.firstIndex(where: { $0.status == status && $0.method == method }) {
            route.requests[i].count += 1
        } else {
            route.requests.append((method, status, 1))
        }
        route.latency.record(seconds, bucket: bucket)
    }

    /// The exposition text; `gauges` are extra `name{labels} value` samples (queue depth, jobs).
    public func render(gauges: [(name: String, help: String, samples: [(labels: String, value: Double)])]) -> String {
        lock.lock()
        let requests = routes.values.flatMap { r in r.requests.map { (route: r.template, method: $0.method, status: $0.status, count: $0.count) } }
        let latency = routes.values.filter { $0.latency.count > 0 }.map { ($0.template, $0.latency) }
        lock.unlock()
        var out = "# HELP tensord_http_requests_total HTTP requests by route template, method and status.\n"
        out += "# TYPE tensord_http_requests_total counter\n"
        for k in requests.sorted(by: { ($0.route, $0.method, $0.status) < ($1.route, $1.method, $1.status) }) {
            out += "tensord_http_requests_total{route=\"\(k.route)\",method=\"\(k.method)\",status=\"\(k.status)\"} \(k.count)\n"
        }
        out += "# HELP tensord_http_request_duration_seconds Time from parsed request to response, by route template.\n"
        out += "# TYPE tensord_http_request_duration_seconds histogram\n"
        for (route, h) in latency.sorted(by: { $0.0 < $1.0 }) {
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
