import TensorEngine

/// Per-feature scaling fitted on training data and re-applied unchanged at predict time:
/// `x' = (x − shift) / scale` column by column.
///
/// ```swift
/// let scaler = try FeatureScaler.fit(.standardize, to: train.features)
/// let z = try scaler.transform(test.features)
/// ```
public struct FeatureScaler: Codable, Equatable, Sendable {
    public enum Method: String, Codable, Sendable {
        /// Zero mean, unit (population) variance, like scikit-learn's `StandardScaler`.
        case standardize
        /// Each feature to [0, 1], like `MinMaxScaler`.
        case minMax = "min_max"
    }

    public let method: Method
    public let shift: [Double]
    public let scale: [Double]

    /// Fits to `features` `(n, f)`. A constant feature gets scale 1 (it maps to 0), as
    /// scikit-learn does. Fitting to no examples is a value error.
    public static func fit(_ method: Method, to features: Tensor) throws -> FeatureScaler {
        guard features.ndim == 2 else {
            throw TensorError(.shape, "features must be a matrix (examples, features), got shape \(features.shape)", argument: "features")
        }
        let (n, f) = (features.shape[0], features.shape[1])
        guard n > 0 else { throw TensorError(.value, "cannot fit a scaler to zero examples", argument: "features") }
        let x = try features.cast(to: .float64).detached()
        var shift = [Double](repeating: 0, count: f), scale = [Double](repeating: 1, count: f)
        x.withContiguousBuffer(as: Double.self) { v in
            for j in 0..<f {
                switch method {
                case .standardize:
                    var mean = 0.0
                    for i in 0..<n { mean += v[i * f + j] }
                    mean /= Double(n)
                    var ss = 0.0
                    for i in 0..<n { let d = v[i * f + j] - mean; ss += d * d }
                    let std = (ss / Double(n)).squareRoot()
                    (shift[j], scale[j]) = (mean, std > 0 ? std : 1)
                case .minMax:
                    var lo = Double.infinity, hi = -Double.infinity
                    for i in 0..<n { lo = min(lo, v[i * f + j]); hi = max(hi, v[i * f + j]) }
                    (shift[j], scale[j]) = (lo, hi > lo ? hi - lo : 1)
                }
            }
        }
        return FeatureScaler(method: method, shift: shift, scale: scale)
    }

    /// Applies the fitted scaling to `features` `(n, f)`, keeping float32 or float64.
    public func transform(_ features: Tensor) throws -> Tensor {
        guard features.ndim == 2, features.shape[1] == shift.count else {
            throw TensorError(.shape, "the scaler was fitted to \(shift.count) features; got input of shape \(features.shape)", argument: "features")
        }
        let f = shift.count
        func go<T: BinaryFloatingPoint & Element>(_: T.Type, _ x: Tensor) -> Tensor {
            let sh = shift.map { T($0) }, inv = scale.map { T(1 / $0) }
            return x.withContiguousBuffer(as: T.self) { src in
                Tensor.make(x.shape, T.self) { dst in
                    for k in 0..<src.count { let j = k % f; dst[k] = (src[k] - sh[j]) * inv[j] }
                }
            }
        }
        let x = features.detached()
        return x.dtype == .float64 ? go(Double.self, x) : go(Float.self, try x.cast(to: .float32))
    }
}
