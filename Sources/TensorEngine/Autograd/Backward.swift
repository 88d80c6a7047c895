/// The reverse-mode walk: one topological pass from the output, summing each
/// gradient back to its input's shape (the one place broadcasting is undone).
extension Tensor {
    /// Accumulates d(self)/d(leaf) into every leaf that requires grad.
    /// A non-scalar output needs a `seed` of its shape (PyTorch's `grad_tensors`).
    /// With `createGraph`, the backward pass is itself recorded, so gradients can be
    /// differentiated again.
    public func backward(seed: Tensor? = nil, createGraph: Bool = false) throws {
        let grads = try Autograd.walk(from: self, seed: seed, createGraph: createGraph)
        for (node, g) in grads.leaves {
            node.grad = try node.grad.map { try $0 + g } ?? g
        }
    }
}

public enum Autograd {
    /// Gradients of `output` with respect to each of `inputs` (leaves or intermediate
    /// results), like `torch.autograd.grad`; an input that does not affect the output
    /// gets zeros. Leaves' `.grad` fields are left untouched.
    public static func gradients(of output: Tensor, wrt inputs: [Tensor], seed: Tensor? = nil, createGraph: Bool = false) throws -> [Tensor] {
        try zip(inputs, reached(of: output, wrt: inputs, seed: seed, createGraph: createGraph)).map { x, g in try g ?? zerosLike(x) }
    }

    /// Like `gradients`, with nil for an input the output does not depend on (what
    /// `torch.autograd.grad` reports as unused).
    public static func reached(of output: Tensor, wrt inputs: [Tensor], seed: Tensor? = nil, createGraph: Bool = false) throws -> [Tensor?] {
        let targets = Set(inputs.compactMap { $0.node.map(ObjectIdentifier.init) })
        let result = try walk(from: output, seed: seed, createGraph: createGraph, stopAt: targets)
        return inputs.map { x in x.node.flatMap { result.all[ObjectIdentifier($0)] } }
    }

    struct WalkResult {
        var all: [ObjectIdentifier: Tensor]
        var leaves: [(GradNode, Tensor)]
    }

    static func walk(from output: Tensor, seed: Tensor?, createGraph: Bool, stopAt: Set<ObjectIdentifier> = []) throws -> WalkResult {
        guard let root = output.node else {
            throw TensorError.value("backward: the tensor does not require grad and has no grad history")
        }
        let seedGrad: Tensor
        if let seed {
            guard seed.shape == output.shape else {
                throw TensorError.shape("backward: seed gradient has shape \(seed.shape) but the output has shape \(output.shape)")
            }
            seedGrad = try seed.cast(to: output.dtype)
        } else {
            guard output.count == 1 else {
                throw TensorError.shape("backward: output has shape \(output.shape); a non-scalar output needs an explicit seed gradient")
            }
            seedGrad = try onesLike(output)
        }
        let order = topologicalOrder(root)
        var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): seedGrad]
        var leaves: [(GradNode, Tensor)] = []
        let body = {
            for node in order.reversed() {
                guard let g = grads[ObjectIdentifier(node)] else { continue }
                guard let vjp = node.vjp else { leaves.append((node, g)); continue }
                if let versions = node.versions, zip(node.inputs, versions).contains(where: { $0.storage.version != $1 }) {
                    throw TensorError.value("a tensor that \(node.name) needs for its gradient has been modified by an in-place operation since; compute it again after the change, or use an out-of-place op")
                }
                let inputGrads = try vjp(g)
                for (input, ig) in zip(node.inputs, inputGrads) {
                    guard let inNode = input.node, let ig else { continue }
                    let shaped = try ig.summed(toShape: input.shape).cast(to: input.dtype)
                    let id = ObjectIdentifier(inNode)
                    grads[id] = try grads[id].map { try $0 + shaped } ?? shaped
                }
            }
        }
        if createGraph { try GradMode.withGrad(body) } else { try GradMode.withoutGrad(body) }
        return WalkResult(all: grads, leaves: leaves)
    }

    /// Nodes in an order where every node comes after all nodes it reads (iterative DFS,
    /// so deep graphs cannot exhaust the stack).
    static func topologicalOrder(_ root: GradNode) -> [GradNode] {
        var order: [GradNode] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(GradNode, Int)] = [(root, 0)]
        visited.insert(ObjectIdentifier(root))
        while let (node, next) = stack.popLast() {
            if next < node.inputs.count {
                stack.append((node, next + 1))
                if let child = node.inputs[next].node, visited.insert(ObjectIdentifier(child)).inserted {
                    stack.append((child, 0))
                }
            } else {
                order.append(node)
            }
        }
        return order
    }
}
