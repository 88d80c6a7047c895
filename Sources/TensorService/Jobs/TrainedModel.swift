import Foundation
import TensorEngine
import TensorWire
import Training

/// A job's parameters at some step, rebuilt from checkpoint bytes: what
/// `GET /v1/jobs/{id}/model` shows and `POST /v1/jobs/{id}/predict` runs.
struct TrainedModel {
    /// By name: `<layer index>.weight`/`.bias` for model jobs, the spec's names for objectives.
    var params: [(name: String, tensor: Tensor)]
    /// The model with these parameters (nil for objective jobs).
    var model: Sequential?
    var scaler: FeatureScaler?

    init(spec: JobSpec, checkpoint: Data) throws {
        switch spec.kind {
        case .model(let m):
            let c = try TrainingCheckpoint(json: checkpoint)
            let model = try m.makeModel()
            try model.loadParameters(c.parameters)
            params = zip(m.parameterNames.map(\.name), model.parameters).map { ($0, $1.detached()) }
            self.model = model
            scaler = c.scaler
        case .objective(let o):
            let c = try JSONDecoder().decode(ObjectiveCheckpoint.self, from: checkpoint)
            params = try zip(o.params.map(\.name), c.params).map { ($0, try $1.tensor()) }
            model = nil
            scaler = nil
        }
    }

    /// The `__metadata__` of the model's safetensors file: `format: pt` (as
    /// `safetensors.torch.save_file` writes), the job's spec as submitted, and the fitted
    /// feature scaling (`{"method", "shift", "scale"}`) that inputs need before the model.
    func safetensorsMetadata(spec: [UInt8]) -> [(key: String, value: String)] {
        var out = [(key: "format", value: "pt"), (key: "spec", value: String(decoding: spec, as: UTF8.self))]
        if let s = scaler {
            var w = JSONWriter()
            w.beginObject()
            w.key("method"); w.string(s.method == .standardize ? "standardize" : "minmax")
            w.key("shift"); w.beginArray(); for v in s.shift { w.float(v) }; w.endArray()
            w.key("scale"); w.beginArray(); for v in s.scale { w.float(v) }; w.endArray()
            w.endObject()
            out.append((key: "scaling", value: String(decoding: w.take(), as: UTF8.self)))
        }
        return out
    }

    /// The model's raw output for unscaled `input` (`[N, in]`, or one sample `[in]`), with
    /// the fitted feature scaling applied first.
    func predict(_ input: Tensor, pointer: String) throws -> Tensor {
        guard let model else {
            throw Problem.invalidArgument("an objective job has no model to predict with; GET /v1/jobs/{id}/model gives its parameters", pointer: "")
        }
        let inputs = model.layers.lazy.compactMap { $0 as? Linear }.first?.inFeatures ?? 0
        let single = input.ndim == 1
        guard (single && input.shape == [inputs]) || (input.ndim == 2 && input.shape[1] == inputs), input.dtype != .bool else {
            throw Problem(status: 422, code: "shape_mismatch", title: "Shapes are incompatible",
                          detail: "the model takes [N, \(inputs)] or [\(inputs)] numbers, got \(input.dtype) \(input.shape)",
                          errors: [.init(pointer: pointer, detail: "expected [N, \(inputs)]")])
        }
        let batch = single ? try input.reshaped([1, inputs]) : input
        let x = try scaler.map { try $0.transform(batch) } ?? batch.cast(to: .float32)
        let y = try GradMode.withoutGrad { try model(x).detached() }
        return single ? try y.reshaped([y.count]) : y
    }
}
