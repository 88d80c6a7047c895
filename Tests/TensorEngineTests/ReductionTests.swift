import Testing
@testable import TensorEngine

private typealias C = ReductionCheck

/// sum, mean and prod (semantics §5).
struct ReductionTests {
    let a = f32([0, 1, 2, 3, 4, 5], [2, 3])

    @Test func sumOverDimsAndAll() throws {
        C.close(try a.sum(), [15], shape: [])
        C.close(try a.sum(dims: [0]), [3, 5, 7], shape: [3])
        C.close(try a.sum(dims: [-1], keepdim: true), [3, 12], shape: [2, 1])
        C.close(try a.sum(dims: [0, 1], keepdim: true), [15], shape: [1, 1])
        let b = Tensor((0..<24).map { Float($0) }, shape: [2, 3, 4])
        C.close(try b.sum(dims: [0, 2]), [60, 92, 124], shape: [3])
        C.close(try b.sum(dims: [2, 0]), [60, 92, 124], shape: [3])
    }

    @Test func sumNonContiguous() throws {
        C.close(try a.transposed(0, 1).sum(dims: [1]), [3, 5, 7], shape: [3])
        C.close(try f32([1, 2, 3], [1, 3]).expanded([4, 3]).sum(dims: [0]), [4, 8, 12])
    }

    @Test func sumDtypes() throws {
        let i = try i64([1, 2, 3]).sum()
        #expect(i.dtype == .int64 && i.scalars(as: Int64.self) == [6])
        let b = try Tensor([true, false, true, true]).sum()
        #expect(b.dtype == .int64 && b.scalars(as: Int64.self) == [3])
        #expect(try Tensor([1.5, 2.5] as [Double]).sum().dtype == .float64)
    }

    @Test func sumEmptyZeroDAndNaN() throws {
        C.close(try f32([]).sum(), [0], shape: [])
        C.close(try Tensor([Float](), shape: [0, 3]).sum(dims: [0]), [0, 0, 0], shape: [3])
        C.close(try Tensor([Float](), shape: [0, 3]).sum(dims: [1]), [], shape: [0])
        let s = Tensor(scalar: Float(2.5))
        C.close(try s.sum(dims: [0]), [2.5], shape: [])
        C.close(try s.sum(dims: [-1], keepdim: true), [2.5], shape: [])
        C.close(try f32([1, .nan]).sum(), [.nan])
    }

    @Test func sumErrors() {
        C.fails(.dim) { try a.sum(dims: [0, -2]) }
        C.fails(.dim) { try a.sum(dims: [2]) }
        C.fails(.dim) { try a.sum(dims: [-3]) }
        C.fails(.dim) { try Tensor(scalar: Float(1)).sum(dims: [0, -1]) }
        C.fails(.dim) { try Tensor(scalar: Float(1)).sum(dims: [1]) }
    }

    @Test func meanValuesAndEdges() throws {
        C.close(try a.mean(), [2.5], shape: [])
        C.close(try a.mean(dims: [1], keepdim: true), [1, 4], shape: [2, 1])
        C.close(try a.transposed(0, 1).mean(dims: [0, 1]), [2.5])
        C.close(try f32([]).mean(), [.nan])
        C.close(try Tensor([Float](), shape: [0, 2]).mean(dims: [0]), [.nan, .nan], shape: [2])
        C.close(try Tensor(scalar: Float(3)).mean(dims: [-1]), [3], shape: [])
        C.fails(.dtype) { try i64([1, 2]).mean() }
        C.fails(.dtype) { try Tensor([true]).mean() }
        C.fails(.dim) { try a.mean(dims: [1, 1]) }
    }

    @Test func sumAndMeanGradients() throws {
        C.close(try C.grad(a) { try $0.sum(dims: [1]) }, [1, 1, 1, 1, 1, 1], shape: [2, 3])
        C.close(try C.grad(a) { try $0.mean(dims: [0]) }, [0.5, 0.5, 0.5, 0.5, 0.5, 0.5])
    }

    // MARK: prod

    @Test func prodValues() throws {
        let m = f32([1, 2, 3, 4], [2, 2])
        C.close(try m.prod(), [24], shape: [])
        C.close(try m.prod(dim: 1), [2, 12], shape: [2])
        C.close(try m.prod(dim: -2, keepdim: true), [3, 8], shape: [1, 2])
        C.close(try m.transposed(0, 1).prod(dim: 1), [3, 8])
        C.close(try f32([2, 3], [1, 2]).expanded([3, 2]).prod(dim: 0), [8, 27])
        C.close(try f32([2, .nan, 0]).prod(), [.nan])
        C.close(try f32([2, .infinity]).prod(), [.infinity])
    }

    @Test func prodDtypesEmptyAndZeroD() throws {
        let i = try i64([2, 3, 4]).prod()
        #expect(i.dtype == .int64 && i.scalars(as: Int64.self) == [24])
        let b = try Tensor([true, false, true, true], shape: [2, 2]).prod(dim: 1)
        #expect(b.dtype == .int64 && b.scalars(as: Int64.self) == [0, 1])
        C.close(try f32([]).prod(), [1], shape: [])
        C.close(try Tensor([Float](), shape: [0, 3]).prod(dim: 0), [1, 1, 1], shape: [3])
        C.close(try Tensor(scalar: Float(-2)).prod(dim: 0), [-2], shape: [])
        C.close(try Tensor(scalar: Float(-2)).prod(dim: -1, keepdim: true), [-2], shape: [])
        // Wrapping, not trapping, on overflow.
        #expect(try i64([Int64.max, 2]).prod().scalars(as: Int64.self) == [-2])
    }

    @Test func prodErrors() {
        C.fails(.dim) { try f32([1, 2]).prod(dim: 1) }
        C.fails(.value) { try Ops.call("prod", positional: [.tensor(f32([1, 2], [1, 2]))], keywords: ["dim": .intList([0, 1])]) }
    }

    @Test func prodGradientIsExactWithZeros() throws {
        C.close(try C.grad(f32([2, 3, 4])) { try $0.prod() }, [12, 8, 6])
        C.close(try C.grad(f32([2, 0, 3])) { try $0.prod() }, [0, 6, 0])
        C.close(try C.grad(f32([0, 0, 3])) { try $0.prod() }, [0, 0, 0])
        C.close(try C.grad(f32([1, 0, 3, 4], [2, 2])) { try $0.prod(dim: 0) }, [3, 4, 1, 0])
        C.close(try C.grad(f32([1, 0, 3, 4], [2, 2])) { try $0.transposed(0, 1).prod(dim: 1) }, [3, 4, 1, 0], shape: [2, 2])
        C.close(try C.grad(f32([2, 0, 3, 0, 5, 0], [2, 3])) { try $0.prod(dim: 1, keepdim: true) }, [0, 6, 0, 0, 0, 0])
        C.close(try C.grad(Tensor(scalar: Float(5))) { try $0.prod() }, [1], shape: [])
    }
}
