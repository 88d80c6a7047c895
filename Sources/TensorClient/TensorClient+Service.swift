import TensorWire

// GET /v1, health, /metrics, /openapi.yaml and the op catalogue.
extension TensorClient {
    /// `GET /v1`: the server's name, version, dtypes and limits.
    public func serviceInfo() throws(TensorClientError) -> ServiceInfo {
        let json = try send("GET", "/v1").json()
        var limits: [String: Double] = [:]
        let o = try json.object("limits")
        for (k, v) in zip(o.keys, o.values) { if let d = v.double { limits[k] = d } }
        return ServiceInfo(name: try json.string("name"), version: try json.string("version"),
                           dtypes: try json.array("dtypes").compactMap { if case .string(let s) = $0 { s } else { nil } },
                           limits: limits)
    }

    /// `GET /v1/health/live`: true when the process answers.
    public func isLive() throws(TensorClientError) -> Bool {
        try health("/v1/health/live")
    }

    /// `GET /v1/health/ready`: true when the server serves requests, false while it starts or stops.
    public func isReady() throws(TensorClientError) -> Bool {
        try health("/v1/health/ready")
    }

    private func health(_ path: String) throws(TensorClientError) -> Bool {
        do {
            return try send("GET", path).json()["status"].flatMap { if case .string(let s) = $0 { s } else { nil } } == "ok"
        } catch .problem(let p) where p.status == 503 {
            return false
        }
    }

    /// `GET /metrics`: the Prometheus text exposition.
    public func metricsText() throws(TensorClientError) -> String {
        String(decoding: try send("GET", "/metrics").body, as: UTF8.self)
    }

    /// `GET /openapi.yaml`: the API contract the server was built with.
    public func openAPIDocument() throws(TensorClientError) -> String {
        String(decoding: try send("GET", "/openapi.yaml").body, as: UTF8.self)
    }

    /// `GET /v1/ops`: every op with its inputs, arguments and outputs.
    public func opCatalogue() throws(TensorClientError) -> [OpInfo] {
        try send("GET", "/v1/ops").json().array("ops").map { (op: JSONValue) throws(TensorClientError) -> OpInfo in
            OpInfo(name: try op.string("name"), summary: try op.string("summary"),
                   inputs: try op.array("inputs").map { (i: JSONValue) throws(TensorClientError) in
                       OpInfo.Parameter(name: try i.string("name"), type: try i.string("type"), default: nil, required: true)
                   },
                   args: try op.array("args").map { (a: JSONValue) throws(TensorClientError) in
                       OpInfo.Parameter(name: try a.string("name"), type: try a.string("type"), default: a["default"],
                                        required: a["required"].map { if case .bool(true) = $0 { true } else { false } } ?? false)
                   },
                   outputs: try op.array("outputs").compactMap { if case .string(let s) = $0 { s } else { nil } },
                   differentiable: { if case .bool(true)? = op["differentiable"] { true } else { false } }())
        }
    }

    /// Any API call, for what the typed methods do not cover: the JSON body in, the JSON
    /// answer out (nil for an empty body, as from `204`).
    ///
    /// ```swift
    /// let page = try client.request("GET", "/v1/jobs", query: [("status", "running")])
    /// ```
    public func request(_ method: String, _ path: String, query: [(String, String)] = [],
                        body: JSONValue? = nil) throws(TensorClientError) -> JSONValue? {
        let reply = try send(method, path, query: query, body: body.map { b in Self.json { $0.value(b) } })
        return reply.body.isEmpty ? nil : try reply.json()
    }
}

/// `GET /v1`.
public struct ServiceInfo: Sendable {
    public var name: String
    public var version: String
    public var dtypes: [String]
    /// `max_body_bytes`, `max_elements`, … as the server reports them.
    public var limits: [String: Double]
}

/// One op of the catalogue (`GET /v1/ops`).
public struct OpInfo: Sendable {
    public struct Parameter: Sendable {
        public var name: String
        /// `tensor`, `int | null`, `'mean' | 'sum' | 'none'`, …
        public var type: String
        public var `default`: JSONValue?
        public var required: Bool
    }

    public var name: String
    public var summary: String
    public var inputs: [Parameter]
    public var args: [Parameter]
    public var outputs: [String]
    public var differentiable: Bool
}
