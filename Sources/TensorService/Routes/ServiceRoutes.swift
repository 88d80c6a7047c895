import Foundation
import HTTPServer
import TensorEngine

// GET /v1, health, /metrics and /openapi.yaml.
extension TensorService {
    /// openapi.yaml, shipped as a resource of this module.
    static let openAPIDocument: [UInt8]? = Bundle.module.url(forResource: "openapi", withExtension: "yaml")
        .flatMap { try? Data(contentsOf: $0) }.map { Array($0) }

    func addServiceRoutes() {
        add(.get, "/v1") { [unowned self] _, _ in
            let c = configuration
            return .json { w in
                w.beginObject()
                w.key("name"); w.string("tensord")
                w.key("version"); w.string(TensorService.version)
                w.key("dtypes"); w.beginArray(); for d in ["float32", "float64", "int64", "bool"] { w.string(d) }; w.endArray()
                w.key("ops"); w.int(Ops.all.count)
                w.key("lanes"); w.int(engine.lanes)
                w.key("node_id"); w.string(c.nodeId)
                w.key("database"); w.string(c.databaseURL == nil ? "sqlite" : "postgresql")
                w.key("limits")
                w.beginObject()
                for (k, v) in [("max_body_bytes", c.http.maxBodyBytes), ("max_elements", c.maxElements),
                               ("max_request_line_bytes", c.http.maxRequestLineBytes), ("max_header_bytes", c.http.maxHeaderBytes),
                               ("max_header_count", c.http.maxHeaderCount), ("max_connections", connectionLimit),
                               ("max_event_streams", c.maxEventStreams),
                               ("request_timeout_seconds", Int(c.http.bodyReadTimeout.components.seconds)),
                               ("idle_timeout_seconds", Int(c.http.idleTimeout.components.seconds)),
                               ("max_store_bytes", c.maxStoreBytes), ("max_queued_requests", c.maxQueuedRequests),
                               ("max_store_spares", c.storeSpares.files), ("max_store_spare_bytes", c.storeSpares.bytes),
                               ("max_json_depth", c.maxJSONDepth), ("max_expression_bytes", c.expressionLimits.maxSourceBytes),
                               ("max_expression_tokens", c.expressionLimits.maxTokens),
                               ("write_timeout_seconds", Int(c.http.writeTimeout.components.seconds)),
                               ("max_queued_jobs", c.maxQueuedJobs), ("max_running_jobs", c.maxRunningJobs),
                               ("max_job_steps", c.jobLimits.maxSteps), ("max_job_epochs", c.jobLimits.maxEpochs),
                               ("max_job_batch_size", c.jobLimits.maxBatchSize), ("max_layer_width", c.jobLimits.maxLayerWidth),
                               ("max_metric_points", c.jobLimits.maxMetricPoints)] {
                    w.key(k); w.int(v)
                }
                w.endObject()
                w.endObject()
            }
        }
        add(.get, "/v1/health/live", open: true) { _, _ in Response(json: #"{"status":"ok"}"#) }
        add(.get, "/v1/health/ready", open: true) { [unowned self] _, _ in
            isStopping ? Response(status: .init(code: 503), json: #"{"status":"stopping"}"#) : Response(json: #"{"status":"ok"}"#)
        }
        add(.get, "/metrics", open: true) { [unowned self] _, _ in
            let text = metrics.render(gauges: [
                ("tensord_engine_queue_depth", "Work waiting for a compute lane.", [("", Double(engine.queueDepth))]),
                ("tensord_engine_busy_lanes", "Compute lanes running work.", [("", Double(engine.busyLanes))]),
                ("tensord_store_bytes", "Bytes held by the tensor store.", [("", Double(try store.usedBytes))]),
                ("tensord_jobs", "Training jobs by status.", jobs.counts().map { ("status=\"\($0.0.rawValue)\"", Double($0.1)) }),
            ])
            return Response(headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"], body: Array(text.utf8))
        }
        add(.get, "/openapi.yaml", open: true) { _, _ in
            guard let doc = TensorService.openAPIDocument else { throw Problem.notFound("openapi.yaml is not bundled with this build") }
            return Response(headers: ["Content-Type": "application/yaml"], body: doc)
        }
    }
}
