import Testing
import TensorEngine
@testable import TensorWire

private let codec = TensorCodec(maxElements: 1000)

/// The tensor `DirectJSONReader` reads from `{"t": <text>}`, or nil when it leaves the body to the general path.
private func direct(_ text: String, maxDepth: Int = 512) -> Tensor? {
    var tensor: Tensor?
    let bytes = Array(#"{"t": \#(text)}"#.utf8)
    let plain = bytes.withUnsafeBufferPointer { buf in
        DirectJSONReader.readObject(buf, maxDepth: maxDepth) { key, r in
            key == "t" && r.tensor(codec).map { tensor = $0 } != nil
        }
    }
    return plain ? tensor : nil
}

/// The same through the parser and the codec (nil when either throws).
private func general(_ text: String, maxDepth: Int = 512) -> Tensor? {
    guard let body = try? JSONParser(maxDepth: maxDepth).parse(#"{"t": \#(text)}"#), let t = body["t"] else { return nil }
    return try? codec.decodeTensor(t, at: "/t")
}

private func json(_ t: Tensor) -> String {
    String(decoding: TensorCodec.encode(t), as: UTF8.self)
}

private func describe(_ v: Value) -> String {
    switch v {
    case .tensor(let t): "tensor \(json(t))"
    case .tensorList(let ts): "tensors \(ts.map(json))"
    case .int(let i): "int \(i)"
    case .float(let d): "float \(d.bitPattern)"
    case .bool(let b): "bool \(b)"
    case .string(let s): "string \(s)"
    case .intList(let l): "ints \(l)"
    case .null: "null"
    }
}

@Suite struct DirectJSONReaderTests {
    /// Plain tensor objects: read directly, to exactly what the codec makes of them (shape, dtype, every bit).
    @Test(arguments: [
        #"{"shape": [4], "data": [1, 2, 3, 4]}"#,
        #"{"data": [10, 20, 30, 40]}"#,
        #"{"shape":[2,3],"dtype":"float32","data":[1,2,3,4,5,6.5]}"#,
        #"{ "data" : [ -0.0 , 1e-7 , 0.1 , 3.4028235e38 , 1e39 , -2.5E+3 ] , "dtype" : "FP32" }"#,
        #"{"dtype": "float64", "data": [0.1, 1e-320, 123456789012345678901234567890]}"#,
        #"{"data": [9007199254740993, -9223372036854775808, 9223372036854775807], "dtype": "int64"}"#,
        #"{"dtype": "long", "shape": [3, 1], "data": [1, -2, 3]}"#,
        #"{"shape": [], "data": [5]}"#,
        #"{"shape": [1, 1, 1], "data": [0.5]}"#,
        "{\"data\":\n\t[1,\r\n2]}",
        #"{"data": [1.5, 2], "dtype": "double"}"#,
    ])
    func plainTensorsReadAsTheCodecReadsThem(_ text: String) throws {
        let fast = try #require(direct(text), "not read directly: \(text)")
        let slow = try #require(general(text))
        #expect(fast.shape == slow.shape && fast.dtype == slow.dtype)
        #expect(json(fast) == json(slow))
    }

    /// Everything else is left to the general path, whether it is valid there (nested data, non-finite
    /// strings, base64, refs, names) or an error (whose message and pointer only the general path gives).
    @Test(arguments: [
        #"{"data": [[1, 2], [3, 4]]}"#,            // nested
        #"{"data": []}"#,                          // empty
        #"{"data": 5}"#,                           // a scalar
        #"{"data": [1, "NaN"]}"#,                  // non-finite strings
        #"{"data_b64": "AACAPw=="}"#,
        #"{"ref": "w"}"#,
        #"{"name": "x", "data": [1]}"#,
        #"{"dtype": "bool", "data": [true, false]}"#,
        #"{"data": [1], "data": [2]}"#,            // duplicate key
        #"{"dat\u0061": [1]}"#,                   // an escaped key, which the parser decodes
        #"{"dtype": "float16", "data": [1]}"#,     // unknown dtype
        #"{"dtype": "int64", "data": [1.5]}"#,     // not an integer
        #"{"dtype": "int64", "data": [9223372036854775808]}"#,  // past Int64
        #"{"shape": [3], "data": [1, 2]}"#,        // does not fill the shape
        #"{"shape": [-1], "data": [1]}"#,
        #"{"shape": [1.0], "data": [1]}"#,
        #"{"shape": [1001], "data": [1]}"#,        // over the element limit
        #"{"shape": [2, 0], "data": [1]}"#,
        #"{"data": [1, 2,]}"#,                     // syntax errors
        #"{"data": [1 2]}"#,
        #"{"data": [01]}"#,
        #"{"data": [1], }"#,
        #"{"data": [-]}"#,
        #"{"data": [1]"#,
        #"{"data": [1], "shape": [1], "extra": 1}"#,
    ])
    func otherTensorsAreLeftToTheGeneralPath(_ text: String) {
        #expect(direct(text) == nil, "read directly: \(text)")
    }

    @Test func overTheElementLimitIsLeftToTheCodec() {
        let data = "[" + Array(repeating: "1", count: 1001).joined(separator: ",") + "]"
        #expect(direct(#"{"data": \#(data)}"#) == nil)
        #expect(general(#"{"data": \#(data)}"#) == nil)
        let fits = "[" + Array(repeating: "1", count: 1000).joined(separator: ",") + "]"
        #expect(direct(#"{"data": \#(fits)}"#)?.shape == [1000])
    }

    @Test func tooManyDimensionsAreLeftToTheCodec() {
        let shape = "[" + Array(repeating: "1", count: 65).joined(separator: ",") + "]"
        #expect(direct(#"{"shape": \#(shape), "data": [1]}"#) == nil)
        #expect(general(#"{"shape": \#(shape), "data": [1]}"#) == nil)
    }

    /// The parser's nesting limit: the direct reader takes a body exactly when the parser does.
    @Test func nestingLimitAsTheParser() {
        for text in [#"{"data": [1, 2]}"#, #"{"shape": [], "data": [1]}"#, #"{"shape": [2], "data": [1, 2]}"#] {
            for maxDepth in 1...4 {
                #expect((direct(text, maxDepth: maxDepth) != nil) == (general(text, maxDepth: maxDepth) != nil),
                        "\(text) at maxDepth \(maxDepth)")
            }
        }
        #expect(direct(#"{"data": [1]}"#, maxDepth: 3) != nil && direct(#"{"data": [1]}"#, maxDepth: 2) == nil)
    }

    /// Keys are compared as the parser compares them, as `String`s: a key other than ASCII by canonical
    /// equivalence (é precomposed and decomposed are one key; the Kelvin sign is "K"), an ASCII one byte for byte.
    @Test func keysCompareAsStrings() {
        func read(_ text: String, _ name: StaticString) -> Bool {
            Array(text.utf8).withUnsafeBufferPointer { buf in
                DirectJSONReader.readObject(buf, maxDepth: 512) { key, r in (key == name) && r.string() != nil }
            }
        }
        #expect(read("{\"\u{E9}\": \"x\"}", "\u{E9}") && read("{\"e\u{301}\": \"x\"}", "\u{E9}"))
        #expect(read("{\"\u{212A}\": \"x\"}", "K") && read("{\"K\": \"x\"}", "\u{212A}") && !read("{\"k\": \"x\"}", "K"))
        #expect(!read("{\"\u{E9}\": \"x\", \"e\u{301}\": \"y\"}", "\u{E9}"))  // a duplicate key
        #expect((try? JSONParser().parse("{\"\u{E9}\": \"x\", \"e\u{301}\": \"y\"}")) == nil)
    }

    /// Trailing bytes and a second document are the parser's errors, so not read directly.
    @Test func onlyWhitespaceAfterTheObject() {
        for text in [#"{"a": "x"} "#, #"{"a": "x"}x"#, #"{"a": "x"}{}"#, #""#, #"[]"#, #"{"a": "x""#] {
            let bytes = Array(text.utf8)
            let plain = bytes.withUnsafeBufferPointer { buf in
                DirectJSONReader.readObject(buf, maxDepth: 512) { key, r in key == "a" && r.string() == "x" }
            }
            #expect(plain == (text == #"{"a": "x"} "#), "\(text)")
        }
    }

    /// Strings are read by the parser's own reader: escapes and UTF-8 decoded alike, invalid ones left to it.
    @Test func stringsAsTheParserReadsThem() throws {
        for literal in [#""z = x * y + 1""#, #""pred = x @ w\nloss = sum(pred)""#, #""caf\u00e9 \ud83d\ude00 \"q\" \\ \/""#, "\"é\""] {
            var read: String?
            let bytes = Array(#"{"s": \#(literal)}"#.utf8)
            let plain = bytes.withUnsafeBufferPointer { buf in
                DirectJSONReader.readObject(buf, maxDepth: 512) { _, r in
                    read = r.string()
                    return read != nil
                }
            }
            #expect(plain)
            guard case .string(let parsed)? = try JSONParser().parse(#"{"s": \#(literal)}"#)["s"] else {
                Issue.record("not a string: \(literal)")
                continue
            }
            #expect(read == parsed)
        }
        for invalid in [#""\x""#, #""\ud800""#, "\"a\u{01}\"", #""open"#] {
            let bytes = Array(#"{"s": \#(invalid)}"#.utf8)
            #expect(!bytes.withUnsafeBufferPointer { buf in DirectJSONReader.readObject(buf, maxDepth: 512) { _, r in r.string() != nil } })
        }
    }

    /// Op arguments keep their spelling as `TensorCodec.argument` reads them.
    @Test(arguments: ["7", "7.0", "-3", "1e3", "-0", "true", "false", "null", #""sum""#, #""NaN""#, #""-Infinity""#,
                      "[1, 2]", "[-1]", #"{"data": [1, 2]}"#, #"{"shape": [], "dtype": "int64", "data": [3]}"#])
    func argumentsReadAsTheCodecReadsThem(_ text: String) throws {
        var value: Value?
        let bytes = Array(#"{"a": \#(text)}"#.utf8)
        let plain = bytes.withUnsafeBufferPointer { buf in
            DirectJSONReader.readObject(buf, maxDepth: 512) { _, r in
                value = r.argument(codec)
                return value != nil
            }
        }
        #expect(plain, "not read directly: \(text)")
        let parsed = try #require(try JSONParser().parse(#"{"a": \#(text)}"#)["a"])
        let expected = try codec.argument(parsed, at: "/args/a") { _, _ in Tensor(scalar: 0 as Float) }
        #expect(value.map(describe) == describe(expected))
    }

    @Test(arguments: ["99999999999999999999", "[1.5]", "[]", "[[1]]", #"["a"]"#, #"[{"data": [1]}]"#, #"{"ref": "w"}"#, "tru", "nul"])
    func otherArgumentsAreLeftToTheGeneralPath(_ text: String) {
        let bytes = Array(#"{"a": \#(text)}"#.utf8)
        #expect(!bytes.withUnsafeBufferPointer { buf in DirectJSONReader.readObject(buf, maxDepth: 512) { _, r in r.argument(codec) != nil } })
    }
}
