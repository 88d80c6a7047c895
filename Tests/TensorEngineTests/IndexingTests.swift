import Testing
@testable import TensorEngine

/// Errors of the selection and indexing ops of issue 15 (PyTorch raises for these, so the
/// goldens in MoreOpsGoldenTests cannot record them), and hostile integer arguments.
struct IndexingTests {
    let x = Tensor((0..<6).map { Float($0) }, shape: [2, 3])

    @Test func indexTensorsAreChecked() {
        expectError(.value) { try x.gather(dim: 1, index: i64([-1], [1, 1])) }
        expectError(.value) { try x.gather(dim: 1, index: i64([3], [1, 1])) }
        expectError(.value) { try x.gather(dim: 1, index: i64([.max], [1, 1])) }
        expectError(.dtype) { try x.gather(dim: 1, index: f32([0], [1, 1])) }
        expectError(.shape) { try x.gather(dim: 1, index: i64([0])) }
        expectError(.shape) { try x.gather(dim: 1, index: i64([0, 0, 0], [3, 1])) }
        expectError(.dim) { try x.gather(dim: 2, index: i64([0], [1, 1])) }
        expectError(.value) { try x.indexSelect(dim: 1, index: i64([-1])) }
        expectError(.shape) { try x.indexSelect(dim: 1, index: i64([0], [1, 1])) }
        expectError(.shape) { try x.takeAlongDim(i64([0]), dim: 0) }
        expectError(.value) { try x.takeAlongDim(i64([6]), dim: nil) }
        expectError(.value) { try x.takeAlongDim(i64([.min]), dim: nil) }
    }

    @Test func scatterChecksItsSource() {
        let index = i64([0, 1], [1, 2])
        expectError(.dtype) { try x.scatter(dim: 1, index: index, src: .tensor(f64([1, 2], [1, 2]))) }
        expectError(.shape) { try x.scatter(dim: 1, index: index, src: .tensor(f32([1], [1, 1]))) }
        expectError(.value) { try x.scatterAdd(dim: 1, index: i64([5, 1], [1, 2]), src: f32([1, 2], [1, 2])) }
        expectError(.value) { try Ops.call("scatter", positional: [.tensor(x), .int(1), .tensor(index)]) }
        expectError(.value) {
            try Ops.call("scatter", positional: [.tensor(x), .int(1), .tensor(index)], keywords: ["src": .tensor(f32([1, 2], [1, 2])), "value": .int(1)])
        }
    }

    @Test func conditionsAreBool() {
        expectError(.dtype) { try Tensor.where(i64([1, 0]), .scalar(1), .scalar(0)) }
        expectError(.shape) { try Tensor.where(bools([true, false]), .tensor(f32([1, 2, 3])), .scalar(0)) }
        expectError(.dtype) { try x.maskedFill(i64([1, 0, 1]), .scalar(0)) }
        expectError(.shape) { try x.maskedFill(bools([true, false, true]), .tensor(f32([1]))) }
    }

    /// where selects bits: NaN payloads and −0 pass through, in every dtype, and a tensor long
    /// enough to be split across cores is split at the right offsets.
    @Test func whereIsExactAcrossCoreSplits() throws {
        let n = 3 * Kernels.elementwiseGrain + 7
        let c = Tensor((0..<n).map { $0 % 3 == 0 || $0 % 7 == 1 }, shape: [n])
        let pick = (0..<n).map { $0 % 3 == 0 || $0 % 7 == 1 }
        let a32: [Float] = (0..<n).map { (i: Int) -> Float in
            if i % 11 == 0 { return Float(bitPattern: 0x7FC0_1234) }
            return i % 13 == 0 ? -0.0 : Float(i)
        }
        let b32: [Float] = (0..<n).map { (i: Int) -> Float in -Float(i) - 0.5 }
        let w32 = try Tensor.where(c, .tensor(Tensor(a32, shape: [n])), .tensor(Tensor(b32, shape: [n]))).scalars(as: Float.self)
        #expect(w32.map { $0.bitPattern } == (0..<n).map { (i: Int) -> UInt32 in pick[i] ? a32[i].bitPattern : b32[i].bitPattern })
        let a64 = (0..<n).map { Int64($0) << 33 }, b64 = (0..<n).map { -Int64($0) }
        let w64 = try Tensor.where(c, .tensor(Tensor(a64, shape: [n])), .tensor(Tensor(b64, shape: [n]))).scalars(as: Int64.self)
        #expect(w64 == (0..<n).map { pick[$0] ? a64[$0] : b64[$0] })
        let d64: [Double] = a64.map { Double($0) }
        let wd = try Tensor.where(c, .tensor(Tensor(d64, shape: [n])), .scalar(Scalar.float(-0.0))).scalars(as: Double.self)
        let negativeZero = (-0.0 as Double).bitPattern
        #expect(wd.map { $0.bitPattern } == (0..<n).map { (i: Int) -> UInt64 in pick[i] ? d64[i].bitPattern : negativeZero })
        let wb = try Tensor.where(c, .tensor(Tensor([Bool](repeating: false, count: n), shape: [n])), .scalar(true)).scalars(as: Bool.self)
        #expect(wb == pick.map { !$0 })
    }

    @Test func shapesAndDimsOfTrianglesFlipAndRoll() {
        expectError(.shape) { try f32([1, 2]).tril() }
        expectError(.shape) { try Tensor(scalar: Float(1)).diag() }
        expectError(.shape) { try Tensor([Float](repeating: 0, count: 8), shape: [2, 2, 2]).diag() }
        expectError(.dim) { try x.flip([0, -2]) }
        expectError(.dim) { try x.flip([2]) }
        expectError(.value) { try x.roll([1, 1], dims: [0]) }
        expectError(.value) { try x.roll([1, 2], dims: []) }
        expectError(.dim) { try Tensor(scalar: Float(1)).roll([1], dims: [0]) }
    }

    @Test func hostileIntegersGiveErrorsNotTraps() throws {
        // diag's size is |k| + n: huge k is a limit error, never an overflow trap.
        expectError(.limit) { try f32([1, 2]).diag(diagonal: .max) }
        expectError(.limit) { try f32([1, 2]).diag(diagonal: .min) }
        ElementLimit.with(100) { expectError(.limit) { try f32([1, 2]).diag(diagonal: 50) } }
        expectValues(try x.diag(diagonal: .min), [], shape: [0])
        expectValues(try x.tril(diagonal: .min), [0, 0, 0, 0, 0, 0], shape: [2, 3])
        expectValues(try x.roll([.min, .max], dims: [0, 1]), [2, 0, 1, 5, 3, 4], shape: [2, 3])  // Int.max ≡ 1 (mod 3)
    }
}
