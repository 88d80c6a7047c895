import Testing
@testable import TensorEngine

private typealias C = ReductionCheck

/// kthvalue and topk (semantics §5, gradients §10).
struct SelectionTests {
    @Test func kthvalueValues() throws {
        let (v, i) = try f32([3, 1, 2]).kthvalue(2)
        C.close(v, [2], shape: [])
        #expect(i.dtype == .int64 && i.scalars(as: Int64.self) == [2])
        let m = f32([5, 1, 4, 2, 8, 0], [2, 3])
        let (v1, i1) = try m.kthvalue(1, dim: 0)
        C.close(v1, [2, 1, 0], shape: [3])
        #expect(i1.scalars(as: Int64.self) == [1, 0, 1])
        let (v2, i2) = try m.kthvalue(3, dim: -1, keepdim: true)
        C.close(v2, [5, 8], shape: [2, 1])
        #expect(i2.shape == [2, 1] && i2.scalars(as: Int64.self) == [0, 1])
        let (v3, _) = try m.transposed(0, 1).kthvalue(2)
        C.close(v3, [5, 8, 4])
        let (v4, i4) = try i64([9, -3, 4]).kthvalue(2)
        #expect(v4.dtype == .int64 && v4.scalars(as: Int64.self) == [4] && i4.scalars(as: Int64.self) == [2])
        let (v5, i5) = try f32([7, 7, 7]).kthvalue(2)
        C.close(v5, [7])
        #expect((0..<3).contains(Int(i5.scalars(as: Int64.self)[0])))
    }

    @Test func kthvalueNaNZeroDAndEmpty() throws {
        let x = f32([.nan, 1, .infinity])
        let (a, ia) = try x.kthvalue(3)
        C.close(a, [.nan])
        #expect(ia.scalars(as: Int64.self) == [0])
        let (b, ib) = try x.kthvalue(2)
        C.close(b, [.infinity])
        #expect(ib.scalars(as: Int64.self) == [2])
        let (s, si) = try Tensor(scalar: Float(4)).kthvalue(1, dim: 0)
        C.close(s, [4], shape: [])
        #expect(si.shape == [] && si.scalars(as: Int64.self) == [0])
        let (e, ie) = try Tensor([Float](), shape: [0, 3]).kthvalue(2)
        #expect(e.shape == [0] && ie.shape == [0])
    }

    @Test func kthvalueErrors() {
        C.fails(.value) { try f32([1, 2]).kthvalue(0) }
        C.fails(.value) { try f32([1, 2]).kthvalue(3) }
        C.fails(.value) { try Tensor(scalar: Float(1)).kthvalue(2) }
        C.fails(.value) { try Tensor([Float](), shape: [2, 0]).kthvalue(1) }
        C.fails(.dim) { try f32([1, 2]).kthvalue(1, dim: 1) }
        C.fails(.dtype) { try Tensor([true, false]).kthvalue(1) }
    }

    @Test func topkValues() throws {
        let x = f32([1, 4, 2, 3])
        let (v, i) = try x.topk(2)
        C.close(v, [4, 3], shape: [2])
        #expect(i.dtype == .int64 && i.scalars(as: Int64.self) == [1, 3])
        let (s, si) = try x.topk(3, largest: false)
        C.close(s, [1, 2, 3])
        #expect(si.scalars(as: Int64.self) == [0, 2, 3])
        let m = f32([5, 1, 4, 2, 8, 0], [2, 3])
        let (v2, i2) = try m.topk(1, dim: 0)
        C.close(v2, [5, 8, 4], shape: [1, 3])
        #expect(i2.scalars(as: Int64.self) == [0, 1, 0])
        let (v3, i3) = try m.transposed(0, 1).topk(2, dim: 0, largest: false)
        C.close(v3, [1, 0, 4, 2], shape: [2, 2])
        #expect(i3.scalars(as: Int64.self) == [1, 2, 2, 0])
        let (v4, _) = try i64([3, 9, 1]).topk(1)
        #expect(v4.dtype == .int64 && v4.scalars(as: Int64.self) == [9])
        let (v5, i5) = try f32([2, 7], [2, 1]).expanded([2, 3]).topk(2, dim: 1, sorted: false)
        C.close(v5, [2, 2, 7, 7])
        #expect(i5.scalars(as: Int64.self).allSatisfy { (0..<3).contains($0) })
    }

    @Test func topkNaNKZeroAndZeroD() throws {
        let (v, i) = try f32([1, .nan, .infinity]).topk(2)
        C.close(v, [.nan, .infinity])
        #expect(i.scalars(as: Int64.self) == [1, 2])
        let (s, si) = try f32([1, .nan, -.infinity]).topk(2, largest: false)
        C.close(s, [-.infinity, 1])
        #expect(si.scalars(as: Int64.self) == [2, 0])
        let (e, ie) = try f32([1, 2, 3, 4], [2, 2]).topk(0)
        #expect(e.shape == [2, 0] && ie.shape == [2, 0] && ie.dtype == .int64)
        let (z, zi) = try Tensor(scalar: Float(3)).topk(1)
        C.close(z, [3], shape: [])
        #expect(zi.shape == [])
        let (em, _) = try Tensor([Float](), shape: [0, 4]).topk(2)
        #expect(em.shape == [0, 2])
    }

    @Test func topkErrors() {
        C.fails(.value) { try f32([1, 2]).topk(3) }
        C.fails(.value) { try f32([1, 2]).topk(-1) }
        C.fails(.value) { try Tensor(scalar: Float(1)).topk(2) }
        C.fails(.dim) { try f32([1, 2]).topk(1, dim: -2) }
        C.fails(.dtype) { try Tensor([true]).topk(1) }
    }

    @Test func gradientsGoToReturnedIndices() throws {
        let m = f32([5, 1, 4, 2, 8, 0], [2, 3])
        C.close(try C.grad(m) { try $0.kthvalue(2).values }, [0, 0, 1, 1, 0, 0], shape: [2, 3])
        C.close(try C.grad(m, seed: f32([10, 20], [2, 1])) { try $0.kthvalue(1, dim: 1, keepdim: true).values }, [0, 10, 0, 0, 0, 20])
        C.close(try C.grad(m, seed: f32([1, 2, 3, 4], [2, 2])) { try $0.topk(2).values }, [1, 0, 2, 4, 3, 0])
        C.close(try C.grad(m) { try $0.transposed(0, 1).topk(1, dim: 1).values }, [1, 0, 1, 0, 1, 0])
        C.close(try C.grad(f32([2, 7], [2, 1])) { try $0.expanded([2, 3]).topk(2, dim: 1).values }, [2, 2], shape: [2, 1])
        // Second order: the gradient is linear in the upstream gradient.
        let x = Tensor([3, 1, 2] as [Double]).requiringGrad()
        let g = try Autograd.gradients(of: x.topk(1).values.sum(), wrt: [x], createGraph: true)[0]
        C.close(g, [1, 0, 0])
    }
}

/// Rows large enough to be split across cores agree with a plain sort.
struct SelectionParallelTests {
    @Test func largeRowsMatchSorting() throws {
        var rng = RandomGenerator(seed: 7)
        let (rows, n) = (1024, 96)
        let data = (0..<rows * n).map { _ in Float(rng.normal()) }
        let x = Tensor(data, shape: [rows, n])
        let (top, topIdx) = try x.topk(3)
        let (kth, _) = try x.kthvalue(10)
        let (mx, mxIdx) = try x.maxAlong(dim: 1)
        let (t, ti, k, m, mi) = (top.scalars(as: Float.self), topIdx.scalars(as: Int64.self), kth.scalars(as: Float.self),
                                 mx.scalars(as: Float.self), mxIdx.scalars(as: Int64.self))
        for r in 0..<rows {
            let row = Array(data[r * n..<(r + 1) * n])
            let sorted = row.sorted()
            #expect(Array(t[r * 3..<(r + 1) * 3]) == Array(sorted.reversed().prefix(3)))
            #expect(ti[r * 3..<(r + 1) * 3].allSatisfy { row[Int($0)] >= sorted[n - 3] })
            #expect(k[r] == sorted[9])
            #expect(m[r] == sorted[n - 1] && row[Int(mi[r])] == m[r])
        }
    }
}
