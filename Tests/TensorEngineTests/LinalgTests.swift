import Testing
@testable import TensorEngine

struct LinalgTests {
    let a = Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
    let b = Tensor([1, 0, 2, 1, -1, 3] as [Float], shape: [3, 2])

    /// The product by definition, in Double.
    func reference(_ x: Tensor, _ y: Tensor) -> [Double] {
        let (n, k, m) = (x.shape[0], x.shape[1], y.shape[1])
        let xv = x.doubles(), yv = y.doubles()
        return (0..<n * m).map { ij in (0..<k).reduce(0.0) { $0 + xv[ij / m * k + $1] * yv[$1 * m + ij % m] } }
    }

    func randomTensor(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        return Tensor((0..<shape.reduce(1, *)).map { _ in Float(rng.normal()) }, shape: shape)
    }

    @Test func mmValues() throws {
        let c = try a.mm(b)
        #expect(c.shape == [2, 2] && c.dtype == .float32 && c.isContiguous)
        #expect(vals(c) == [2, 11, 8, 23])
    }

    @Test func mmErrors() {
        expectError(.shape, "1-D operand") { try Tensor([1, 2, 3] as [Float]).mm(b) }
        expectError(.shape, "3-D operand") { try a.reshaped([1, 2, 3]).mm(b) }
        expectError(.shape, "inner mismatch") { try a.mm(a) }
        expectError(.dtype, "no promotion") { try a.mm(b.cast(to: .float64)) }
        expectError(.dtype, "bool") { try a.cast(to: .bool).mm(b.cast(to: .bool)) }
    }

    @Test func integerMatricesStayInteger() throws {
        let c = try a.cast(to: .int64).mm(b.cast(to: .int64))
        #expect(c.dtype == .int64)
        #expect(vals(c) == [2, 11, 8, 23])
        let ai = try a.cast(to: .int64), bi = try b.cast(to: .int64)
        #expect(vals(try ai.t().contiguous().t().mm(bi.t().contiguous().t())) == [2, 11, 8, 23], "transposed operands in the plain loop")
        #expect(vals(try ai.expanded([3, 2, 3]).matmul(bi)) == [2, 11, 8, 23, 2, 11, 8, 23, 2, 11, 8, 23])
        let big = Tensor([Int64.max, 2], shape: [1, 2]), two = Tensor([2, 1] as [Int64], shape: [2, 1])
        #expect(try big.mm(two).scalars(as: Int64.self) == [Int64.max &* 2 &+ 2], "wraps instead of trapping")
    }

    @Test func emptyInnerGivesZerosAndEmptyOuterGivesEmpty() throws {
        let z = try Tensor.filled([2, 0], with: 0, dtype: .float32).mm(Tensor.filled([0, 3], with: 0, dtype: .float32))
        #expect(z.shape == [2, 3] && vals(z) == [0, 0, 0, 0, 0, 0])
        let zi = try Tensor.filled([2, 0], with: 0, dtype: .int64).matmul(Tensor.filled([0], with: 0, dtype: .int64))
        #expect(zi.shape == [2] && vals(zi) == [0, 0])
        #expect(try Tensor.filled([0, 3], with: 0, dtype: .float32).mm(b).shape == [0, 2])
        #expect(try Tensor.filled([4, 0, 3], with: 0, dtype: .float32).matmul(b).shape == [4, 0, 2])
    }

    @Test func matmulOneDimensionalRules() throws {
        let v = Tensor([1, 2, 3] as [Float])
        let dot = try v.matmul(v)
        #expect(dot.shape == [] && vals(dot) == [14])
        #expect(vals(try v.matmul(b)) == [2, 11])                   // [3] @ [3,2] → [2]
        #expect(vals(try a.matmul(v)) == [14, 32])                  // [2,3] @ [3] → [2]
        let batched = try a.expanded([4, 2, 3])
        #expect(try batched.matmul(v).shape == [4, 2])
        #expect(try Tensor([1, 1] as [Float]).matmul(batched).shape == [4, 3])
    }

    @Test func matmulErrors() {
        let s = Tensor(scalar: Float(2)), v = Tensor([1, 2, 3] as [Float])
        expectError(.shape, "0-d left") { try s.matmul(v) }
        expectError(.shape, "0-d right") { try a.matmul(s) }
        expectError(.shape, "dot lengths") { try v.matmul(Tensor([1, 2] as [Float])) }
        expectError(.shape, "inner") { try a.matmul(a) }
        expectError(.shape, "batch") { try Tensor.filled([2, 2, 3], with: 1, dtype: .float32).matmul(Tensor.filled([3, 3, 2], with: 1, dtype: .float32)) }
        expectError(.dtype, "dtypes") { try a.matmul(b.cast(to: .int64)) }
    }

    @Test func batchBroadcasting() throws {
        let x = randomTensor([2, 1, 3, 4], seed: 1), y = randomTensor([3, 4, 5], seed: 2)
        let z = try x.matmul(y)
        #expect(z.shape == [2, 3, 3, 5])
        for i in 0..<2 {
            for j in 0..<3 {
                let got = try z.narrow(0, start: i, length: 1).narrow(1, start: j, length: 1).reshaped([3, 5])
                let expected = reference(try x.narrow(0, start: i, length: 1).reshaped([3, 4]), try y.narrow(0, start: j, length: 1).reshaped([4, 5]))
                expectAllClose(got, Tensor(expected.map { Float($0) }, shape: [3, 5]), "batch \(i),\(j)")
            }
        }
    }

    @Test func nonContiguousOperandsMatchContiguous() throws {
        let x = randomTensor([5, 7], seed: 3), y = randomTensor([7, 6], seed: 4)
        let expected = Tensor(reference(x, y).map { Float($0) }, shape: [5, 6])
        // Transposed operands go to BLAS with the transpose flag; the others are copied.
        let xt = try x.t().contiguous().t(), yt = try y.t().contiguous().t()
        #expect(!xt.isContiguous && !yt.isContiguous)
        expectAllClose(try xt.mm(yt), expected, "both transposed")
        expectAllClose(try xt.matmul(y), expected, "left transposed")
        let wide = try Tensor.filled([7, 12], with: 0, dtype: .float32).narrow(1, start: 0, length: 6)
        let sliced = try concatenated([y, y], dim: 1).narrow(1, start: 6, length: 6)   // row stride 12
        #expect(!sliced.isContiguous && wide.shape == [7, 6])
        expectAllClose(try x.mm(sliced), expected, "row-strided slice")
        let stepped = try concatenated([x.unsqueezed(-1), x.unsqueezed(-1)], dim: -1).narrow(2, start: 0, length: 1).squeezed([2])
        expectAllClose(try stepped.mm(y), expected, "column stride 2 (copied)")
        let row = try Tensor([1, 2, 3, 4, 5, 6, 7] as [Float], shape: [1, 7]).expanded([5, 7])
        let rowExpected = Tensor(reference(row.contiguous(), y).map { Float($0) }, shape: [5, 6])
        expectAllClose(try row.mm(y), rowExpected, "expanded rows (stride 0)")
        let bt = try randomTensor([3, 6, 7], seed: 5).transposed(-1, -2)
        let z = try x.matmul(bt)
        expectAllClose(z, try x.matmul(bt.contiguous()), "batched transposed")
    }

    @Test func largeProductsMatchTheDefinition() throws {
        let x = randomTensor([65, 130], seed: 6), y = randomTensor([130, 33], seed: 7)
        expectAllClose(try x.mm(y), Tensor(reference(x, y).map { Float($0) }, shape: [65, 33]), "65×130×33", atol: 1e-4)
        let xd = try x.cast(to: .float64), yd = try y.cast(to: .float64)
        expectAllClose(try xd.mm(yd), Tensor(reference(x, y), shape: [65, 33]), "float64", atol: 1e-9, rtol: 1e-9)
    }

    @Test func manySmallBatchesRunInParallelChunks() throws {
        let x = randomTensor([300, 3, 4], seed: 8), y = randomTensor([300, 4, 2], seed: 9)
        let z = try x.matmul(y)
        for i in [0, 137, 299] {
            let got = try z.narrow(0, start: i, length: 1).reshaped([3, 2])
            let expected = reference(try x.narrow(0, start: i, length: 1).reshaped([3, 4]), try y.narrow(0, start: i, length: 1).reshaped([4, 2]))
            expectAllClose(got, Tensor(expected.map { Float($0) }, shape: [3, 2]), "batch \(i)")
        }
    }

    @Test func nanPropagates() throws {
        let x = Tensor([Float.nan, 1, 2, 3], shape: [2, 2])
        let z = vals(try x.mm(Tensor([1, 0, 0, 1] as [Float], shape: [2, 2])))
        #expect(z[0].isNaN && z[1].isNaN && z[2] == 2 && z[3] == 3)
    }

    @Test func gradientsOfTheLinearLayerShape() throws {
        // y = x @ wᵀ: dW = gᵀ @ x, dx = g @ W.
        let x = randomTensor([4, 3], seed: 10).requiringGrad(), w = randomTensor([2, 3], seed: 11).requiringGrad()
        let y = try x.matmul(w.t())
        let g = randomTensor([4, 2], seed: 12)
        let grads = try Autograd.gradients(of: y, wrt: [x, w], seed: g)
        expectAllClose(grads[0], try g.mm(w.detached()), "dx")
        expectAllClose(grads[1], try g.t().mm(x.detached()), "dW")
    }

    @Test func gradientUndoesBatchBroadcast() throws {
        let x = randomTensor([2, 3, 4], seed: 13).requiringGrad(), w = randomTensor([4, 5], seed: 14).requiringGrad()
        let grads = try Autograd.gradients(of: try x.matmul(w).sum(), wrt: [x, w])
        #expect(grads[0].shape == [2, 3, 4] && grads[1].shape == [4, 5])
        let ones = Tensor.filled([6, 5], with: 1, dtype: .float32)
        expectAllClose(grads[1], try x.detached().reshaped([6, 4]).t().mm(ones), "dW summed over the batch")
    }

    @Test func catalogueEntries() throws {
        let out = try Ops.call("matmul", positional: [.tensor(a), .tensor(b)])
        #expect(vals(out[0]) == [2, 11, 8, 23])
        expectError(.shape) { try Ops.call("mm", positional: [.tensor(Tensor([1] as [Float])), .tensor(b)]) }
    }
}
