import Testing
import TensorEngine
@testable import TensorWire

private let codec = TensorCodec(maxElements: 1000)

private func decode(_ text: String, codec: TensorCodec = codec) throws -> Tensor {
    try codec.decodeTensor(try JSONParser().parse(text), at: "/inputs/0")
}

private func decodeError(_ text: String, codec: TensorCodec = codec) -> WireError? {
    do {
        _ = try decode(text, codec: codec)
        return nil
    } catch let e as WireError {
        return e
    } catch {
        return nil
    }
}

private func json(_ t: Tensor, _ encoding: TensorEncoding = .json) -> String {
    String(decoding: TensorCodec.encode(t, encoding: encoding), as: UTF8.self)
}

@Suite struct WireTensorCodecTests {
    @Test func flatWithShape() throws {
        let t = try decode(#"{"shape": [2, 3], "dtype": "float32", "data": [1, 2, 3, 4, 5, 6.5]}"#)
        #expect(t.shape == [2, 3] && t.dtype == .float32)
        #expect(t.scalars(as: Float.self) == [1, 2, 3, 4, 5, 6.5])
    }

    @Test func nestedInfersShape() throws {
        let t = try decode(#"{"data": [[1, 2, 3], [4, 5, 6]]}"#)
        #expect(t.shape == [2, 3] && t.dtype == .float32)
        #expect(t.scalars(as: Float.self) == [1, 2, 3, 4, 5, 6])
        let u = try decode(#"{"shape": [2, 1, 2], "dtype": "int64", "data": [[[1, 2]], [[3, 4]]]}"#)
        #expect(u.shape == [2, 1, 2] && u.scalars(as: Int64.self) == [1, 2, 3, 4])
        let b = try decode(#"{"dtype": "bool", "data": [[true, false], [false, true]]}"#)
        #expect(b.shape == [2, 2] && b.scalars(as: Bool.self) == [true, false, false, true])
        let n = try decode(#"{"data": [["NaN", 1], [2, "-Infinity"]]}"#)
        #expect(n.shape == [2, 2] && n.scalars(as: Float.self)[0].isNaN && n.scalars(as: Float.self)[3] == -.infinity)
    }

    @Test func scalarsAndEmpties() throws {
        #expect(try decode(#"{"shape": [], "data": [5]}"#).shape == [])
        #expect(try decode(#"{"data": 5}"#).shape == [])
        #expect(try decode(#"{"data": "Infinity"}"#).scalars(as: Float.self) == [.infinity])
        #expect(try decode(#"{"dtype": "bool", "data": true}"#).scalars(as: Bool.self) == [true])
        #expect(try decode(#"{"data": []}"#).shape == [0])
        #expect(try decode(#"{"shape": [0, 3], "data": []}"#).shape == [0, 3])
        #expect(try decode(#"{"data": [[], []]}"#).shape == [2, 0])
    }

    @Test func dtypesAndAliases() throws {
        for (name, dtype) in [("float32", DType.float32), ("FP32", .float32), ("float64", .float64), ("FP64", .float64),
                              ("int64", .int64), ("INT64", .int64), ("bool", .bool), ("BOOL", .bool)] {
            let data = dtype == .bool ? "[true]" : "[1]"
            #expect(try decode(#"{"dtype": "\#(name)", "data": \#(data)}"#).dtype == dtype, "\(name)")
        }
        let e = decodeError(#"{"dtype": "float16", "data": [1]}"#)
        #expect(e?.code == .invalidTensor && e?.status == 422 && e?.pointer == "/inputs/0/dtype")
        #expect(decodeError(#"{"dtype": 32, "data": [1]}"#)?.status == 400)
    }

    @Test func valuesAreExact() throws {
        #expect(try decode(#"{"dtype": "float64", "data": [0.1, 1e-320, 1.7976931348623157e308]}"#).scalars(as: Double.self) == [0.1, Double("1e-320")!, .greatestFiniteMagnitude])
        #expect(try decode(#"{"dtype": "int64", "data": [9007199254740993, -9223372036854775808]}"#).scalars(as: Int64.self) == [9007199254740993, .min])
        #expect(try decode(#"{"data": [0.1, 3.4028235e38, 1e-45]}"#).scalars(as: Float.self) == [0.1, .greatestFiniteMagnitude, .leastNonzeroMagnitude])
    }

    /// Each inconsistent tensor is a clean error pointing at the bad place.
    @Test(arguments: [
        (#"{"shape": [2, 3], "data": [1, 2, 3, 4, 5]}"#, 422, "/inputs/0/data"),
        (#"{"shape": [3, 2], "data": [[1, 2, 3], [4, 5, 6]]}"#, 422, "/inputs/0/data"),
        (#"{"data": [[1, 2], [3]]}"#, 422, "/inputs/0/data/1"),
        (#"{"data": [[1, 2], 3]}"#, 422, "/inputs/0/data/1"),
        (#"{"data": [[1, [2]], [3, 4]]}"#, 422, "/inputs/0/data/0/1"),
        (#"{"data": [[[1], [2]], [[3], [4, 5]]]}"#, 422, "/inputs/0/data/1/1"),
        (#"{"data": [1, {"a": 1}]}"#, 422, "/inputs/0/data/1"),
        (#"{"data": [{"a": 1}]}"#, 422, "/inputs/0/data/0"),
        (#"{"dtype": "int64", "data": [1, 2.5]}"#, 422, "/inputs/0/data/1"),
        (#"{"dtype": "int64", "data": [[1], [2.0]]}"#, 422, "/inputs/0/data/1/0"),
        (#"{"dtype": "int64", "data": [1, 99999999999999999999]}"#, 422, "/inputs/0/data/1"),
        (#"{"dtype": "int64", "data": ["NaN"]}"#, 422, "/inputs/0/data/0"),
        (#"{"dtype": "bool", "data": [1, 0]}"#, 422, "/inputs/0/data/0"),
        (#"{"dtype": "bool", "data": [true, "false"]}"#, 422, "/inputs/0/data/1"),
        (#"{"data": [1, "nan"]}"#, 422, "/inputs/0/data/1"),
        (#"{"data": [1, true]}"#, 422, "/inputs/0/data/1"),
        (#"{"data": [1, null]}"#, 422, "/inputs/0/data/1"),
        (#"{"shape": [2, -1], "data": [1, 2]}"#, 422, "/inputs/0/shape/1"),
        (#"{"shape": [2, 1.5], "data": [1, 2]}"#, 400, "/inputs/0/shape/1"),
        (#"{"shape": "2", "data": [1, 2]}"#, 400, "/inputs/0/shape"),
        (#"{"shape": [2, true], "data": [1, 2]}"#, 400, "/inputs/0/shape/1"),
        (#"{"shape": [2]}"#, 400, "/inputs/0"),
        (#"{"shape": [1], "data": [1], "data_b64": "AACAPw=="}"#, 400, "/inputs/0/data_b64"),
        (#"{"shape": [1], "dtpye": "int64", "data": [1]}"#, 400, "/inputs/0/dtpye"),
        (#"{"shape": [2], "data_b64": "AACAPw=="}"#, 422, "/inputs/0/data_b64"),
        (#"{"data_b64": "AACAPw="}"#, 422, "/inputs/0/data_b64"),
        (#"{"data_b64": "AACAP!=="}"#, 422, "/inputs/0/data_b64"),
        (#"{"data_b64": "AACA"}"#, 422, "/inputs/0/data_b64"),
        (#"{"data_b64": 5}"#, 400, "/inputs/0/data_b64"),
        (#"{"data": [1], "name": {}}"#, 400, "/inputs/0/name"),
        (#"[1, 2]"#, 400, "/inputs/0"),
    ] as [(String, Int, String)])
    func invalidTensors(_ text: String, _ status: Int, _ pointer: String) {
        let e = decodeError(text)
        #expect(e?.code == .invalidTensor, "\(text)")
        #expect(e?.status == status, "\(text): \(String(describing: e))")
        #expect(e?.pointer == pointer, "\(text): \(String(describing: e))")
    }

    /// Too many elements is refused from the shape or the data length alone: these shapes
    /// would need terabytes if anything were allocated first.
    @Test(arguments: [
        #"{"shape": [1099511627776], "data": [1]}"#,
        #"{"shape": [4294967296, 4294967296, 4294967296], "data": [1]}"#,
        #"{"shape": [1001], "data_b64": "AACAPw=="}"#,
        #"{"shape": [1099511627776], "data_b64": "AACAPw=="}"#,
        #"{"shape": [0, 1099511627776], "data": [1]}"#,
        #"{"shape": [4611686018427387904, 4611686018427387904, 0], "data": []}"#,
    ])
    func elementLimitBeforeAllocation(_ text: String) {
        let e = decodeError(text)
        if text.contains("[0,") {
            #expect(e?.code == .invalidTensor)  // zero elements: within the limit, but the data has one
        } else {
            #expect(e?.code == .tooManyElements, "\(text)")
            #expect(e?.status == 413)
        }
    }

    @Test func elementLimitOnDataAndBase64() {
        let small = TensorCodec(maxElements: 4)
        #expect(decodeError(#"{"data": [1, 2, 3, 4, 5]}"#, codec: small)?.code == .tooManyElements)
        #expect(decodeError(#"{"data": [[1, 2, 3], [4, 5, 6]]}"#, codec: small)?.code == .tooManyElements)
        #expect(decodeError(#"{"data_b64": "AAAAAAAAAAAAAAAAAAAAAAAAAAA="}"#, codec: small)?.code == .tooManyElements)
        #expect(decodeError(#"{"data": [1, 2, 3, 4]}"#, codec: small) == nil)
    }

    @Test func refs() throws {
        guard case .ref(let name) = try codec.decode(try JSONParser().parse(#"{"ref": "weights"}"#), at: "/x") else {
            Issue.record("not a ref"); return
        }
        #expect(name == "weights")
        #expect(throws: WireError.self) { try codec.decode(try JSONParser().parse(#"{"ref": "w", "shape": [1]}"#), at: "") }
        #expect(throws: WireError.self) { try codec.decode(try JSONParser().parse(#"{"ref": 3}"#), at: "") }
    }

    @Test func encodeIsFlatWithStringsForNonFinite() throws {
        let t = Tensor([1, 2.5, .nan, -.infinity, -0.0, 0.1] as [Float], shape: [2, 3])
        #expect(json(t) == #"{"shape":[2,3],"dtype":"float32","data":[1,2.5,"NaN","-Infinity",-0,0.1]}"#)
        #expect(json(Tensor([1, -2, .max] as [Int64])) == #"{"shape":[3],"dtype":"int64","data":[1,-2,9223372036854775807]}"#)
        #expect(json(Tensor([true, false])) == #"{"shape":[2],"dtype":"bool","data":[true,false]}"#)
        #expect(json(Tensor(scalar: 0.1 as Double)) == #"{"shape":[],"dtype":"float64","data":[0.1]}"#)
        #expect(json(Tensor([] as [Float], shape: [0, 2])) == #"{"shape":[0,2],"dtype":"float32","data":[]}"#)
        #expect(json(Tensor([1] as [Float]), .b64) == #"{"shape":[1],"dtype":"float32","data_b64":"AACAPw=="}"#)
        var w = JSONWriter()
        TensorCodec.encode(Tensor([3] as [Int64]), name: "indices", into: &w)
        #expect(String(decoding: w.finish(), as: UTF8.self) == #"{"name":"indices","shape":[1],"dtype":"int64","data":[3]}"#)
    }

    @Test func encodeNonContiguousInRowMajorOrder() throws {
        let t = try Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3]).transposed(0, 1)
        #expect(json(t) == #"{"shape":[3,2],"dtype":"float32","data":[1,4,2,5,3,6]}"#)
        #expect(try decode(json(t, .b64)).scalars(as: Float.self) == [1, 4, 2, 5, 3, 6])
    }

    @Test func roundTripsEveryDtypeInBothEncodings() throws {
        var rng = RandomGenerator(seed: 9)
        let n = 999
        let tensors = [
            Tensor.make([9, 111], Float.self) { b in for i in 0..<n { b[i] = Float(rng.normal()) * (i % 7 == 0 ? 1e-30 : 1e3) } },
            Tensor.make([n], Double.self) { b in for i in 0..<n { b[i] = Double(bitPattern: rng.next()) } },
            Tensor.make([3, 333], Int64.self) { b in for i in 0..<n { b[i] = Int64(bitPattern: rng.next()) } },
            Tensor.make([n], Bool.self) { b in for i in 0..<n { b[i] = rng.next() & 1 == 1 } },
            Tensor([.nan, .infinity, -.infinity, -0.0, .leastNonzeroMagnitude] as [Float]),
        ]
        for t in tensors {
            for encoding in [TensorEncoding.json, .b64] {
                let back = try decode(json(t, encoding), codec: TensorCodec(maxElements: 10_000))
                #expect(back.shape == t.shape && back.dtype == t.dtype)
                switch t.dtype {
                case .float32: #expect(back.scalars(as: Float.self).map(\.bitPattern) == t.scalars(as: Float.self).map(\.bitPattern))
                case .float64:
                    let expected = t.scalars(as: Double.self).map { $0.isNaN ? Double.nan.bitPattern : $0.bitPattern }
                    let got = back.scalars(as: Double.self).map { $0.isNaN ? Double.nan.bitPattern : $0.bitPattern }
                    #expect(got == expected)
                case .int64: #expect(back.scalars(as: Int64.self) == t.scalars(as: Int64.self))
                case .bool: #expect(back.scalars(as: Bool.self) == t.scalars(as: Bool.self))
                }
            }
        }
    }

    @Test func base64BoolBytesAreNormalised() throws {
        // bytes 00 01 02 ff
        #expect(try decode(#"{"dtype": "bool", "data_b64": "AAEC/w=="}"#).scalars(as: Bool.self) == [false, true, true, true])
    }

    @Test func encodingOption() throws {
        #expect(try TensorCodec.encoding(nil, at: "/encoding") == .json)
        #expect(try TensorCodec.encoding(.string("b64"), at: "/encoding") == .b64)
        #expect(throws: WireError.self) { try TensorCodec.encoding(.string("hex"), at: "/encoding") }
    }
}
