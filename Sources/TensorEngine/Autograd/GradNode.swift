/// One recorded operation in the autograd graph: the inputs it read and its
/// vector-Jacobian product. Leaves (tensors that require grad) have no inputs and
/// accumulate their gradient in `grad`.
public final class GradNode: @unchecked Sendable {
    public let name: String
    let inputs: [Tensor]
    /// Maps the gradient of the output to one gradient per input (nil: no gradient flows).
    let vjp: ((Tensor) throws -> [Tensor?])?
    /// The accumulated gradient of a leaf, set by `backward()`.
    public internal(set) var grad: Tensor?
    /// The storage versions of the inputs when recorded, for a VJP that reads their values;
    /// nil for one that only needs their shapes (views, copies, index writes).
    let versions: [Int]?

    init(name: String, inputs: [Tensor], readsInputs: Bool = true, vjp: ((Tensor) throws -> [Tensor?])?) {
        self.name = name
        self.inputs = inputs
        self.vjp = vjp
        versions = readsInputs ? inputs.map(\.storage.version) : nil
    }

    public var isLeaf: Bool { vjp == nil }
}

extension Tensor {
    /// Whether gradients flow to this tensor (PyTorch's `requires_grad`). Only floating
    /// tensors can require grad; setting it on a tensor with history makes it a new leaf.
    public var requiresGrad: Bool {
        get { node != nil }
        set {
            if newValue {
                precondition(dtype.isFloating, "only floating tensors can require grad")
                if node == nil { node = GradNode(name: "leaf", inputs: [], vjp: nil) }
            } else {
                node = nil
            }
        }
    }

    /// Returns this tensor as a leaf that requires grad.
    public func requiringGrad() -> Tensor {
        var t = detached()
        t.requiresGrad = true
        return t
    }

    /// The gradient accumulated by `backward()` into this leaf.
    public var grad: Tensor? { node?.grad }

    /// Clears the accumulated gradient (PyTorch's `zero_grad` with `set_to_none=True`).
    public func zeroGrad() { node?.grad = nil }

    /// Records `self` as the result of `name` applied to `inputs`, with the given
    /// vector-Jacobian product, when grad mode is on and an input requires grad.
    /// The VJP may return gradients of a broadcast shape: the backward walk sums them
    /// back to each input's shape.
    func recording(_ name: String, _ inputs: [Tensor], readsInputs: Bool = true, vjp: @escaping (Tensor) throws -> [Tensor?]) -> Tensor {
        guard inputs.contains(where: { $0.node != nil }), dtype.isFloating, GradMode.isEnabled else { return self }
        var out = detached()
        out.node = GradNode(name: name, inputs: inputs, readsInputs: readsInputs, vjp: vjp)
        return out
    }

    /// `recording`'s test of its inputs and the grad mode for a result of this tensor and `other`, asked by
    /// hot binary ops before they build the list of inputs and the backward closure, which most calls would
    /// throw away (issue 19). Necessary, not sufficient: `recording` still decides (it also asks the dtype).
    /// The grad mode is asked first: reading `other`'s node copies the whole tensor out of the operand, and
    /// requests run without grad.
    func mayRecordHistory(with other: borrowing Operand) -> Bool {
        guard GradMode.isEnabled else { return false }
        if node != nil { return true }
        switch other {
        case .tensor(let t): return t.node != nil
        case .scalar: return false
        }
    }
}
