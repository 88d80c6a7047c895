import Foundation
import TensorEngine

/// A learning-rate schedule: the rate for an epoch as a pure function of the base rate and
/// the epoch index (0-based), so it needs no state of its own in a checkpoint. The values
/// are PyTorch's closed forms (`StepLR`, `ExponentialLR`, `CosineAnnealingLR` stepped once
/// per epoch); PyTorch's recursive updates agree with them up to rounding.
///
/// ```swift
/// let s = LRSchedule.step(size: 10, gamma: 0.5)
/// s.lr(base: 0.1, epoch: 25)   // 0.025
/// ```
public enum LRSchedule: Codable, Equatable, Sendable {
    case constant
    /// `base · gamma^⌊epoch / size⌋`.
    case step(size: Int, gamma: Double)
    /// `base · gamma^epoch`.
    case exponential(gamma: Double)
    /// `etaMin + (base − etaMin)·(1 + cos(π·epoch / tMax)) / 2`.
    case cosine(tMax: Int, etaMin: Double)

    /// Checks the parameters: a step size and tMax ≥ 1, a finite gamma.
    public func validated() throws -> LRSchedule {
        switch self {
        case .constant: break
        case .step(let size, let gamma):
            guard size >= 1 else { throw TensorError(.value, "step_size must be ≥ 1, got \(size)", argument: "step_size") }
            guard gamma.isFinite else { throw TensorError(.value, "gamma must be finite, got \(gamma)", argument: "gamma") }
        case .exponential(let gamma):
            guard gamma.isFinite else { throw TensorError(.value, "gamma must be finite, got \(gamma)", argument: "gamma") }
        case .cosine(let tMax, let etaMin):
            guard tMax >= 1 else { throw TensorError(.value, "T_max must be ≥ 1, got \(tMax)", argument: "T_max") }
            guard etaMin.isFinite else { throw TensorError(.value, "eta_min must be finite, got \(etaMin)", argument: "eta_min") }
        }
        return self
    }

    /// The learning rate for `epoch` (0-based) given the optimizer's base rate.
    public func lr(base: Double, epoch: Int) -> Double {
        switch self {
        case .constant: base
        case .step(let size, let gamma): base * pow(gamma, Double(epoch / max(size, 1)))
        case .exponential(let gamma): base * pow(gamma, Double(epoch))
        case .cosine(let tMax, let etaMin): etaMin + (base - etaMin) * (1 + cos(Double.pi * Double(epoch) / Double(max(tMax, 1)))) / 2
        }
    }
}
