import Foundation
import TensorWire

// Sweeps: /v1/sweeps and /v1/sweeps/{id}/…
extension TensorClient {
    /// Submits a sweep (`{"name", "base": <job spec>, "grid": {"optimizer.lr": [0.01, 0.1]}}`)
    /// and returns its id and its jobs' ids, in grid order. Retried safely like
    /// ``submit(_:idempotencyKey:)``: the same key returns the sweep the first attempt made.
    public func submitSweep(_ sweep: JSONValue, idempotencyKey: String = "tc-" + UUID().uuidString) throws(TensorClientError) -> (id: String, jobs: [String]) {
        let json = try submitRetrying("/v1/sweeps", Self.json { $0.value(sweep) }, idempotencyKey: idempotencyKey).json()
        return (try json.string("id"), try json.array("jobs").map { (j: JSONValue) throws(TensorClientError) in
            guard case .string(let id) = j else { throw .invalidResponse("a sweep's job id is \(j.typeName)") }
            return id
        })
    }

    /// One page of sweeps, newest first, and the token of the next.
    public func sweeps(pageSize: Int? = nil, pageToken: String? = nil) throws(TensorClientError) -> (items: [Sweep], nextPageToken: String?) {
        var query: [(String, String)] = []
        if let pageSize { query.append(("page_size", String(pageSize))) }
        if let pageToken { query.append(("page_token", pageToken)) }
        let json = try send("GET", "/v1/sweeps", query: query).json()
        return (try json.array("items").map { (s: JSONValue) throws(TensorClientError) in try Sweep(s) }, try json.optionalString("next_page_token"))
    }

    /// The sweep with every job's final and best metrics and the best job on `metric`
    /// (`loss`, `val_loss`, `accuracy`, `val_accuracy`), by `final` or `best` value.
    public func sweep(_ id: String, metric: String? = nil, rankBy: String? = nil) throws(TensorClientError) -> Sweep {
        var query: [(String, String)] = []
        if let metric { query.append(("metric", metric)) }
        if let rankBy { query.append(("rank_by", rankBy)) }
        return try Sweep(try send("GET", sweepPath(id), query: query).json())
    }

    /// Cancels every job of the sweep that has not ended.
    @discardableResult
    public func cancelSweep(_ id: String) throws(TensorClientError) -> Sweep {
        try Sweep(try send("POST", sweepPath(id) + "/cancel").json())
    }

    /// Deletes a sweep whose jobs have all ended, with its jobs; 409 `sweep_not_terminal` otherwise.
    public func deleteSweep(_ id: String) throws(TensorClientError) {
        _ = try send("DELETE", sweepPath(id))
    }

    func sweepPath(_ id: String) -> String { "/v1/sweeps/\(Self.percentEncoded(id))" }
}
