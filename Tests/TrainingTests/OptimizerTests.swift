import Foundation
import Testing
import TensorEngine
@testable import Training

@Suite struct OptimizerTests {
    let p = Tensor([1, -2, 3] as [Float])
    let g = Tensor([0.5, 0.25, -1] as [Float])

    @Test func pureStepLeavesInputsUntouched() throws {
        let adam = try Adam(lr: 0.1)
        let (p1, s1) = try adam.step(parameter: p, gradient: g, state: OptimizerState())
        #expect(p.scalars(as: Float.self) == [1, -2, 3])
        let (p2, s2) = try adam.step(parameter: p1, gradient: g, state: s1)
        #expect(s1.step == 1 && s2.step == 2)
        #expect(s1.buffers["exp_avg"]!.scalars(as: Float.self) != s2.buffers["exp_avg"]!.scalars(as: Float.self))
        #expect(p1.scalars(as: Float.self) != p2.scalars(as: Float.self))
        // Adam's first step moves every coordinate by lr against its gradient's sign.
        let d = zip(p1.doubles(), p.doubles()).map { $0 - $1 }
        #expect(d.map { abs(abs($0) - 0.1) < 1e-6 } == [true, true, true])
    }

    @Test func maximizeStepsUphill() throws {
        let sgd = try SGD(lr: 0.1, maximize: true)
        let (q, _) = try sgd.step(parameter: p, gradient: g, state: OptimizerState())
        #expect(q.scalars(as: Float.self) == [1.05, -1.975, 2.9])
    }

    @Test func sgdMomentumBufferStartsAtTheGradient() throws {
        let sgd = try SGD(lr: 1, momentum: 0.9, dampening: 0.5)
        let (_, s) = try sgd.step(parameter: p, gradient: g, state: OptimizerState())
        #expect(s.buffers["momentum_buffer"]!.scalars(as: Float.self) == [0.5, 0.25, -1])
        let (_, s2) = try sgd.step(parameter: p, gradient: g, state: s)
        #expect(s2.buffers["momentum_buffer"]!.scalars(as: Float.self) == [0.7, 0.35, -1.4])
    }

    @Test func stateRoundTripsThroughJSONBitForBit() throws {
        let opt = try OptimizerConfig(type: "rmsprop", options: ["momentum": .number(0.9), "centered": .bool(true)]).optimizer
        var (q, s) = try opt.step(parameter: p, gradient: g, state: OptimizerState())
        s.buffers["grad_avg"] = Tensor([.nan, .infinity, -0.0] as [Float])
        let decoded = try JSONDecoder().decode(OptimizerState.self, from: JSONEncoder().encode(s))
        #expect(decoded == s)
        #expect(decoded.buffers["grad_avg"]!.scalars(as: Float.self)[0].isNaN)
        // Continuing from the decoded state gives the same step as from the original.
        s.buffers["grad_avg"] = try decoded.buffers["grad_avg"].map { try TensorSnapshot($0).tensor() }
        let a = try opt.step(parameter: q, gradient: g, state: s), b = try opt.step(parameter: q, gradient: g, state: decoded)
        #expect(TensorSnapshot(a.parameter) == TensorSnapshot(b.parameter))
        q = a.parameter
        #expect(q.shape == [3])
    }

    @Test func float64ParametersStayFloat64() throws {
        let (q, s) = try Adagrad(lr: 0.5).step(parameter: Tensor([1.0, 2.0]), gradient: Tensor([1.0, -1.0]), state: OptimizerState())
        #expect(q.dtype == .float64 && s.buffers["sum"]!.dtype == .float64)
        #expect(q.scalars(as: Double.self) == [1 - 0.5 / (1 + 1e-10), 2 + 0.5 / (1 + 1e-10)])
    }

    @Test func operandErrors() throws {
        let sgd = try SGD(lr: 0.1)
        #expect(throws: TensorError.self) { try sgd.step(parameter: p, gradient: Tensor([1, 2] as [Float]), state: OptimizerState()) }
        let e1 = try #require(throws: TensorError.self) { try sgd.step(parameter: p, gradient: Tensor([1, 2] as [Float]), state: OptimizerState()) }
        #expect(e1.kind == .shape && e1.argument == "grads")
        let e2 = try #require(throws: TensorError.self) { try sgd.step(parameter: Tensor([1, 2] as [Int64]), gradient: Tensor([1, 2] as [Int64]), state: OptimizerState()) }
        #expect(e2.kind == .dtype)
        let bad = OptimizerState(step: 1, buffers: ["exp_avg": Tensor([1] as [Float]), "exp_avg_sq": Tensor([1] as [Float])])
        let e3 = try #require(throws: TensorError.self) { try Adam().step(parameter: p, gradient: g, state: bad) }
        #expect(e3.kind == .shape && e3.argument == "state")
        let e4 = try #require(throws: TensorError.self) { try sgd.step(parameters: [p], gradients: [], states: []) }
        #expect(e4.kind == .value)
    }

    @Test func inPlaceUpdateRejectsAView() throws {
        var s = OptimizerState()
        let view = try Tensor([1, 2, 3, 4] as [Float], shape: [2, 2]).t()
        let e = try #require(throws: TensorError.self) { try SGD(lr: 1).update(parameter: view, gradient: view, state: &s) }
        #expect(e.kind == .value)
        // The pure step accepts any layout.
        let (q, _) = try SGD(lr: 1).step(parameter: view, gradient: view, state: OptimizerState())
        #expect(q.scalars(as: Float.self) == [0, 0, 0, 0])
    }

    @Test(arguments: [
        ("sgd", "lr", OptimizerOption.number(-1)), ("sgd", "momentum", .number(-0.1)), ("sgd", "weight_decay", .number(-1)),
        ("sgd", "nesterov", .bool(true)), ("adam", "betas", .list([1.0, 0.9])), ("adam", "betas", .list([0.9, -0.1])),
        ("adam", "betas", .list([0.9])), ("adam", "eps", .number(-1e-8)), ("adamw", "lr", .number(.nan)),
        ("adagrad", "lr_decay", .number(-1)), ("adagrad", "initial_accumulator_value", .number(-1)),
        ("rmsprop", "alpha", .number(-0.5)), ("rmsprop", "momentum", .number(-1)), ("adam", "amsgrad", .number(1)),
        ("adam", "momentum", .number(0.9)), ("sgd", "lr", .bool(true)),
    ])
    func invalidOptionsAreValueErrorsNamingTheOption(type: String, option: String, value: OptimizerOption) throws {
        let e = try #require(throws: TensorError.self) { try OptimizerConfig(type: type, options: [option: value]) }
        #expect(e.kind == .value)
        #expect(e.argument == option)
    }

    @Test func nesterovNeedsMomentumAndNoDampening() throws {
        _ = try SGD(lr: 0.1, momentum: 0.9, nesterov: true)
        #expect(throws: TensorError.self) { try SGD(lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true) }
    }

    @Test func configDefaultsAreTorchDefaults() throws {
        #expect(try OptimizerConfig(type: "adamw") == .adamw(try AdamW(lr: 1e-3, weightDecay: 0.01)))
        #expect(try OptimizerConfig(type: "rmsprop").lr == 0.01)
        #expect(try OptimizerConfig(type: "adagrad") == .adagrad(try Adagrad(lr: 0.01, eps: 1e-10)))
        let e = try #require(throws: TensorError.self) { try OptimizerConfig(type: "lbfgs") }
        #expect(e.argument == "type")
        var c = try OptimizerConfig(type: "Adam", options: ["lr": .number(0.5)])
        c.lr = 0.25
        #expect(c == .adam(try Adam(lr: 0.25)))
        let json = try JSONEncoder().encode(c)
        #expect(try JSONDecoder().decode(OptimizerConfig.self, from: json) == c)
    }

    @Test func optionsDecodeFromJSON() throws {
        let opts = try JSONDecoder().decode([String: OptimizerOption].self, from: Data(#"{"lr": 0.1, "betas": [0.8, 0.9], "amsgrad": true}"#.utf8))
        #expect(try OptimizerConfig(type: "adam", options: opts) == .adam(try Adam(lr: 0.1, betas: (0.8, 0.9), amsgrad: true)))
    }
}

@Suite struct ClipGradNormTests {
    @Test func noClippingMultipliesByExactlyOne() throws {
        let g = Tensor([3, 4] as [Float])
        let (out, total) = try clipGradNorm([g], maxNorm: 10)
        #expect(try total.item() == 5)
        #expect(out[0].scalars(as: Float.self) == [3, 4])
    }

    @Test func clipsToMaxNormAcrossTensors() throws {
        let (out, total) = try clipGradNorm([Tensor([3] as [Float]), Tensor([4] as [Float], shape: [1, 1])], maxNorm: 1)
        #expect(try total.item() == 5)
        let f = Float(1) / (Float(5) + Float(1e-6))
        #expect(out[0].scalars(as: Float.self) == [3 * f] && out[1].shape == [1, 1])
    }

    @Test func infinityNormIsTheLargestMagnitude() throws {
        let (_, total) = try clipGradNorm([Tensor([1, -7] as [Float]), Tensor([2] as [Float])], maxNorm: 1, normType: .infinity)
        #expect(try total.item() == 7)
    }

    @Test func nonFiniteTotal() throws {
        let g = Tensor([.nan, 1] as [Float])
        let e = try #require(throws: TensorError.self) { try clipGradNorm([g], maxNorm: 1, errorIfNonfinite: true) }
        #expect(e.kind == .value && e.argument == "error_if_nonfinite")
        let (out, total) = try clipGradNorm([g], maxNorm: 1)
        #expect(try total.item().isNaN)
        #expect(out[0].scalars(as: Float.self).allSatisfy { $0.isNaN })
    }

    @Test func emptyListHasZeroNorm() throws {
        let (out, total) = try clipGradNorm([], maxNorm: 1)
        #expect(try out.isEmpty && total.shape == [] && total.item() == 0)
    }

    @Test func float64GradientsGiveAFloat64Norm() throws {
        let (_, total) = try clipGradNorm([Tensor([3.0, 4.0])], maxNorm: 1, normType: 1)
        #expect(try total.dtype == .float64 && total.item() == 7)
    }
}

@Suite struct LRScheduleTests {
    @Test func stepExponentialCosine() throws {
        #expect(LRSchedule.step(size: 10, gamma: 0.5).lr(base: 0.1, epoch: 25) == 0.025)
        #expect(LRSchedule.step(size: 10, gamma: 0.5).lr(base: 0.1, epoch: 9) == 0.1)
        #expect(abs(LRSchedule.exponential(gamma: 0.9).lr(base: 1, epoch: 3) - 0.729) < 1e-15)
        let cos = LRSchedule.cosine(tMax: 10, etaMin: 0.01)
        #expect(cos.lr(base: 0.1, epoch: 0) == 0.1)
        #expect(abs(cos.lr(base: 0.1, epoch: 5) - 0.055) < 1e-15)
        #expect(abs(cos.lr(base: 0.1, epoch: 10) - 0.01) < 1e-15)
        #expect(LRSchedule.constant.lr(base: 0.3, epoch: 100) == 0.3)
    }

    @Test func invalidSchedules() throws {
        #expect(throws: TensorError.self) { try LRSchedule.step(size: 0, gamma: 0.1).validated() }
        #expect(throws: TensorError.self) { try LRSchedule.cosine(tMax: 0, etaMin: 0).validated() }
        #expect(throws: TensorError.self) { try LRSchedule.exponential(gamma: .nan).validated() }
    }
}
