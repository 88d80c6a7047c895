import Foundation
import Testing
import TensorEngine
@testable import TensorWire

private let st = Safetensors(maxElements: 1000)

private func decode(_ bytes: [UInt8], _ format: Safetensors = st) throws(WireError) -> Safetensors.File {
    do { return try bytes.withUnsafeBytes { try format.decode($0) } } catch { throw error as! WireError }
}

private func error(_ bytes: [UInt8], _ format: Safetensors = st) -> WireError? {
    do { _ = try decode(bytes, format); return nil } catch { return error }
}

/// A file with `header` as its JSON and `data` as its buffer.
private func file(_ header: String, data: [UInt8] = []) -> [UInt8] {
    let h = Array(header.utf8)
    return withUnsafeBytes(of: UInt64(h.count).littleEndian, Array.init) + h + data
}

@Suite struct SafetensorsTests {
    /// The reference implementation's file: every readable dtype (narrow integers widened to
    /// int64), a 0-d and an empty tensor, and the metadata.
    @Test func readsTheReferenceImplementationsFile() throws {
        let f = try decode(try BinaryFixtures.bytes("mixed.safetensors"))
        let expected = BinaryFixtures.expected.filter { $0.key.hasPrefix("mixed.safetensors:") }
        #expect(f.tensors.count == expected.count && expected.count == 10)
        for (name, t) in f.tensors {
            let e = try #require(BinaryFixtures.expected["mixed.safetensors:\(name)"])
            #expect(t.shape == e.shape && t.dtype == e.dtype, "\(name)")
            #expect(BinaryFixtures.rawBytes(t) == e.bytes, "\(name)")
        }
        #expect(Dictionary(uniqueKeysWithValues: f.metadata.map { ($0.key, $0.value) }) == ["source": "numpy", "note": "fixture"])
    }

    @Test func roundTripsEveryDtypeWithMetadata() throws {
        let tensors: [(name: String, tensor: Tensor)] = [
            ("w", Tensor([Float.nan, -0.0, .infinity, 1.5], shape: [2, 2])),
            ("d", Tensor([Double.leastNonzeroMagnitude, -.infinity], shape: [2])),
            ("i", Tensor([Int64.min, Int64.max], shape: [1, 2])),
            ("b", Tensor([true, false, true], shape: [3])),
            ("s", Tensor(scalar: Float(2))),
            ("e", Tensor([Double](), shape: [0, 3])),
        ]
        let bytes = Safetensors.encode(tensors, metadata: [("format", "pt"), ("spec", #"{"a": "\"q\""}"#)])
        let headerLength = Int(bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        #expect(headerLength % 8 == 0)
        let back = try decode(bytes)
        #expect(back.tensors.map(\.name) == tensors.map(\.name))
        for (a, b) in zip(back.tensors, tensors) {
            #expect(a.tensor.shape == b.tensor.shape && a.tensor.dtype == b.tensor.dtype)
            #expect(BinaryFixtures.rawBytes(a.tensor) == BinaryFixtures.rawBytes(b.tensor))
        }
        #expect(back.metadata.map(\.value) == ["pt", #"{"a": "\"q\""}"#])
    }

    @Test func refusesDtypesTensordCannotHold() throws {
        for name in ["unsupported_f16.safetensors", "unsupported_bf16.safetensors"] {
            let e = error(try BinaryFixtures.bytes(name))
            #expect(e?.code == .unsupportedDType && e?.status == 422 && e?.pointer == "/h/dtype", "\(name)")
        }
        #expect(error(file(#"{"x": {"dtype": "Q7", "shape": [], "data_offsets": [0, 0]}}"#))?.message.contains("unknown dtype") == true)
    }

    /// Every prefix of a valid file is refused: 400 while the header is cut, 422 after.
    @Test func everyTruncationIsRefused() throws {
        let whole = try BinaryFixtures.bytes("mixed.safetensors")
        let headerEnd = 8 + Int(whole.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        for n in 0..<whole.count {
            let e = error(Array(whole[..<n]))
            #expect(e?.code == .invalidTensor && e?.status == (n < headerEnd ? 400 : 422), "prefix of \(n) bytes: \(String(describing: e))")
        }
        #expect(error(whole + [0])?.status == 422)
    }

    /// The reference implementation's checks: offsets tile the buffer from 0, sizes match the
    /// shapes (checked arithmetic), names are unique, the header is a JSON object.
    @Test func lyingHeadersAreRefused() throws {
        let four: [UInt8] = [0, 0, 0x80, 0x3F]
        let cases: [(String, [UInt8], Int, WireError.Code, String)] = [
            (#"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}"#, four + four, 422, .invalidTensor, "/a/data_offsets"),
            (#"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "b": {"dtype": "F32", "shape": [1], "data_offsets": [2, 6]}}"#, four + four, 422, .invalidTensor, "/b/data_offsets"),
            (#"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}"#, four, 422, .invalidTensor, "/a/data_offsets"),
            (#"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}}"#, four, 422, .invalidTensor, "/a/data_offsets"),
            (#"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}"#, four + four, 422, .invalidTensor, ""),
            (#"{"a": {"dtype": "F32", "shape": [4611686018427387904, 4], "data_offsets": [0, 4]}}"#, four, 413, .tooManyElements, "/a/shape"),
            (#"{"a": {"dtype": "F32", "shape": [100000], "data_offsets": [0, 400000]}}"#, four, 413, .tooManyElements, "/a/shape"),
            (#"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 18446744073709551615]}}"#, four, 400, .invalidTensor, "/a/data_offsets"),
            (#"{"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}"#, four, 400, .invalidTensor, "/a/shape"),
            (#"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0]}}"#, four, 400, .invalidTensor, "/a/data_offsets"),
            (#"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}"#, four, 400, .invalidTensor, ""),
            (#"{"a": {"shape": [1], "data_offsets": [0, 4]}}"#, four, 400, .invalidTensor, "/a/dtype"),
            (#"{"a": [1, 2]}"#, [], 400, .invalidTensor, "/a"),
            (#"{"__metadata__": {"k": 1}}"#, [], 400, .invalidTensor, "/__metadata__/k"),
            (#"[{"a": 1}]"#, [], 400, .invalidTensor, ""),
            (#"{"a": "#, [], 400, .invalidTensor, ""),
        ]
        for (header, data, status, code, pointer) in cases {
            let e = error(file(header, data: data))
            #expect(e?.status == status && e?.code == code && e?.pointer == pointer, "\(header): \(String(describing: e))")
        }
        // A header length past the limit or past the body, or one that lies about its size.
        #expect(error(file(#"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}"#, data: four), Safetensors(maxElements: 10, maxHeaderBytes: 16))?.status == 400)
        #expect(error(withUnsafeBytes(of: UInt64.max.littleEndian, Array.init) + Array("{}".utf8))?.status == 400)
        #expect(error(withUnsafeBytes(of: UInt64(1000).littleEndian, Array.init) + Array("{}".utf8))?.status == 400)
        #expect(try decode(file("{}    ")).tensors.isEmpty)
    }
}
