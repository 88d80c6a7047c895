import Testing
@testable import TensorEngine

// Small helpers for value and error checks, shared by the engine tests.

func f32(_ values: [Float], _ shape: [Int]? = nil) -> Tensor { Tensor(values, shape: shape ?? [values.count]) }
func f64(_ values: [Double], _ shape: [Int]? = nil) -> Tensor { Tensor(values, shape: shape ?? [values.count]) }
func i64(_ values: [Int64], _ shape: [Int]? = nil) -> Tensor { Tensor(values, shape: shape ?? [values.count]) }
func bools(_ values: [Bool], _ shape: [Int]? = nil) -> Tensor { Tensor(values, shape: shape ?? [values.count]) }

/// Checks dtype, shape and values (NaN matches NaN; infinities must match exactly;
/// `signed` also checks the sign of zeros).
func expectValues(_ t: Tensor, _ expected: [Double], shape: [Int]? = nil, dtype: DType? = nil,
                  tol: Double = 1e-6, signed: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) {
    if let dtype { #expect(t.dtype == dtype, "dtype", sourceLocation: sourceLocation) }
    #expect(t.shape == (shape ?? [expected.count]), "shape", sourceLocation: sourceLocation)
    let got = t.doubles()
    guard got.count == expected.count else {
        Issue.record("got \(got.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    for (g, e) in zip(got, expected) {
        let ok: Bool
        if e.isNaN { ok = g.isNaN } else if e.isInfinite || !e.isFinite { ok = g == e } else { ok = Swift.abs(g - e) <= tol * Swift.max(1, Swift.abs(e)) }
        #expect(ok, "got \(got), expected \(expected)", sourceLocation: sourceLocation)
        if signed && e == 0 { #expect(g.sign == e.sign, "sign of zero: got \(got), expected \(expected)", sourceLocation: sourceLocation) }
        if !ok { return }
    }
}

/// Checks that `body` throws a `TensorError` of `kind`; `what` names the case in a failure.
func expectError(_ kind: TensorError.Kind, _ what: String = "", sourceLocation: SourceLocation = #_sourceLocation,
                 _ body: () throws -> Any) {
    let about = what.isEmpty ? "" : "\(what): "
    do {
        _ = try body()
        Issue.record("\(about)expected a \(kind) error, got a result", sourceLocation: sourceLocation)
    } catch let e as TensorError {
        #expect(e.kind == kind, "\(about)expected a \(kind) error, got \(e)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("\(about)expected a TensorError, got \(error)", sourceLocation: sourceLocation)
    }
}

/// d(sum(f(x)))/dx.
func gradient(at x: Tensor, _ f: (Tensor) throws -> Tensor) throws -> Tensor {
    let leaf = x.requiringGrad()
    return try Autograd.gradients(of: f(leaf).sum(), wrt: [leaf])[0]
}
