import Foundation
import Testing
import TensorEngine
@testable import Training

/// `nn.Linear`'s default initialisation after `torch.manual_seed(seed)`, layer by layer as
/// `nn.Sequential` builds them (Fixtures/linear_init.json, written by
/// Fixtures/generate_linear_init.py): every parameter must be identical.
struct LinearInitGoldenTests {
    @Test func identicalToPyTorch() throws {
        let url = try #require(Bundle.module.url(forResource: "linear_init", withExtension: "json", subdirectory: "Fixtures"))
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let models = try #require(root["models"] as? [[String: Any]])
        #expect(models.count == 3)
        for model in models {
            let seed = try #require(model["seed"] as? Int), sizes = try #require(model["sizes"] as? [Int])
            let dtype = try #require(DType(name: model["dtype"] as? String ?? ""))
            let generator = Generator(seed: seed)
            let layers = try zip(sizes, sizes.dropFirst()).map { try Linear($0, $1, dtype: dtype, generator: generator) }
            let expected = try #require(model["params"] as? [[String: Any]])
            let params = layers.flatMap(\.parameters)
            #expect(params.count == expected.count)
            for (k, (p, e)) in zip(params, expected).enumerated() {
                // Values are Python reprs, so they parse exactly.
                let values = try (e["data"] as? [String] ?? []).map { try #require(Double($0)) }
                #expect(p.shape == e["shape"] as? [Int] && p.dtype == dtype, "seed \(seed) parameter \(k)")
                #expect(p.doubles() == values, "seed \(seed) parameter \(k) differs from PyTorch's")
            }
        }
    }
}
