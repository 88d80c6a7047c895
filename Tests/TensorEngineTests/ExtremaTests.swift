import Testing
@testable import TensorEngine

private typealias C = ReductionCheck

/// max, min, argmax, argmin (semantics §5, gradients §10).
struct ExtremaTests {
    let m = f32([1, 5, 5, 2], [2, 2])

    @Test func allElements() throws {
        C.close(try m.maxElement(), [5], shape: [])
        C.close(try m.minElement(), [1], shape: [])
        C.close(try m.transposed(0, 1).minElement(), [1])
        C.close(try f32([1, .nan, 3]).maxElement(), [.nan])
        C.close(try f32([1, .nan, 3]).minElement(), [.nan])
        C.close(try f32([-.infinity, -.infinity]).maxElement(), [-.infinity])
        C.close(try Tensor(scalar: Float(7)).maxElement(), [7], shape: [])
        let i = try i64([3, -9, 4]).minElement()
        #expect(i.dtype == .int64 && i.scalars(as: Int64.self) == [-9])
        let b = try Tensor([false, true]).maxElement()
        #expect(b.dtype == .bool && b.scalars(as: Bool.self) == [true])
        C.fails(.shape) { try f32([]).maxElement() }
        C.fails(.shape) { try Tensor([Float](), shape: [2, 0]).minElement() }
    }

    @Test func allElementsGradientSplitsTies() throws {
        C.close(try C.grad(m) { try $0.maxElement() }, [0, 0.5, 0.5, 0], shape: [2, 2])
        C.close(try C.grad(f32([2, 1, 1, 1])) { try $0.minElement() }, [0, 1.0 / 3, 1.0 / 3, 1.0 / 3])
        C.close(try C.grad(f32([1, .nan, .nan])) { try $0.maxElement() }, [0, 0.5, 0.5])
        C.close(try C.grad(f32([1, 3], [1, 2])) { try $0.expanded([2, 2]).maxElement() }, [0, 1], shape: [1, 2])
    }

    @Test func alongDim() throws {
        let (v, i) = try m.maxAlong(dim: 1)
        C.close(v, [5, 5], shape: [2])
        #expect(i.dtype == .int64 && i.scalars(as: Int64.self) == [1, 0])
        let (v2, i2) = try m.minAlong(dim: 0, keepdim: true)
        C.close(v2, [1, 2], shape: [1, 2])
        #expect(i2.shape == [1, 2] && i2.scalars(as: Int64.self) == [0, 1])
        let (v3, i3) = try m.transposed(0, 1).maxAlong(dim: -1)
        C.close(v3, [5, 5])
        #expect(i3.scalars(as: Int64.self) == [1, 0])
        let (v4, i4) = try i64([3, 3, 1, 7], [2, 2]).maxAlong(dim: 1)
        #expect(v4.dtype == .int64 && v4.scalars(as: Int64.self) == [3, 7] && i4.scalars(as: Int64.self) == [0, 1])
        let (v5, i5) = try Tensor([true, true, false, true], shape: [2, 2]).minAlong(dim: 1)
        #expect(v5.dtype == .bool && v5.scalars(as: Bool.self) == [true, false] && i5.scalars(as: Int64.self) == [0, 0])
    }

    @Test func alongDimNaNTiesZeroDAndEmpty() throws {
        let (v, i) = try f32([1, .nan, 3, .nan, 9, 9, -1, 9]).reshaped([2, 4]).maxAlong(dim: 1)
        C.close(v, [.nan, 9])
        #expect(i.scalars(as: Int64.self) == [1, 0])
        let (vn, iN) = try f32([4, 2, .nan]).minAlong(dim: 0)
        C.close(vn, [.nan], shape: [])
        #expect(iN.scalars(as: Int64.self) == [2])
        let (v0, i0) = try Tensor(scalar: Float(3)).maxAlong(dim: -1, keepdim: true)
        C.close(v0, [3], shape: [])
        #expect(i0.shape == [] && i0.scalars(as: Int64.self) == [0])
        let (ve, ie) = try Tensor([Float](), shape: [0, 3]).maxAlong(dim: 1)
        #expect(ve.shape == [0] && ie.shape == [0])
        C.fails(.shape) { try Tensor([Float](), shape: [0, 3]).maxAlong(dim: 0) }
        C.fails(.dim) { try m.minAlong(dim: 2) }
        C.fails(.dim) { try Tensor(scalar: Float(1)).maxAlong(dim: 1) }
    }

    @Test func alongDimGradientGoesToReturnedIndex() throws {
        C.close(try C.grad(m) { try $0.maxAlong(dim: 1).values }, [0, 1, 1, 0], shape: [2, 2])
        C.close(try C.grad(f32([3, 3, 1])) { try $0.maxAlong(dim: 0).values }, [1, 0, 0])
        C.close(try C.grad(m.transposed(0, 1)) { try $0.minAlong(dim: 1, keepdim: true).values }, [1, 0, 0, 1], shape: [2, 2])
        C.close(try C.grad(f32([1, 3], [1, 2])) { try $0.expanded([2, 2]).maxAlong(dim: 1).values }, [0, 2], shape: [1, 2])
    }

    @Test func catalogueOutputs() throws {
        #expect(try Ops.call("max", positional: [.tensor(m)]).count == 1)
        let two = try Ops.call("min", positional: [.tensor(m), .int(1)])
        #expect(two.count == 2 && two[1].scalars(as: Int64.self) == [0, 1])
        C.fails(.value) { try Ops.call("max", positional: [.tensor(m)], keywords: ["keepdim": .bool(true)]) }
    }

    @Test func argExtremes() throws {
        let x = f32([1, 7, 7, 0, -2, 7], [2, 3])
        #expect(try x.argmax().shape == [] && x.argmax().scalars(as: Int64.self) == [1])
        #expect(try x.argmin().scalars(as: Int64.self) == [4])
        #expect(try x.argmax(keepdim: true).shape == [1, 1])
        #expect(try x.argmax(dim: 1).scalars(as: Int64.self) == [1, 2])
        #expect(try x.argmin(dim: 0, keepdim: true).shape == [1, 3])
        #expect(try x.argmin(dim: 0, keepdim: true).scalars(as: Int64.self) == [1, 1, 0])
        #expect(try x.transposed(0, 1).argmax().scalars(as: Int64.self) == [2])
        #expect(try f32([1, .nan, .infinity, .nan]).argmax().scalars(as: Int64.self) == [1])
        #expect(try f32([1, .nan, -.infinity]).argmin().scalars(as: Int64.self) == [1])
        #expect(try i64([2, 9, 9]).argmax().dtype == .int64)
        #expect(try Tensor(scalar: Float(1)).argmax(dim: 0).shape == [])
        #expect(try Tensor([Float](), shape: [0, 3]).argmax(dim: 1).shape == [0])
        C.fails(.shape) { try f32([]).argmax() }
        C.fails(.shape) { try Tensor([Float](), shape: [0, 3]).argmin(dim: 0) }
        C.fails(.dim) { try x.argmax(dim: -3) }
    }
}
