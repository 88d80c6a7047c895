import Testing
import TensorEngine
@testable import TensorWire

private let codec = TensorCodec(maxElements: 1000)
private let store = ["w": Tensor([1, 2] as [Float])]

private struct UnknownRef: Error { let name: String, pointer: String }

private func argument(_ text: String) throws -> Value {
    try codec.argument(try JSONParser().parse(text), at: "/args/x") { name, pointer in
        guard let t = store[name] else { throw UnknownRef(name: name, pointer: pointer) }
        return t
    }
}

@Suite struct WireOpArgumentTests {
    @Test func scalarsKeepTheirSpelling() throws {
        guard case .int(7) = try argument("7") else { Issue.record("7"); return }
        guard case .float(7.0) = try argument("7.0") else { Issue.record("7.0"); return }
        guard case .float(let nan) = try argument("\"NaN\""), nan.isNaN else { Issue.record("NaN"); return }
        guard case .float(-.infinity) = try argument("\"-Infinity\"") else { Issue.record("-Infinity"); return }
        guard case .float(.infinity) = try argument("\"Infinity\"") else { Issue.record("Infinity"); return }
        guard case .string("sum") = try argument("\"sum\"") else { Issue.record("sum"); return }
        guard case .bool(true) = try argument("true") else { Issue.record("true"); return }
        guard case .null = try argument("null") else { Issue.record("null"); return }
    }

    @Test func lists() throws {
        guard case .intList([0, -1]) = try argument("[0, -1]") else { Issue.record("ints"); return }
        guard case .intList([]) = try argument("[]") else { Issue.record("empty"); return }
        guard case .tensorList(let ts) = try argument(#"[{"data": [1]}, {"ref": "w"}]"#) else { Issue.record("tensors"); return }
        #expect(ts.map(\.shape) == [[1], [2]])
    }

    @Test func tensorsAndRefs() throws {
        guard case .tensor(let t) = try argument(#"{"shape": [2], "data": [3, 4]}"#) else { Issue.record("tensor"); return }
        #expect(t.scalars(as: Float.self) == [3, 4])
        guard case .tensor(let w) = try argument(#"{"ref": "w"}"#) else { Issue.record("ref"); return }
        #expect(w.scalars(as: Float.self) == [1, 2])
        #expect { try argument(#"{"ref": "missing"}"#) } throws: { ($0 as? UnknownRef)?.pointer == "/args/x/ref" }
    }

    @Test(arguments: [("[1.5, 2]", "/args/x/0"), ("[1, 2.5]", "/args/x/1"), ("[1, true]", "/args/x/0"),
                      ("[{\"data\": [1]}, 2]", "/args/x/1"), ("100000000000000000000", "/args/x")])
    func invalidArguments(_ text: String, _ pointer: String) {
        #expect { try argument(text) } throws: { e in
            guard let e = e as? WireError else { return false }
            return e.code == .invalidArgument && e.pointer == pointer
        }
    }
}
