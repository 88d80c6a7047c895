import Foundation
import Testing
@testable import TensorEngine

/// The golden fixtures' loader: elements as exact as the JSON spells them, and an element
/// its dtype cannot hold an error rather than a trap.
struct PyTorchGoldenTests {
    func tensor(_ json: String) throws -> Tensor {
        try PyTorchGolden.tensor(try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]))
    }

    @Test func int64ExtremesAreExact() throws {
        let t = try tensor(#"{"shape": [3], "dtype": "int64", "data": [9223372036854775807, -9223372036854775808, -7]}"#)
        #expect(t.scalars(as: Int64.self) == [.max, .min, -7])
    }

    @Test(arguments: ["9223372036854775808", "-1e19", "1e19", "1.5", #""NaN""#, "null"])
    func int64OutOfRangeIsAnError(element: String) {
        #expect(throws: PyTorchGolden.BadElement.self) { try tensor(#"{"shape": [1], "dtype": "int64", "data": [\#(element)]}"#) }
    }

    @Test func floatsAndTheirSpelledOutValues() throws {
        let t = try tensor(#"{"shape": [2, 2], "dtype": "float64", "data": [1e300, "NaN", "Infinity", "-Infinity"]}"#)
        let v = t.scalars(as: Double.self)
        #expect(v[0] == 1e300 && v[1].isNaN && v[2] == .infinity && v[3] == -.infinity)
        #expect(throws: PyTorchGolden.BadElement.self) { try tensor(#"{"shape": [1], "dtype": "float32", "data": ["nan"]}"#) }
    }
}
