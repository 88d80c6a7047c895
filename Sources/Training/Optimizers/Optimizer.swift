import TensorEngine

/// One optimizer's per-parameter state: the number of steps taken and its named buffers,
/// named as in PyTorch's `optimizer.state_dict()` (`momentum_buffer`, `sum`, `square_avg`,
/// `grad_avg`, `exp_avg`, `exp_avg_sq`, `max_exp_avg_sq`). A fresh state is empty; the
/// first step creates the buffers. Codable (exactly, through `TensorSnapshot`), so it can
/// be checkpointed or handed out by a stateless API and passed back in.
public struct OptimizerState: Sendable {
    /// Steps taken so far; the next step is `t = step + 1`.
    public var step: Int
    public var buffers: [String: Tensor]

    public init(step: Int = 0, buffers: [String: Tensor] = [:]) {
        self.step = step
        self.buffers = buffers
    }
}

extension OptimizerState: Codable, Equatable {
    private enum CodingKeys: String, CodingKey { case step, buffers }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        step = try c.decode(Int.self, forKey: .step)
        buffers = try c.decode([String: TensorSnapshot].self, forKey: .buffers).mapValues { try $0.tensor() }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(step, forKey: .step)
        try c.encode(buffers.mapValues(TensorSnapshot.init), forKey: .buffers)
    }

    /// Equal step counts and bit-identical buffers.
    public static func == (a: OptimizerState, b: OptimizerState) -> Bool {
        a.step == b.step && a.buffers.mapValues(TensorSnapshot.init) == b.buffers.mapValues(TensorSnapshot.init)
    }
}

/// An optimizer: hyper-parameters plus PyTorch's exact per-parameter update (semantics §11).
///
/// The update is a pure function of `(parameter, gradient, state)`, as in mlx-swift:
///
/// ```swift
/// let adam = try Adam(lr: 1e-3)
/// var state = OptimizerState()
/// (w, state) = try adam.step(parameter: w, gradient: g, state: state)
/// ```
///
/// `update(parameter:gradient:state:)` is the same rule applied in place to the parameter's
/// and the state's storage, which is what a training loop that owns them uses.
public protocol Optimizer: Sendable {
    /// The learning rate, which schedules change between epochs.
    var lr: Double { get set }

    /// Applies one step in place: overwrites `parameter`'s elements (which must be a
    /// contiguous floating tensor owning its elements) and `state`'s buffers.
    /// The caller must own both: tensors sharing their storage see the change.
    func update(parameter: Tensor, gradient: Tensor, state: inout OptimizerState) throws
}

extension Optimizer {
    /// One pure step: returns the updated parameter and state, leaving the inputs untouched.
    /// The returned parameter is a fresh tensor without autograd history.
    public func step(parameter: Tensor, gradient: Tensor, state: OptimizerState) throws -> (parameter: Tensor, state: OptimizerState) {
        let p = try ownedCopy(parameter, as: parameter.dtype, argument: "params")
        var s = state
        s.buffers = try state.buffers.mapValues { try ownedCopy($0, as: parameter.dtype, argument: "state") }
        try update(parameter: p, gradient: gradient, state: &s)
        return (p, s)
    }

    /// Pure steps over several parameters, one state each (an empty list: fresh states).
    public func step(parameters: [Tensor], gradients: [Tensor], states: [OptimizerState] = []) throws -> (parameters: [Tensor], states: [OptimizerState]) {
        guard gradients.count == parameters.count else {
            throw TensorError(.value, "got \(parameters.count) parameters but \(gradients.count) gradients", argument: "grads")
        }
        guard states.isEmpty || states.count == parameters.count else {
            throw TensorError(.value, "got \(parameters.count) parameters but \(states.count) states; pass one state per parameter or none", argument: "state")
        }
        var ps: [Tensor] = [], ss: [OptimizerState] = []
        for i in parameters.indices {
            let (p, s) = try step(parameter: parameters[i], gradient: gradients[i], state: states.isEmpty ? OptimizerState() : states[i])
            ps.append(p)
            ss.append(s)
        }
        return (ps, ss)
    }
}

/// A fresh contiguous tensor of `dtype` with `t`'s values, whose storage the caller owns.
func ownedCopy(_ t: Tensor, as dtype: DType, argument: String) throws -> Tensor {
    guard dtype.isFloating, t.dtype.isFloating else {
        throw TensorError(.dtype, "optimizers work on floating tensors, got \(t.dtype)", argument: argument)
    }
    return try t.detached().cast(to: dtype).copied()
}

/// Checks a hyper-parameter: PyTorch's `if not 0.0 <= x` (so NaN is rejected too).
func requireNonNegative(_ value: Double, _ name: String) throws {
    guard value >= 0 else { throw TensorError(.value, "invalid \(name): \(value); it must be ≥ 0", argument: name) }
}

/// The operands of one elementwise update: the parameter, its gradient and the state
/// buffers (in `bufferNames` order), `count` contiguous elements of `dtype` each.
struct UpdateBuffers {
    let dtype: DType
    let p: UnsafeMutableRawPointer
    let g: UnsafeRawPointer
    let state: [UnsafeMutableRawPointer]
    let count: Int
    /// Whether this step created the state buffers (PyTorch's "buffer is None" case).
    let created: Bool

    func p<T>(_: T.Type) -> UnsafeMutablePointer<T> { p.assumingMemoryBound(to: T.self) }
    func g<T>(_: T.Type) -> UnsafePointer<T> { g.assumingMemoryBound(to: T.self) }
    /// State buffer `k`, or nil when there are not that many.
    func state<T>(_ k: Int, _: T.Type) -> UnsafeMutablePointer<T>? { k < state.count ? state[k].assumingMemoryBound(to: T.self) : nil }
}

/// An optimizer whose rule is a loop over elements. `update` validates the operands, makes
/// the state buffers, and runs `apply` on float32 or float64 pointers.
protocol ElementwiseOptimizer: Optimizer {
    /// The state buffers this configuration uses.
    var bufferNames: [String] { get }
    /// The value a new buffer starts with.
    func initialValue(of buffer: String) -> Double
    /// Applies step `t` (1-based) to every element (through the COptim loops).
    func apply(_ b: UpdateBuffers, t: Int)
}

extension ElementwiseOptimizer {
    func initialValue(of buffer: String) -> Double { 0 }

    func run(parameter: Tensor, gradient: Tensor, state: inout OptimizerState) throws {
        guard parameter.dtype.isFloating else {
            throw TensorError(.dtype, "optimizers update floating parameters, got \(parameter.dtype)", argument: "params")
        }
        guard gradient.shape == parameter.shape else {
            throw TensorError(.shape, "gradient shape \(gradient.shape) does not match parameter shape \(parameter.shape)", argument: "grads")
        }
        guard gradient.dtype.isFloating else {
            throw TensorError(.dtype, "gradients must be floating, got \(gradient.dtype)", argument: "grads")
        }
        guard parameter.isContiguous else {
            throw TensorError(.value, "an in-place update needs a contiguous parameter; use step(parameter:gradient:state:)", argument: "params")
        }
        guard state.step >= 0 else {
            throw TensorError(.value, "state step count \(state.step) is negative", argument: "state")
        }
        let names = bufferNames
        var created = false
        for name in names {
            if let b = state.buffers[name] {
                guard b.shape == parameter.shape else {
                    throw TensorError(.shape, "state buffer '\(name)' has shape \(b.shape) but the parameter has shape \(parameter.shape)", argument: "state")
                }
                if b.dtype != parameter.dtype || !b.isContiguous { state.buffers[name] = try ownedCopy(b, as: parameter.dtype, argument: "state") }
            } else {
                state.buffers[name] = Tensor.filled(parameter.shape, with: initialValue(of: name), dtype: parameter.dtype)
                created = true
            }
        }
        let t = state.step + 1
        // A transposed gradient (the weight of x·Wᵀ) is made contiguous by the engine's
        // specialised copy; withContiguousBuffer's own copy is generic across modules.
        let grad = try gradient.detached().cast(to: parameter.dtype).contiguous()
        let buffers = names.map { state.buffers[$0]! }
        let raw = { (t: Tensor) in t.storage.pointer + t.offset * t.dtype.byteSize }
        apply(UpdateBuffers(dtype: parameter.dtype, p: raw(parameter), g: UnsafeRawPointer(raw(grad)), state: buffers.map(raw),
                            count: parameter.count, created: created), t: t)
        state.step = t
    }
}
