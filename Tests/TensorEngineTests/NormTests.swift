import Testing
@testable import TensorEngine

private typealias C = ReductionCheck

/// norm (semantics §5, gradients §10).
struct NormTests {
    let v = f32([3, -4])

    @Test func orders() throws {
        C.close(try v.norm(), [5], shape: [])
        C.close(try v.norm(p: 1), [7])
        C.close(try v.norm(p: .infinity), [4])
        C.close(try v.norm(p: -.infinity), [3])
        C.close(try f32([0, 2, 0, -1]).norm(p: 0), [2])
        C.close(try v.norm(p: 3), [4.497941445275415])
        C.close(try f32([1, 2, -3]).norm(p: -2), [0.8571428571428571])
        C.close(try f32([1, 2, 3, 4], [2, 2]).norm(), [5.477225575051661])
    }

    @Test func dimsAreAVectorNorm() throws {
        let x = f32([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2])
        C.close(try x.norm(dims: [1, 2]), [5.477225575051661, 13.190905958272919], shape: [2])
        C.close(try x.norm(p: 1, dims: [0, 2]), [14, 22], shape: [2])
        C.close(try x.norm(p: .infinity, dims: [-1], keepdim: true), [2, 4, 6, 8], shape: [2, 2, 1])
        C.close(try x.transposed(0, 2).norm(p: 1, dims: [2, 0]), [14, 22])
        C.close(try f32([3, 4], [2, 1]).expanded([2, 3]).norm(dims: [1]), [5.196152422706632, 6.928203230275509])
        C.close(try Tensor(scalar: Float(-2)).norm(dims: [0]), [2], shape: [])
        #expect(try Tensor([3, 4] as [Double]).norm().dtype == .float64)
    }

    @Test func emptyNaNAndAccuracy() throws {
        C.close(try f32([]).norm(), [0], shape: [])
        C.close(try f32([]).norm(p: 1), [0])
        C.close(try Tensor([Float](), shape: [0, 3]).norm(dims: [0]), [0, 0, 0])
        #expect(try Tensor([Float](), shape: [0, 3]).norm(p: .infinity, dims: [1]).shape == [0])
        C.fails(.shape) { try f32([]).norm(p: .infinity) }
        C.fails(.shape) { try f32([]).norm(p: -.infinity) }
        C.fails(.shape) { try Tensor([Float](), shape: [0, 3]).norm(p: -1, dims: [0]) }
        C.close(try f32([1, .nan]).norm(), [.nan])
        C.close(try f32([1, .nan]).norm(p: .infinity), [.nan])
        C.close(try f32([1, .nan, 0]).norm(p: 0), [2])
        // Float32 squares accumulate in float64: no overflow at 1e20.
        C.close(try f32([3e20, 4e20]).norm(), [5e20])
    }

    @Test func errors() {
        C.fails(.dtype) { try i64([3, 4]).norm() }
        C.fails(.dtype) { try Tensor([true]).norm() }
        C.fails(.dim) { try v.norm(dims: [1]) }
        C.fails(.dim) { try v.norm(dims: [0, 0]) }
        C.fails(.value) { try Ops.call("norm", positional: [.tensor(v), .string("nuc")]) }
    }

    @Test func catalogueOrders() throws {
        func call(_ p: Value) throws -> Double { try Ops.call("norm", positional: [.tensor(v), p])[0].item() }
        #expect(try call(.string("fro")) == 5)
        #expect(try call(.string("inf")) == 4)
        #expect(try call(.string("-inf")) == 3)
        #expect(try call(.float(.infinity)) == 4)
        #expect(try call(.int(1)) == 7)
        #expect(try Ops.call("norm", positional: [.tensor(v)])[0].item() == 5)
    }

    @Test func gradients() throws {
        C.close(try C.grad(v) { try $0.norm() }, [0.6, -0.8])
        C.close(try C.grad(f32([0, 0])) { try $0.norm() }, [0, 0])
        C.close(try C.grad(f32([0, 0, 3, 4], [2, 2])) { try $0.norm(dims: [1]) }, [0, 0, 0.6, 0.8])
        C.close(try C.grad(f32([-2, 0, 3])) { try $0.norm(p: 1) }, [-1, 0, 1])
        C.close(try C.grad(f32([1, -3, 3])) { try $0.norm(p: .infinity) }, [0, -0.5, 0.5])
        C.close(try C.grad(f32([1, -3, 2])) { try $0.norm(p: -.infinity) }, [1, 0, 0])
        C.close(try C.grad(f32([0, 0])) { try $0.norm(p: 3) }, [0, 0])
        C.close(try C.grad(f32([0, 2])) { try $0.norm(p: 0.5) }, [0, 1])
        C.close(try C.grad(f32([1, 2])) { try $0.norm(p: 0) }, [0, 0])
        C.close(try C.grad(f32([3, 4], [1, 2])) { try $0.expanded([2, 2]).norm(dims: [1]) }, [1.2, 1.6], shape: [1, 2])
    }

    @Test func secondOrderThroughTwoNorm() throws {
        // d²‖x‖/dx² = (I − x̂x̂ᵀ)/‖x‖; at x = [3, 4] its first row is [16, −12]/125.
        let x = Tensor([3, 4] as [Double]).requiringGrad()
        let g = try Autograd.gradients(of: x.norm(), wrt: [x], createGraph: true)[0]
        let h0 = try Autograd.gradients(of: g.narrow(0, start: 0, length: 1).sum(), wrt: [x])[0]
        C.close(h0, [16.0 / 125, -12.0 / 125])
    }
}
