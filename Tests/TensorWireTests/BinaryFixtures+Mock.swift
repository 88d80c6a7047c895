import Foundation
import TensorEngine
@testable import TensorWire

/// The files `Fixtures/generate_binary_fixtures.py` wrote with numpy and the safetensors
/// reference implementation, and what Tensord must read from each (`expected.json`).
enum BinaryFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    struct Expected {
        var shape: [Int]
        var dtype: DType
        /// The raw little-endian bytes of the elements, row-major.
        var bytes: [UInt8]
    }

    /// Every entry of expected.json that describes a tensor, by file (or `file:tensor`) name.
    static let expected: [String: Expected] = {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("expected.json")),
              let root = try? JSONSerialization.jsonObject(with: data) as? [String: [String: Any]] else { return [:] }
        return root.compactMapValues { e in
            guard let shape = e["shape"] as? [Int], let dtype = (e["dtype"] as? String).flatMap(DType.init(name:)),
                  let hex = e["hex"] as? String else { return nil }
            let digits = Array(hex.utf8).map { $0 <= 57 ? $0 - 48 : $0 - 87 }
            return Expected(shape: shape, dtype: dtype, bytes: stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] })
        }
    }()

    /// The raw bytes a tensor holds, row-major.
    static func rawBytes(_ t: Tensor) -> [UInt8] {
        var out: [UInt8] = []
        StoredElement.appendBytes(of: t, to: &out)
        return out
    }
}
