import Testing
@testable import TensorEngine

/// Errors and edge cases of the reductions, scans and sorts of issue 15 that PyTorch raises
/// for (so MoreOpsGoldenTests cannot record them).
struct ScanSortTests {
    @Test func emptySlicesWithoutAnIdentityAreShapeErrors() throws {
        expectError(.shape) { try Tensor([Float](), shape: [0]).amax() }
        expectError(.shape) { try Tensor([Float](), shape: [0, 3]).amin(dims: [0]) }
        expectError(.shape) { try Tensor([Float](), shape: [2, 0]).median(dim: 1) }
        expectError(.shape) { try Tensor([Float](), shape: [2, 0]).mode(dim: 1) }
        // An empty result is fine, and the median of nothing is NaN, as PyTorch.
        expectValues(try Tensor([Float](), shape: [0, 3]).amax(dims: [1]), [], shape: [0])
        expectValues(try Tensor([Float](), shape: [0]).median(), [.nan], shape: [])
    }

    @Test func dtypesAndDims() {
        expectError(.dtype) { try bools([true]).median() }
        expectError(.dtype) { try i64([1, 2]).variance() }
        expectError(.dtype) { try f32([1]).allclose(f64([1])) }
        expectError(.dim) { try f32([1, 2]).cumsum(dim: 1) }
        expectError(.dim) { try f32([1, 2]).sort(dim: -2) }
        expectError(.dim) { try f32([1, 2]).logsumexp(dims: [0, 0]) }
        expectError(.value) { try Ops.call("logsumexp", positional: [.tensor(f32([1]))]) }
        expectError(.value) { try Ops.call("median", positional: [.tensor(f32([1]))], keywords: ["keepdim": .bool(true)]) }
    }

    @Test func integerScansWrapInsteadOfTrapping() throws {
        expectValues(try i64([.max, 1]).cumsum(dim: 0), [Double(Int64.max), Double(Int64.min)], dtype: .int64)
        expectValues(try i64([.max, 2]).cumprod(dim: 0), [Double(Int64.max), -2], dtype: .int64)
    }

    @Test func cumprodGradientThroughZeros() throws {
        // d/dx of Σ cumprod([2, 0, 3]) = [1 + 0 + 0, 2 + 2·3, 0].
        let x = f64([2, 0, 3]).requiringGrad()
        let g = try Autograd.gradients(of: try x.cumprod(dim: 0).sum(), wrt: [x])
        expectValues(g[0], [1, 8, 0])
    }

    @Test func uniqueResultsFollowTheFlags() throws {
        let x = i64([3, 1, 3])
        let plain = try Ops.call("unique", positional: [.tensor(x)])
        #expect(plain.count == 1)
        let counts = try Ops.call("unique", positional: [.tensor(x)], keywords: ["return_counts": .bool(true)])
        #expect(counts.count == 2)
        expectValues(counts[1], [1, 2], dtype: .int64)
    }
}
