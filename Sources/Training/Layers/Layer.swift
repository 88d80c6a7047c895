import TensorEngine

/// A building block of a model: a differentiable function of its input with trainable
/// parameters. Layers are classes: a model's parameters are leaf tensors whose elements a
/// `Trainer` updates in place, so every holder of the model sees the trained values (as
/// with PyTorch modules).
public protocol Layer: AnyObject, Sendable {
    /// Applies the layer to a batch.
    func callAsFunction(_ x: Tensor) throws -> Tensor
    /// The trainable parameters (leaves that require grad), in a fixed order.
    var parameters: [Tensor] { get }
}

extension Layer {
    public var parameters: [Tensor] { [] }

    /// The number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// Copies of the parameters' values (for checkpoints).
    public func snapshotParameters() -> [TensorSnapshot] { parameters.map(TensorSnapshot.init) }

    /// Overwrites the parameters' elements with `snapshots` (same count, shapes and dtypes),
    /// keeping the parameter tensors themselves.
    public func loadParameters(_ snapshots: [TensorSnapshot]) throws {
        let ps = parameters
        guard snapshots.count == ps.count else {
            throw TensorError(.value, "the model has \(ps.count) parameters but \(snapshots.count) values were given", argument: "parameters")
        }
        for (p, s) in zip(ps, snapshots) {
            guard s.shape == p.shape, s.dtype == p.dtype else {
                throw TensorError(.shape, "parameter of shape \(p.shape) (\(p.dtype)) cannot take values of shape \(s.shape) (\(s.dtype))", argument: "parameters")
            }
            s.data.withUnsafeBytes { raw in
                memcpyRaw(p.storage.pointer + p.offset * p.dtype.byteSize, raw)
            }
        }
    }
}

private func memcpyRaw(_ dst: UnsafeMutableRawPointer, _ src: UnsafeRawBufferPointer) {
    if let base = src.baseAddress { dst.copyMemory(from: base, byteCount: src.count) }
}
