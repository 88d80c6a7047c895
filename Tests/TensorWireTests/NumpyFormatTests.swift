import Foundation
import Testing
import TensorEngine
@testable import TensorWire

private let npy = NumpyFormat(maxElements: 1000)

private func decode(_ bytes: [UInt8], _ format: NumpyFormat = npy) throws(WireError) -> Tensor {
    do { return try bytes.withUnsafeBytes { try format.decode($0) } } catch { throw error as! WireError }
}

private func error(_ bytes: [UInt8], _ format: NumpyFormat = npy) -> WireError? {
    do { _ = try decode(bytes, format); return nil } catch { return error }
}

/// A .npy file with a hand-written header (padded as numpy pads it) and `data`.
private func file(_ header: String, data: [UInt8] = [], version: UInt8 = 1) -> [UInt8] {
    var h = Array(header.utf8)
    let prefix = version == 1 ? 10 : 12
    h += [UInt8](repeating: 0x20, count: 63 - (prefix + h.count) % 64) + [0x0A]
    let length = version == 1 ? [UInt8(h.count & 0xFF), UInt8(h.count >> 8)] : [UInt8(h.count & 0xFF), UInt8(h.count >> 8), 0, 0]
    return NumpyFormat.magic + [version, 0] + length + h + data
}

@Suite struct NumpyFormatTests {
    /// Every file numpy wrote reads as the values torch.from_numpy gives, bit for bit: both
    /// byte orders, C and Fortran order, versions 1.0–3.0, every accepted dtype.
    @Test func readsEveryFixtureNumpyWrote() throws {
        let files = BinaryFixtures.expected.keys.filter { $0.hasSuffix(".npy") }
        #expect(files.count >= 40)
        for name in files {
            let e = BinaryFixtures.expected[name]!
            let t = try decode(try BinaryFixtures.bytes(name))
            #expect(t.shape == e.shape && t.dtype == e.dtype, "\(name)")
            #expect(BinaryFixtures.rawBytes(t) == e.bytes, "\(name)")
        }
    }

    /// Encoding what Tensord holds gives exactly the bytes numpy.save writes for that array.
    @Test func writesWhatNumpySaveWrites() throws {
        for dtype in ["float32", "float64", "int64", "bool"] {
            for suffix in ["", "_0d", "_1d", "_empty"] {
                let saved = try BinaryFixtures.bytes("save_\(dtype)\(suffix).npy")
                #expect(NumpyFormat.encode(try decode(saved)) == saved, "save_\(dtype)\(suffix).npy")
            }
        }
    }

    @Test func roundTripsEveryDtypeBitExactly() throws {
        let tensors = [
            Tensor([Float.nan, -0.0, .infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1.5], shape: [2, 3]),
            Tensor([Double.nan, -0.0, -.infinity, .leastNonzeroMagnitude], shape: [4, 1]),
            Tensor([Int64.min, -1, 0, Int64.max], shape: [2, 2]),
            Tensor([true, false, true], shape: [3]),
            Tensor(scalar: Float(3.25)),
            Tensor([Float](), shape: [0, 5]),
        ]
        for t in tensors {
            let back = try decode(NumpyFormat.encode(t))
            #expect(back.shape == t.shape && back.dtype == t.dtype)
            #expect(BinaryFixtures.rawBytes(back) == BinaryFixtures.rawBytes(t))
        }
    }

    @Test func refusesElementTypesTensordCannotHold() throws {
        for kind in ["float16", "complex64", "uint16", "unicode", "structured", "object"] {
            let e = error(try BinaryFixtures.bytes("unsupported_\(kind).npy"))
            #expect(e?.code == .unsupportedDType && e?.status == 422, "\(kind): \(String(describing: e))")
            #expect(e?.pointer == "/descr")
        }
        #expect(error(file("{'descr': '<f2', 'fortran_order': False, 'shape': (1,), }", data: [0, 0]))?.message.contains("float16") == true)
    }

    /// Every prefix of a valid file is refused cleanly (400 for a cut header, 422 for cut data).
    @Test func everyTruncationIsRefused() throws {
        let whole = try BinaryFixtures.bytes("float64_be_F.npy")
        let dataStart = whole.firstIndex(of: 0x0A)! + 1
        for n in 0..<whole.count {
            let e = error(Array(whole[..<n]))
            #expect(e?.code == .invalidTensor, "prefix of \(n) bytes")
            #expect(e?.status == (n < dataStart ? 400 : 422), "prefix of \(n) bytes")
        }
        #expect(error(whole + [0])?.status == 422)
    }

    @Test func lyingHeadersAreRefusedBeforeAllocating() {
        let cases: [(String, [UInt8], Int, WireError.Code)] = [
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", [0, 0, 0, 0], 422, .invalidTensor),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000), }", [], 413, .tooManyElements),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", [], 413, .tooManyElements),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", [], 400, .invalidTensor),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", [], 422, .invalidTensor),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': 3, }", [], 400, .invalidTensor),
            ("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }", [0, 0, 0, 0], 400, .invalidTensor),
            ("{'descr': '<f4', 'shape': (1,), }", [0, 0, 0, 0], 400, .invalidTensor),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1, }", [0, 0, 0, 0], 400, .invalidTensor),
            ("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", [0, 0, 0, 0], 400, .invalidTensor),
            ("['descr']", [], 400, .invalidTensor),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)", [], 400, .invalidTensor),
            ("{'descr': '<x9', 'fortran_order': False, 'shape': (1,), }", [0], 422, .unsupportedDType),
            ("{'descr': " + String(repeating: "(", count: 100) + "}", [], 400, .invalidTensor),
        ]
        for (header, data, status, code) in cases {
            let e = error(file(header, data: data))
            #expect(e?.status == status && e?.code == code, "\(header): \(String(describing: e))")
        }
        // A 65-dim shape, a header beyond the limit, an unknown version, not a .npy at all.
        #expect(error(file("{'descr': '<f4', 'fortran_order': False, 'shape': (" + String(repeating: "1, ", count: 65) + "), }"))?.status == 422)
        #expect(error(file("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", data: [0, 0, 0, 0]), NumpyFormat(maxElements: 10, maxHeaderBytes: 32))?.status == 400)
        #expect(error(NumpyFormat.magic + [4, 0, 0, 0])?.message.contains("version 4.0") == true)
        #expect(error(Array("{\"shape\": [1], \"data\": [1]}".utf8))?.status == 400)
        #expect(error(NumpyFormat.magic + [1, 0, 0xFF, 0xFF])?.status == 400)
    }

    /// Read from a file's first bytes (as a server reads a body), the header gives nothing until
    /// all of it is there, then the layout `decode` uses; the elements read as they are into the
    /// layout's storage make, once fixed in place, exactly the tensor `decode` makes: both byte
    /// orders, Fortran order, bools. Only the integers Tensord widens do not read into storage.
    @Test func layoutFromTheFirstBytesAndElementsReadIntoStorage() throws {
        let files = BinaryFixtures.expected.keys.filter { $0.hasSuffix(".npy") }
        var intoStorage = 0
        for name in files {
            let whole = try BinaryFixtures.bytes(name)
            let dataStart = whole.firstIndex(of: 0x0A)! + 1
            try whole.withUnsafeBytes { bytes in
                for n in 0..<dataStart {
                    #expect(try npy.layout(UnsafeRawBufferPointer(rebasing: bytes[..<n]), fileLength: whole.count) == nil, "\(name), \(n) bytes")
                }
                let layout = try #require(try npy.layout(UnsafeRawBufferPointer(rebasing: bytes[..<dataStart]), fileLength: whole.count))
                let expected = try decode(whole)
                #expect(layout.dataStart == dataStart && layout.count == expected.count && layout.dtype == expected.dtype, "\(name)")
                let widened = ["int32", "int16", "int8", "uint8", "v3_int16"].contains { name.hasPrefix($0) }
                #expect(layout.readsIntoStorage == !widened, "\(name)")
                guard layout.readsIntoStorage else { return }
                intoStorage += 1
                let storage = layout.makeStorage()
                storage.pointer.copyMemory(from: bytes.baseAddress! + dataStart, byteCount: layout.dataBytes)
                let t = try npy.tensor(layout, storage: storage)
                #expect(t.shape == expected.shape && BinaryFixtures.rawBytes(t) == BinaryFixtures.rawBytes(expected), "\(name)")
            }
        }
        #expect(intoStorage >= 20)
        // Refused from the header alone, before any data: too many elements, a header over the
        // limit (from its length field), data that cannot match the length.
        let huge = file("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000), }")
        #expect(throws: WireError.self) { try huge.withUnsafeBytes { _ = try npy.layout($0, fileLength: 1 << 40) } }
        let long = NumpyFormat.magic + [2, 0, 0xFF, 0xFF, 0xFF, 0x7F]
        #expect(throws: WireError.self) { try long.withUnsafeBytes { _ = try npy.layout($0, fileLength: 1 << 40) } }
        let four = file("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }")
        #expect(throws: WireError.self) { try four.withUnsafeBytes { _ = try npy.layout($0, fileLength: four.count + 15) } }
        #expect(try four.withUnsafeBytes { try npy.layout($0, fileLength: four.count + 16) }?.dataBytes == 16)
    }

    @Test func readsVersion2HeadersAndZeroSizedShapes() throws {
        let t = try decode(file("{'descr': '>i8', 'fortran_order': True, 'shape': (0, 4), }", version: 2))
        #expect(t.shape == [0, 4] && t.dtype == .int64)
        let s = try decode(file("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", data: [0, 0, 0, 0, 0, 0, 0xF0, 0x3F]))
        #expect(s.shape == [] && s.scalars(as: Double.self) == [1])
    }
}
