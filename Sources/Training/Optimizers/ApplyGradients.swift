import TensorEngine

extension Optimizer {
    /// One training step's update: clips the gradients to `maxNorm` when given (PyTorch's
    /// `clip_grad_norm_`), otherwise only measures their total 2-norm, then updates every
    /// parameter in place. Returns the gradients' norm before clipping.
    public func apply(_ gradients: [Tensor], to parameters: [Tensor], states: inout [OptimizerState],
                      clipGradNorm maxNorm: Double?) throws -> Double {
        let grads: [Tensor]
        let norm: Double
        if let maxNorm {
            let clipped = try clipGradNorm(gradients, maxNorm: maxNorm)
            grads = clipped.gradients
            norm = try clipped.totalNorm.item()
        } else {
            // The engine's specialised copy makes transposed gradients contiguous (the
            // optimizer would copy them anyway), so the norm reads plain buffers.
            grads = gradients.map { $0.detached().contiguous() }
            norm = Trainer.totalNorm(grads)
        }
        for i in parameters.indices {
            try update(parameter: parameters[i], gradient: grads[i], state: &states[i])
        }
        return norm
    }
}
