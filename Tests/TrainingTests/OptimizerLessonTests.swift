import Foundation
import Testing
import TensorEngine
@testable import Training

/// The lessons of gradient descent, as numbers: the learning rate's three regimes,
/// per-coordinate step sizes on an ill-conditioned problem, and momentum at a saddle.
/// Gradients come from the engine's autograd.
@Suite struct OptimizerLessonTests {
    /// Runs `steps` optimizer steps on `loss(w)` from `w0` and returns the loss before each
    /// step and after the last.
    func descend(_ opt: any Optimizer, from w0: [Double], steps: Int, _ loss: (Tensor) throws -> Tensor) throws -> (losses: [Double], w: [Double]) {
        var w = Tensor(w0)
        var state = OptimizerState()
        var losses: [Double] = []
        for _ in 0..<steps {
            let leaf = w.requiringGrad()
            let l = try loss(leaf)
            losses.append(try l.item())
            let g = try Autograd.gradients(of: l, wrt: [leaf])[0]
            (w, state) = try opt.step(parameter: w, gradient: g, state: state)
        }
        losses.append(try loss(w).item())
        return (losses, w.doubles())
    }

    /// Least squares on 64 examples and 4 well-conditioned features: mean((X·w − y)²).
    /// The Hessian's largest eigenvalue is about 2.5, so SGD is stable for lr < 2/2.5.
    func leastSquares(_ w: Tensor) throws -> Tensor {
        var rng = RandomGenerator(seed: 11)
        let x = Tensor((0..<256).map { _ in rng.normal() }, shape: [64, 4])
        let y = try (x * Tensor([1.5, -2, 0.5, 3])).sum(dims: [1])
        let r = try (x * w).sum(dims: [1]) - y
        return try (r * r).mean()
    }

    @Test func learningRateRegimesOnLeastSquares() throws {
        let start = [0.0, 0, 0, 0]
        let tiny = try descend(SGD(lr: 1e-3), from: start, steps: 30, leastSquares).losses
        let good = try descend(SGD(lr: 0.3), from: start, steps: 30, leastSquares).losses
        let large = try descend(SGD(lr: 1.2), from: start, steps: 30, leastSquares).losses
        let initial = tiny[0]
        #expect(initial > 10)
        // Tiny: every step helps, but after 30 steps most of the loss remains.
        #expect(zip(tiny, tiny.dropFirst()).allSatisfy { $1 < $0 })
        #expect(tiny.last! > 0.8 * initial && tiny.last! < initial)
        // Good: converges to the exact solution (no noise in y).
        #expect(good.last! < 1e-6 * initial)
        // Too large: overshoots further each step; the loss grows without bound.
        #expect(large.last! > 1e3 * initial)
        #expect(large[10] > large[5] && large[5] > large[1])
    }

    /// f(x) = ½(100·x0² + 0.01·x1²): curvatures 10⁴ apart. SGD's lr is capped by the
    /// steep direction (lr < 0.02), so it barely moves along the flat one; Adagrad scales
    /// each coordinate's step by its own gradient history.
    @Test func adagradBeatsSGDOnABadlyConditionedQuadratic() throws {
        let c = Tensor([100.0, 0.01])
        let f: (Tensor) throws -> Tensor = { x in try (c * x * x).sum() * Scalar.float(0.5) }
        let sgd = try descend(SGD(lr: 0.019), from: [1, 1], steps: 100, f)
        let adagrad = try descend(Adagrad(lr: 0.5), from: [1, 1], steps: 100, f)
        // SGD: x0 is solved, x1 has moved by under 2 %.
        #expect(abs(sgd.w[0]) < 1e-3 && sgd.w[1] > 0.98)
        #expect(sgd.losses.last! > 4.8e-3)
        // Adagrad: both coordinates make progress; the loss is over 100× lower.
        #expect(abs(adagrad.w[1]) < 0.1)
        #expect(adagrad.losses.last! < sgd.losses.last! / 100)
    }

    /// f(x, y) = x²/2 + y⁴/4 − y²/2 has a saddle at the origin and minima at y = ±1
    /// (f = −¼). Starting almost on the ridge (y = 10⁻³), plain SGD's escape grows y by
    /// 1 + lr per step and it is still at the saddle after 300 steps; heavy-ball momentum
    /// multiplies the effective step by ~1/(1 − β) and reaches the minimum.
    @Test func momentumEscapesASaddleWherePlainSGDStalls() throws {
        let f: (Tensor) throws -> Tensor = { v in
            let x = try v.narrow(0, start: 0, length: 1), y = try v.narrow(0, start: 1, length: 1)
            let y2 = try y * y
            return try (x * x * Scalar.float(0.5) + y2 * y2 * Scalar.float(0.25) - y2 * Scalar.float(0.5)).sum()
        }
        let plain = try descend(SGD(lr: 0.01), from: [1, 1e-3], steps: 300, f)
        let momentum = try descend(SGD(lr: 0.01, momentum: 0.9), from: [1, 1e-3], steps: 300, f)
        #expect(abs(plain.w[1]) < 0.05)
        #expect(plain.losses.last! > -0.01)
        #expect(abs(abs(momentum.w[1]) - 1) < 0.05)
        #expect(momentum.losses.last! < -0.24)
    }
}
