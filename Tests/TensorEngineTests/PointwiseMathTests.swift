import Testing
@testable import TensorEngine

/// Errors and edge cases of the pointwise ops of issue 15 that the PyTorch goldens
/// (MoreOpsGoldenTests) cannot record, because PyTorch raises for them.
struct PointwiseMathTests {
    @Test func integerDivisionByZeroIsAValueError() throws {
        expectError(.value) { try i64([1, 2]).remainder(.tensor(i64([1, 0]))) }
        expectError(.value) { try i64([1, 2]).fmod(.scalar(0)) }
        expectError(.value) { try i64([1, 2]).floorDivided(by: .scalar(0)) }
        // Floats divide by zero into NaN and inf instead.
        expectValues(try f32([1, -1]).remainder(.scalar(0.0)), [.nan, .nan])
    }

    @Test func int64ExtremesDoNotTrap() throws {
        expectValues(try i64([.min, 7]).remainder(.scalar(-1)), [0, 0], dtype: .int64)
        expectValues(try i64([.min, 7]).fmod(.scalar(-1)), [0, 0], dtype: .int64)
        expectValues(try i64([.min, -7]).square(), [0, 49], dtype: .int64)
    }

    @Test func boolIsRejectedWherePyTorchRejectsIt() {
        expectError(.dtype) { try bools([true]).remainder(.tensor(bools([true]))) }
        expectError(.dtype) { try bools([true]).fmod(.scalar(.bool(true))) }
        expectError(.dtype) { try bools([true]).floorDivided(by: .tensor(bools([true]))) }
    }

    @Test func lerpNeedsOneFloatingDtype() {
        expectError(.dtype) { try i64([1]).lerp(i64([2]), weight: .scalar(0.5)) }
        expectError(.dtype) { try f32([1]).lerp(f64([2]), weight: .scalar(0.5)) }
        expectError(.dtype) { try f32([1, 2]).lerp(f32([2, 3]), weight: .tensor(f64([0.5, 0.5]))) }
        expectError(.shape) { try f32([1, 2]).lerp(f32([2, 3, 4]), weight: .scalar(0.5)) }
    }

    @Test func argumentsAreTyped() {
        // maximum's other is a tensor (PyTorch: "must be Tensor, not int"); nan_to_num's are floats.
        expectError(.value) { try Ops.call("maximum", positional: [.tensor(f32([1]))], keywords: ["other": .int(2)]) }
        expectError(.value) { try Ops.call("nan_to_num", positional: [.tensor(f32([1]))], keywords: ["nan": .bool(true)]) }
        expectError(.shape) { try Ops.call("atan2", positional: [.tensor(f32([1, 2])), .tensor(f32([1, 2, 3]))]) }
    }

    @Test func maximumSplitsTiedGradientsInHalf() throws {
        let a = f32([1, 2, 3]).requiringGrad(), b = f32([1, 5, 0]).requiringGrad()
        let grads = try Autograd.gradients(of: try a.maximum(b).sum(), wrt: [a, b])
        expectValues(grads[0], [0.5, 0, 1])
        expectValues(grads[1], [0.5, 1, 0])
    }
}
