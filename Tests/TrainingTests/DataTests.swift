import Foundation
import Testing
import TensorEngine
@testable import Training

@Suite struct DataTests {
    @Test func batchesCoverEveryExampleOnceWithAShortLastBatch() throws {
        var rng = RandomGenerator(seed: 3)
        let b = try Batches(count: 10, size: 4, shuffle: true, rng: &rng)
        #expect(b.count == 3)
        #expect(b.map(\.count) == [4, 4, 2])
        #expect(b.flatMap { $0 }.sorted() == Array(0..<10))
        #expect(b.order != Array(0..<10))
        var again = RandomGenerator(seed: 3)
        #expect(try Batches(count: 10, size: 4, shuffle: true, rng: &again).order == b.order)
        #expect(again == rng)
        var r2 = RandomGenerator(seed: 3)
        #expect(try Batches(count: 5, size: 2, shuffle: false, rng: &r2).order == [0, 1, 2, 3, 4])
        #expect(throws: TensorError.self) { try Batches(count: 5, size: 0, shuffle: false, rng: &r2) }
    }

    @Test func splitIsSeededAndDisjoint() throws {
        let x = Tensor((0..<20).map { Float($0) }, shape: [10, 2])
        let y = Tensor((0..<10).map { Int64($0) })
        let data = try Dataset(features: x, targets: y)
        let (a, b) = try data.split(validationFraction: 0.3, seed: 1)
        #expect(a.count == 7 && b.count == 3)
        let all = (a.targets.scalars(as: Int64.self) + b.targets.scalars(as: Int64.self)).sorted()
        #expect(all == (0..<10).map { Int64($0) })
        // Rows stay together.
        let row = b.features.scalars(as: Float.self)
        #expect(row[1] == row[0] + 1 && Int64(row[0] / 2) == b.targets.scalars(as: Int64.self)[0])
        let (a2, _) = try data.split(validationFraction: 0.3, seed: 1)
        #expect(a2.targets.scalars(as: Int64.self) == a.targets.scalars(as: Int64.self))
        #expect(throws: TensorError.self) { try data.split(validationFraction: 1, seed: 1) }
    }

    @Test func datasetShapeErrors() throws {
        let e = try #require(throws: TensorError.self) { try Dataset(features: Tensor([1, 2] as [Float]), targets: Tensor([1] as [Int64])) }
        #expect(e.kind == .shape)
        let e2 = try #require(throws: TensorError.self) { try Dataset(features: Tensor([1, 2] as [Float], shape: [2, 1]), targets: Tensor([1] as [Int64])) }
        #expect(e2.kind == .shape)
    }

    @Test func standardizeFitsTrainingStatistics() throws {
        let x = Tensor([1, 10, 3, 10, 5, 10] as [Float], shape: [3, 2])
        let s = try FeatureScaler.fit(.standardize, to: x)
        #expect(s.shift == [3, 10])
        #expect(abs(s.scale[0] - (8.0 / 3).squareRoot()) < 1e-12 && s.scale[1] == 1)
        let z = try s.transform(x).doubles()
        #expect(abs(z[0] + 1.224744871) < 1e-6 && z[1] == 0 && z[2] == 0)
        // New data is scaled with the training statistics, not its own.
        let t = try s.transform(Tensor([3, 11] as [Float], shape: [1, 2])).scalars(as: Float.self)
        #expect(t == [0, 1])
    }

    @Test func minMaxMapsTrainingRangeToUnitInterval() throws {
        let x = Tensor([2, -1, 4, 1, 6, 3] as [Float], shape: [3, 2])
        let s = try FeatureScaler.fit(.minMax, to: x)
        #expect(try s.transform(x).scalars(as: Float.self) == [0, 0, 0.5, 0.5, 1, 1])
        #expect(try s.transform(Tensor([8, -3] as [Float], shape: [1, 2])).scalars(as: Float.self) == [1.5, -0.5])
        let e = try #require(throws: TensorError.self) { try s.transform(Tensor([1, 2, 3] as [Float], shape: [1, 3])) }
        #expect(e.kind == .shape)
        #expect(throws: TensorError.self) { try FeatureScaler.fit(.minMax, to: Tensor([Float](), shape: [0, 2])) }
        let json = try JSONEncoder().encode(s)
        #expect(try JSONDecoder().decode(FeatureScaler.self, from: json) == s)
    }

    @Test func snapshotRoundTripsEveryBit() throws {
        let t = try Tensor([1, .nan, -.infinity, -0.0, .leastNonzeroMagnitude, 6] as [Float], shape: [2, 3]).t()
        let s = TensorSnapshot(t)
        let back = try JSONDecoder().decode(TensorSnapshot.self, from: JSONEncoder().encode(s))
        let u = try back.tensor()
        #expect(u.shape == [3, 2])
        #expect(u.scalars(as: Float.self).map(\.bitPattern) == t.scalars(as: Float.self).map(\.bitPattern))
        let bad = TensorSnapshot(Tensor([1, 2] as [Int64]))
        let trunc = try JSONDecoder().decode(TensorSnapshot.self, from: JSONEncoder().encode(bad).replacing(Data("AQAAAAAAAAACAAAAAAAAAA==".utf8), with: Data("AQAAAAAAAAA=".utf8)))
        #expect(throws: TensorError.self) { try trunc.tensor() }
    }
}

@Suite struct InitializerTests {
    @Test func fansAndBounds() throws {
        #expect(try Initializer.fans([128, 64]) == (64, 128))
        #expect(try Initializer.fans([8, 3, 5, 5]) == (75, 200))
        #expect(throws: TensorError.self) { try Initializer.fans([5]) }
        let rng = Generator(seed: 9)
        let w = try Initializer.xavierUniform(gain: 1).make([100, 50], generator: rng).doubles()
        let a = (6.0 / 150).squareRoot()
        #expect(w.allSatisfy { abs($0) <= a } && w.max()! > 0.9 * a)
        let k = try Initializer.kaimingNormal(nonlinearity: .relu).make([200, 100], generator: rng).doubles()
        let std = (k.map { $0 * $0 }.reduce(0, +) / Double(k.count)).squareRoot()
        #expect(abs(std - (2.0 / 100).squareRoot()) < 0.01)
        let u = try Initializer.kaimingUniform(a: 5.0.squareRoot()).make([10, 25], generator: rng).doubles()
        #expect(u.allSatisfy { abs($0) <= 0.2 })
        #expect(Initializer.Nonlinearity.tanh.gain() == 5.0 / 3)
    }

    @Test func seededInitIsReproducible() throws {
        let r1 = Generator(seed: 5), r2 = Generator(seed: 5)
        let a = try Initializer.normal(mean: 1, std: 2).make([4, 4], generator: r1)
        let b = try Initializer.normal(mean: 1, std: 2).make([4, 4], generator: r2)
        #expect(TensorSnapshot(a) == TensorSnapshot(b))
        #expect(throws: TensorError.self) { try Initializer.uniform(low: 1, high: 0).make([2], generator: r1) }
        #expect(throws: TensorError.self) { try Initializer.zeros.make([2], dtype: .int64, generator: r1) }
    }
}
