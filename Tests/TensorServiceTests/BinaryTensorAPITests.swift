import Foundation
import Testing
import TensorEngine
import TensorWire
@testable import TensorService

/// .npy and safetensors through the API: the store, op and eval answers, and models
/// exported to (and started from) PyTorch's state_dict. Fixtures: TensorWireTests/Fixtures.
@Suite struct BinaryTensorAPITests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../TensorWireTests/Fixtures").standardizedFileURL

    static func fixture(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: fixtures.appendingPathComponent(name))) }

    static func npy(_ bytes: [UInt8]) throws -> Tensor { try bytes.withUnsafeBytes { try NumpyFormat(maxElements: 1 << 20).decode($0) } }
    static func safetensors(_ bytes: [UInt8]) throws -> Safetensors.File {
        try bytes.withUnsafeBytes { try Safetensors(maxElements: 1 << 20).decode($0) }
    }
    /// A tensor's .npy file: equal files are equal shapes, dtypes and bytes.
    static func raw(_ t: Tensor) -> [UInt8] { NumpyFormat.encode(t) }

    static let npyType = ["Content-Type": "application/x-npy"]
    static let stType = ["Content-Type": "application/x-safetensors"]

    /// numpy's big-endian Fortran-order file goes in; out comes exactly what numpy.save
    /// writes for the same values, by Accept or by ?format=.
    @Test func npyInAndOutOfTheStore() throws {
        let server = try TestServer()
        defer { server.stop() }
        let put = try server.request("PUT", "/v1/tensors/x", bytes: try Self.fixture("float32_be_F.npy"), headers: Self.npyType)
        #expect(put.status == 201, "\(put.text)")
        #expect(try put.json()["shape"] as? [Int] == [2, 3, 4])
        let saved = try Self.fixture("save_float32.npy")
        let byAccept = try server.request("GET", "/v1/tensors/x", headers: ["Accept": "application/json;q=0.5, application/x-npy"])
        #expect(byAccept.status == 200 && byAccept.headers["content-type"] == "application/x-npy")
        #expect(byAccept.body == saved)
        #expect(try server.request("GET", "/v1/tensors/x?format=npy").body == saved)
        let json = try server.request("GET", "/v1/tensors/x", headers: ["Accept": "*/*"])
        #expect(try json.headers["content-type"] == "application/json" && (json.json()["shape"] as? [Int]) == [2, 3, 4])
        // int16 widens to int64, as torch.from_numpy(a).long() keeps it.
        #expect(try server.request("PUT", "/v1/tensors/i", bytes: try Self.fixture("int16_le_C.npy"), headers: Self.npyType).status == 201)
        let i = try Self.npy(try server.request("GET", "/v1/tensors/i?format=npy").body)
        #expect(i.dtype == .int64 && i.shape == [2, 3, 4] && i.scalars(as: Int64.self).first == -32768)
        #expect(try server.request("GET", "/v1/tensors/x?format=xml").status == 422)
    }

    /// A body larger than the connection's read buffer is read apart and an answer larger than
    /// one send goes out from its own array: 300,000 float64 (2.4 MB) in and out bit for bit,
    /// and replaced by a second upload.
    @Test func largeNpyFilesRoundTripThroughTheStore() throws {
        let server = try TestServer()
        defer { server.stop() }
        for seed in [1.0, 2.0] {
            let t = Tensor((0..<300_000).map { Double($0) * seed + 0.25 }, shape: [600, 500])
            let file = NumpyFormat.encode(t)
            let put = try server.request("PUT", "/v1/tensors/big", bytes: file, headers: Self.npyType)
            #expect(put.status == (seed == 1 ? 201 : 200), "\(put.text)")
            let get = try server.request("GET", "/v1/tensors/big", headers: ["Accept": "application/x-npy"])
            #expect(get.status == 200 && get.body == file)
        }
        #expect(try server.service.store.usedBytes == 2_400_000)
    }

    /// A .npy body larger than the read buffer goes from the socket into the tensor's storage:
    /// little- and big-endian floats and bools (any nonzero byte true) arrive as `decode` reads
    /// them. A widened integer type is read into the body and converted as before; a truncated
    /// file, data past the end, too many elements or no .npy at all are refused as a small body is.
    @Test func largeNpyBodiesAreReadIntoTheirStorage() throws {
        let server = try TestServer { $0.maxElements = 50_000 }
        defer { server.stop() }
        /// `file` with its header's `old` (a dtype) replaced by `new`, and its data by `data`.
        func edited(_ file: [UInt8], _ old: String, _ new: String, data: [UInt8]) -> [UInt8] {
            let start = file.firstIndex(of: 0x0A)! + 1
            // After the magic (not UTF-8), the version and the length: the dict, as long as before.
            let header = String(decoding: file[10..<start], as: UTF8.self).replacingOccurrences(of: old, with: new)
            return Array(file[..<10]) + Array(header.utf8) + data
        }
        let values = Tensor((0..<12_000).map { Float($0) * 0.5 - 7 }, shape: [120, 100])
        let le = NumpyFormat.encode(values)
        let dataStart = le.firstIndex(of: 0x0A)! + 1
        let beData = stride(from: dataStart, to: le.count, by: 4).flatMap { le[$0..<$0 + 4].reversed() }
        let bits = (0..<40_000).map { UInt8($0 % 3) }
        let bools = Tensor(bits.map { $0 != 0 }, shape: [40_000])
        let shorts = (0..<20_000).map { Int16(truncatingIfNeeded: $0 &* 37) }
        let int16 = edited(NumpyFormat.encode(Tensor([Int64](repeating: 0, count: 20_000))), "<i8", "<i2",
                           data: shorts.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] })
        let stored: [(String, [UInt8], [UInt8])] = [
            ("le", le, le),
            ("be", edited(le, "<f4", ">f4", data: beData), le),
            ("bools", edited(NumpyFormat.encode(bools), "|b1", "|b1", data: bits), NumpyFormat.encode(bools)),
            ("int16", int16, NumpyFormat.encode(Tensor(shorts.map(Int64.init)))),
        ]
        for (name, file, back) in stored {
            let put = try server.request("PUT", "/v1/tensors/\(name)", bytes: file, headers: Self.npyType)
            #expect(put.status == 201, "\(name): \(put.text)")
            #expect(try server.request("GET", "/v1/tensors/\(name)?format=npy").body == back, "\(name)")
        }
        let refused: [(String, [UInt8], Int)] = [
            ("truncated", Array(le.dropLast(4)), 422),
            ("longer", le + [0, 0, 0, 0], 422),
            ("too many elements", NumpyFormat.encode(Tensor([Float](repeating: 1, count: 60_000))), 413),
            ("not a .npy", Array(le[6...]), 400),
        ]
        for (what, file, status) in refused {
            #expect(try server.request("PUT", "/v1/tensors/t", bytes: file, headers: Self.npyType).status == status, "\(what)")
        }
        #expect(try server.service.store.list().map(\.name) == ["be", "bools", "int16", "le"])
        // Without the token the body is not taken into storage, and the upload is refused.
        let guarded = try TestServer(token: "s3cret")
        defer { guarded.stop() }
        #expect(try guarded.request("PUT", "/v1/tensors/x", bytes: le, headers: Self.npyType).status == 401)
        let authorized = Self.npyType.merging(["Authorization": "Bearer s3cret"]) { $1 }
        #expect(try guarded.request("PUT", "/v1/tensors/x", bytes: le, headers: authorized).status == 201)
    }

    @Test func hostileNpyBodiesAreRefused() throws {
        let server = try TestServer { $0.maxElements = 100; $0.maxStoreBytes = 64 }
        defer { server.stop() }
        let float16 = try server.request("PUT", "/v1/tensors/h", bytes: try Self.fixture("unsupported_float16.npy"), headers: Self.npyType)
        #expect(try float16.status == 422 && (float16.json()["code"] as? String) == "unsupported_dtype")
        let whole = try Self.fixture("save_float64.npy")
        #expect(try server.request("PUT", "/v1/tensors/t", bytes: Array(whole.prefix(40)), headers: Self.npyType).status == 400)
        #expect(try server.request("PUT", "/v1/tensors/t", bytes: Array(whole.dropLast(8)), headers: Self.npyType).status == 422)
        let huge = NumpyFormat.encode(Tensor([Float](repeating: 0, count: 101)))
        #expect(try server.request("PUT", "/v1/tensors/t", bytes: huge, headers: Self.npyType).status == 413)
        let full = try server.request("PUT", "/v1/tensors/t", bytes: NumpyFormat.encode(Tensor([Float](repeating: 0, count: 17))), headers: Self.npyType)
        #expect(try full.status == 413 && (full.json()["code"] as? String) == "store_full")
        let text = try server.request("PUT", "/v1/tensors/t", bytes: whole, headers: ["Content-Type": "text/plain"])
        #expect(text.status == 415 && text.text.contains("application/x-npy"))
        #expect(try server.request("GET", "/v1/tensors").json()["tensors"] as? [Any] != nil)
        #expect(try server.service.store.list().isEmpty)
    }

    /// The reference implementation's file is imported under a prefix and exported again.
    @Test func safetensorsImportAndExport() throws {
        let server = try TestServer()
        defer { server.stop() }
        let post = try server.request("POST", "/v1/tensors?prefix=m.", bytes: try Self.fixture("mixed.safetensors"), headers: Self.stType)
        #expect(post.status == 201, "\(post.text)")
        #expect(try #require(try post.json()["tensors"] as? [[String: Any]]).count == 10)
        let original = try Self.safetensors(try Self.fixture("mixed.safetensors"))
        let get = try server.request("GET", "/v1/tensors?names=m.t_float64,m.t_uint8,m.scalar&format=safetensors")
        #expect(get.status == 200 && get.headers["content-type"] == "application/x-safetensors")
        let back = try Self.safetensors(get.body)
        #expect(back.tensors.map(\.name) == ["m.t_float64", "m.t_uint8", "m.scalar"])
        for (name, t) in back.tensors {
            let o = try #require(original.tensors.first { "m." + $0.name == name }?.tensor)
            #expect(t.shape == o.shape && t.dtype == o.dtype && Self.raw(t) == Self.raw(o), "\(name)")
        }
        #expect(try server.request("GET", "/v1/tensors?names=m.nope&format=safetensors").status == 404)
        #expect(try server.request("GET", "/v1/tensors?format=safetensors").status == 400)
        let listed = try #require(try server.request("GET", "/v1/tensors?names=m.scalar").json()["tensors"] as? [[String: Any]])
        #expect(listed.map { $0["name"] as? String } == ["m.scalar"])
        // A name that is not a store name, a dtype Tensord lacks, a store without room: nothing stored.
        #expect(try server.request("POST", "/v1/tensors?prefix=.", bytes: try Self.fixture("mixed.safetensors"), headers: Self.stType).status == 422)
        let f16 = try server.request("POST", "/v1/tensors", bytes: try Self.fixture("unsupported_f16.safetensors"), headers: Self.stType)
        #expect(try f16.status == 422 && (f16.json()["code"] as? String) == "unsupported_dtype")
        #expect(try server.request("POST", "/v1/tensors", bytes: [1, 2, 3], headers: Self.stType).status == 400)
        #expect(try server.request("POST", "/v1/tensors", body: "{}").status == 415)
        #expect(try server.service.store.list().count == 10)
    }

    @Test func safetensorsImportIsAllOrNothing() throws {
        let server = try TestServer { $0.maxStoreBytes = 200 }
        defer { server.stop() }
        let r = try server.request("POST", "/v1/tensors", bytes: try Self.fixture("mixed.safetensors"), headers: Self.stType)
        #expect(try r.status == 413 && (r.json()["code"] as? String) == "store_full")
        #expect(try server.service.store.list().isEmpty)
    }

    @Test func opAndEvalAnswersAsNpyOrSafetensors() throws {
        let server = try TestServer()
        defer { server.stop() }
        let a = Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3]), b = Tensor([1, 0, -1, 2, 0.5, 3] as [Float], shape: [3, 2])
        #expect(try server.request("PUT", "/v1/tensors/a", bytes: NumpyFormat.encode(a), headers: Self.npyType).status == 201)
        #expect(try server.request("PUT", "/v1/tensors/b", bytes: NumpyFormat.encode(b), headers: Self.npyType).status == 201)
        let body = #"{"inputs": [{"ref": "a"}, {"ref": "b"}]}"#
        let mm = try server.request("POST", "/v1/ops/matmul", body: body, headers: ["Accept": "application/x-npy"])
        #expect(mm.status == 200 && mm.headers["content-type"] == "application/x-npy")
        let y = try Self.npy(mm.body)
        #expect(y.shape == [2, 2] && y.scalars(as: Float.self) == [0.5, 13, 2, 28])
        #expect(try server.request("POST", "/v1/ops/matmul?format=npy", body: body).body == mm.body)
        // Several results: .npy cannot hold them (406); safetensors names them as the JSON answer does.
        let topk = #"{"inputs": [{"ref": "a"}], "args": {"k": 2}}"#
        #expect(try server.request("POST", "/v1/ops/topk", body: topk, headers: ["Accept": "application/x-npy"]).status == 406)
        let st = try Self.safetensors(try server.request("POST", "/v1/ops/topk", body: topk, headers: ["Accept": "application/x-safetensors"]).body)
        #expect(st.tensors.map(\.name) == ["values", "indices"])
        #expect(st.tensors[0].tensor.scalars(as: Float.self) == [3, 2, 6, 5] && st.tensors[1].tensor.scalars(as: Int64.self) == [2, 1, 2, 1])
        let split = try Self.safetensors(try server.request("POST", "/v1/ops/split?format=safetensors", body: #"{"inputs": [{"ref": "a"}], "args": {"split_size_or_sections": 1}}"#).body)
        #expect(split.tensors.map(\.name) == ["0", "1"])

        let eval = #"{"tensors": {"w": {"ref": "b"}, "x": {"ref": "a"}}, "expr": "y = x @ w\nloss = y.sum()\nn = 3", "outputs": ["loss", "y", "n"], "grad": {"of": "loss", "wrt": ["w"]}}"#
        let e = try Self.safetensors(try server.request("POST", "/v1/eval", body: eval, headers: ["Accept": "application/x-safetensors"]).body)
        #expect(e.tensors.map(\.name) == ["loss", "y", "n", "grads.w"])
        #expect(e.tensors[0].tensor.scalars(as: Float.self) == [43.5] && e.tensors[2].tensor.scalars(as: Int64.self) == [3])
        #expect(e.tensors[3].tensor.scalars(as: Float.self) == [5, 5, 7, 7, 9, 9])
        let single = try server.request("POST", "/v1/eval", body: #"{"tensors": {"x": {"ref": "a"}}, "expr": "y = x * 2", "outputs": ["y"]}"#, headers: ["Accept": "application/x-npy"])
        #expect(try Self.npy(single.body).scalars(as: Float.self) == [2, 4, 6, 8, 10, 12])
    }

    /// A PyTorch model (state_dict saved with safetensors.torch) goes in, a job starts from it
    /// (lr 0: the weights stay), and comes out under the same names, key by key the same
    /// bytes, predicting what PyTorch predicted.
    @Test func modelFromPyTorchAndBack() throws {
        let server = try TestServer()
        defer { server.stop() }
        let file = try Self.fixture("mlp.safetensors")
        #expect(try server.request("POST", "/v1/tensors?prefix=torch.", bytes: file, headers: Self.stType).status == 201)
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(try Self.fixture("expected.json"))) as? [String: Any])
        let predict = try #require(expected["mlp.predict"] as? [String: [Double]])
        let x = try #require(predict["x"]), y = try #require(predict["y"])
        let spec = #"""
        {"name": "from-torch", "model": {"layers": [{"linear": {"in": 3, "out": 4}}, "relu", {"linear": {"in": 4, "out": 2}}], "init": {"safetensors": "torch."}},
         "data": {"x": {"shape": [5, 3], "data": \#(x)}, "y": {"shape": [5, 2], "data": \#(y)}, "shuffle": false},
         "loss": "mse", "optimizer": {"type": "sgd", "lr": 0.0}, "epochs": 1, "batch_size": 5}
        """#
        let id = try server.submit(spec)
        #expect(try server.wait(id)["status"] as? String == "succeeded")
        let r = try server.request("GET", "/v1/jobs/\(id)/model", headers: ["Accept": "application/x-safetensors"])
        #expect(r.status == 200 && r.headers["content-type"] == "application/x-safetensors")
        #expect(try server.request("GET", "/v1/jobs/\(id)/model?format=safetensors").body == r.body)
        let exported = try Self.safetensors(r.body), torch = try Self.safetensors(file)
        #expect(exported.tensors.map(\.name).sorted() == ["0.bias", "0.weight", "2.bias", "2.weight"])
        for (name, t) in torch.tensors {
            let mine = try #require(exported.tensors.first { $0.name == name }?.tensor, "\(name)")
            #expect(mine.shape == t.shape && mine.dtype == t.dtype && Self.raw(mine) == Self.raw(t), "\(name)")
        }
        let meta = Dictionary(uniqueKeysWithValues: exported.metadata.map { ($0.key, $0.value) })
        #expect(meta["format"] == "pt" && meta["spec"]?.contains(#""safetensors": "torch.""#) == true)
        let p = try server.request("POST", "/v1/jobs/\(id)/predict", body: #"{"inputs": [{"shape": [5, 3], "data": \#(x)}]}"#)
        for (a, b) in zip(try p.outputData(), y) { #expect(abs(a - b) < 1e-6) }
        // A prefix with no such tensors, or the wrong shapes, is refused at submission.
        let missing = try server.request("POST", "/v1/jobs", body: spec.replacingOccurrences(of: "\"torch.\"", with: "\"nope.\""))
        #expect(try missing.status == 422 && (missing.json()["code"] as? String) == "unknown_ref")
        let wrong = try server.request("POST", "/v1/jobs", body: spec.replacingOccurrences(of: #""in": 3, "out": 4}}, "relu", {"linear": {"in": 4"#, with: #""in": 3, "out": 5}}, "relu", {"linear": {"in": 5"#))
        #expect(wrong.status == 422, "\(wrong.text)")
    }
}
