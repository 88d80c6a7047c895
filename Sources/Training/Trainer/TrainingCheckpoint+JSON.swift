import Foundation
import TensorEngine
import TensorWire

// A job checkpoints every epoch by default, on the job store's writer. Foundation's JSONEncoder
// took 3.5 ms over one checkpoint of the reference model (escaping its base64 tensor strings
// byte by byte, and boxing every value), a third of the writer's CPU, which the machine's other
// core pays for in the lane's speed (issue 19). This writes the same JSON as the synthesized
// `Codable` conformances (their keys, nil members left out, tensors as base64, non-finite numbers
// as "NaN" and "±Infinity") with TensorWire's `JSONWriter`, and `init(json:)` reads it with
// JSONDecoder as before, so old checkpoints and new ones read alike. `CheckpointJSONTests` holds
// the two encodings equal. The config keeps the synthesized encoding: it is small and its enums
// carry values, whose synthesized form is not worth spelling out twice.
extension TrainingCheckpoint {
    /// JSON in which non-finite numbers (a diverged loss) are the strings "NaN", "Infinity"
    /// and "-Infinity", as Python's `json` writes them; tensors are base64 bytes.
    public func json() throws -> Data {
        let tensorBytes = parameters.reduce(0) { $0 + $1.data.count }
        var w = JSONWriter(capacity: tensorBytes * 4 + 4096)
        w.beginObject()
        w.key("config")
        w.rawValue(try Self.encoder.encode(config))
        w.key("parameters")
        w.beginArray()
        for p in parameters { p.write(into: &w) }
        w.endArray()
        w.key("optimizerStates")
        w.beginArray()
        for s in optimizerStates { s.write(into: &w) }
        w.endArray()
        w.key("progress")
        progress.write(into: &w)
        if let scaler {
            w.key("scaler")
            scaler.write(into: &w)
        }
        w.endObject()
        return Data(w.take())
    }
}

extension OptimizerState {
    func write(into w: inout JSONWriter) {
        w.beginObject()
        w.key("step")
        w.int(step)
        w.key("buffers")
        w.beginObject()
        // Sorted, so that one state always gives the same bytes.
        for (name, tensor) in buffers.sorted(by: { $0.key < $1.key }) {
            w.key(name)
            TensorSnapshot(tensor).write(into: &w)
        }
        w.endObject()
        w.endObject()
    }
}

extension FeatureScaler {
    func write(into w: inout JSONWriter) {
        w.beginObject()
        w.key("method")
        w.string(method.rawValue)
        w.key("shift")
        shift.withUnsafeBufferPointer { w.floats($0) }
        w.key("scale")
        scale.withUnsafeBufferPointer { w.floats($0) }
        w.endObject()
    }
}

extension TensorSnapshot {
    func write(into w: inout JSONWriter) {
        w.beginObject()
        w.key("dtype")
        w.string(dtype.rawValue)
        w.key("shape")
        w.beginArray()
        for n in shape { w.int(n) }
        w.endArray()
        w.key("data")
        data.withUnsafeBytes { w.base64($0) }
        w.endObject()
    }
}

extension TrainingProgress {
    func write(into w: inout JSONWriter) {
        w.beginObject()
        w.key("epoch")
        w.int(epoch)
        w.key("batch")
        w.int(batch)
        w.key("step")
        w.int(step)
        w.key("rng")
        w.beginObject()
        w.key("state")
        w.beginArray()
        for s in rng.state { w.int(s) }
        w.endArray()
        w.endObject()
        w.key("order")
        w.beginArray()
        for i in order { w.int(i) }
        w.endArray()
        w.key("lossSum")
        w.float(lossSum)
        w.key("correct")
        w.int(correct)
        w.key("seen")
        w.int(seen)
        w.key("judged")
        w.int(judged)
        w.key("history")
        w.beginArray()
        for e in history { e.write(into: &w) }
        w.endArray()
        if let bestLoss {
            w.key("bestLoss")
            w.float(bestLoss)
        }
        w.key("epochsWithoutImprovement")
        w.int(epochsWithoutImprovement)
        w.key("stoppedEarly")
        w.bool(stoppedEarly)
        w.endObject()
    }
}

extension EpochMetrics {
    func write(into w: inout JSONWriter) {
        w.beginObject()
        w.key("epoch")
        w.int(epoch)
        w.key("loss")
        w.float(loss)
        if let accuracy {
            w.key("accuracy")
            w.float(accuracy)
        }
        if let validationLoss {
            w.key("validationLoss")
            w.float(validationLoss)
        }
        if let validationAccuracy {
            w.key("validationAccuracy")
            w.float(validationAccuracy)
        }
        w.key("lr")
        w.float(lr)
        w.endObject()
    }
}
