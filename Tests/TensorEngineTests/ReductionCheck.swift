import Testing
@testable import TensorEngine

/// Assertions shared by the reduction test suites.
enum ReductionCheck {
    /// `t` has `shape` (when given) and values within `tol` of `expected`; NaN matches NaN.
    static func close(_ t: Tensor, _ expected: [Double], shape: [Int]? = nil, tol: Double = 1e-5,
                      sourceLocation: SourceLocation = #_sourceLocation) {
        if let shape { #expect(t.shape == shape, sourceLocation: sourceLocation) }
        let got = t.doubles()
        #expect(got.count == expected.count, "got \(got), expected \(expected)", sourceLocation: sourceLocation)
        for (a, b) in zip(got, expected) {
            let ok = (a.isNaN && b.isNaN) || a == b || abs(a - b) <= tol * max(1, abs(b))
            #expect(ok, "got \(got), expected \(expected)", sourceLocation: sourceLocation)
        }
    }

    /// `body` throws a TensorError of `kind`.
    static func fails(_ kind: TensorError.Kind, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Any) {
        do {
            let r = try body()
            Issue.record("expected a \(kind) error, got \(r)", sourceLocation: sourceLocation)
        } catch let e as TensorError {
            #expect(e.kind == kind, "\(e)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }

    /// The gradient of `sum(f(x) · seed)` (seed of ones when nil) with respect to `x`.
    static func grad(_ x: Tensor, seed: Tensor? = nil, _ f: (Tensor) throws -> Tensor) throws -> Tensor {
        let leaf = x.requiringGrad()
        let y = try f(leaf)
        let s = try seed ?? onesLike(y)
        return try Autograd.gradients(of: (y * s).sum(), wrt: [leaf])[0]
    }
}
