import CKernels
import Foundation

/// PyTorch's CPU generator (`torch.Generator`, ATen's `CPUGeneratorImpl`): a Mersenne Twister
/// and the cached second sample of the scalar Box–Muller path. The same seed gives the same
/// numbers as `torch.manual_seed(seed)` in every random op (see `Ops/Random.swift`).
///
/// ```swift
/// let g = Generator(seed: 0)
/// let x = try Tensor.randn([3, 2], generator: g)   // torch.manual_seed(0); torch.randn(3, 2)
/// ```
///
/// A reference type, like `torch.Generator`: ops draw from it in turn. Its lock makes
/// concurrent draws safe (their interleaving, as in PyTorch, is then unspecified).
public final class Generator: @unchecked Sendable {
    private let engine = UnsafeMutablePointer<td_mt19937>.allocate(capacity: 1)
    /// `CPUGeneratorImpl::next_double_normal_sample_`: normal_distribution<double> makes two
    /// samples and keeps the second for the next draw, across calls, until the next seed.
    private var nextNormal: Double?
    private let lock = NSLock()
    public private(set) var initialSeed: UInt64

    /// A generator in the state `torch.manual_seed(seed)` leaves the default one.
    public init(seed: UInt64) {
        initialSeed = seed
        td_mt_seed(engine, seed)
    }

    /// `torch.manual_seed` also takes negative seeds, as their two's complement.
    public convenience init(seed: Int) { self.init(seed: UInt64(bitPattern: Int64(seed))) }

    /// An unseeded generator (a seed from the system's entropy), like a fresh process's default.
    public convenience init() {
        var system = SystemRandomNumberGenerator()
        self.init(seed: system.next())
    }

    deinit { engine.deallocate() }

    /// What random ops draw from when no generator is given (`torch.default_generator`
    /// before any seed): seeded once per process from the system's entropy.
    public static let unseeded = Generator()

    /// `Generator.manual_seed`: restarts the stream and drops the cached normal sample.
    public func manualSeed(_ seed: UInt64) {
        withLock {
            initialSeed = seed
            nextNormal = nil
            td_mt_seed(engine, seed)
        }
    }

    /// Runs `body` with exclusive use of the generator (one op's draws stay contiguous).
    func withLock<R>(_ body: () throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    // The draws below are called inside `withLock`.

    /// The raw engine, for the C sampling loops.
    var state: UnsafeMutablePointer<td_mt19937> { engine }

    /// `random()`: 32 random bits.
    func random() -> UInt32 { td_mt_next(engine) }

    /// `random64()`: 64 random bits from two draws.
    func random64() -> UInt64 { td_mt_next64(engine) }

    /// `uniform_real_distribution<double>(0, 1)`: 53 bits of a 64-bit draw.
    func uniformDouble() -> Double { Double(random64() & (1 << 53 - 1)) * 0x1p-53 }

    /// `uniform_real_distribution<float>(0, 1)`: 24 bits of a 32-bit draw.
    func uniformFloat() -> Float { Float(random() & (1 << 24 - 1)) * 0x1p-24 }

    /// `normal_distribution<double>` (ATen/core/DistributionsHelper.h): Box–Muller on two
    /// uniforms, returning r·cos θ and caching r·sin θ for the next call. The final
    /// `sample·std + mean` is fused, as GCC compiles it in PyTorch's CPU kernels.
    func normal(mean: Double, std: Double) -> Double {
        if let cached = nextNormal {
            nextNormal = nil
            return fma(cached, std, mean)
        }
        let u1 = uniformDouble(), u2 = uniformDouble()
        let r = (-2.0 * Foundation.log1p(-u2)).squareRoot()
        let theta = 2.0 * Double.pi * u1
        nextNormal = r * Foundation.sin(theta)
        return fma(r * Foundation.cos(theta), std, mean)
    }
}
