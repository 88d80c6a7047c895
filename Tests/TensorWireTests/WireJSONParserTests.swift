import Testing
@testable import TensorWire

/// Parses `text`, returning the error (nil when it parses).
private func parseError(_ bytes: [UInt8], maxDepth: Int = 512) -> WireError? {
    do {
        _ = try JSONParser(maxDepth: maxDepth).parse(bytes)
        return nil
    } catch {
        return error
    }
}

private func parseError(_ text: String) -> WireError? { parseError(Array(text.utf8)) }

@Suite struct WireJSONParserTests {
    @Test(arguments: [
        "null", "true", "false", " [ ] ", "{}", "0", "-0", "1E5", "1e-5", "-1.5e+3", "\"\"",
        "\"\\u00e9\"", "\"\\uD83D\\uDE00\"", "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"é😀\"",
        "[1,\"NaN\",\"Infinity\",\"-Infinity\"]", "[[1,2],[3]]", "{\"a\":[1,{\"b\":null}],\"c\":\"d\"}",
        " \t\r\n[ 1 , 2 ]\n", "[1,true]", "[\"NaN\",\"x\"]", "[-0.0,0e0,0.5E-3]",
    ])
    func valid(_ text: String) {
        #expect(parseError(text) == nil, "\(text)")
    }

    @Test(arguments: [
        "", " ", "[", "]", "{", "}", "[1,]", "[,1]", "{\"a\":1,}", "{\"a\"}", "{\"a\" 1}", "{1:2}", "{a:1}",
        "01", "-01", "-", "1.", ".5", "1e", "1e+", "+1", "NaN", "Infinity", "tru", "nul", "falsey", "[1 2]",
        "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\u12G4\"", "\"\\uD800\"", "\"\\uDC00\"", "\"\\uD800\\u0041\"", "\"\\uD800x\"",
        "\"a\tb\"", "\"a\nb\"", "1 2", "{\"a\":1}x", "{\"a\":1,\"a\":2}", "[1]]", "'a'", "[1,\"NaN\",]", "[\"NaN\" 1]",
        "[1.e5]", "[1e]", "[-]", "[0x10]", "{\"a\":1 \"b\":2}", "[\"unterminated]", "\u{FEFF}{}",
    ])
    func invalid(_ text: String) {
        let e = parseError(text)
        #expect(e?.code == .invalidJSON, "\(text)")
        #expect(e?.status == 400)
    }

    @Test(arguments: [
        [0x22, 0xFF, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xC1, 0xBF, 0x22], [0x22, 0xE0, 0x80, 0xAF, 0x22],
        [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xE2, 0x82, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],
        [0x22, 0xF0, 0x9F, 0x98, 0x22], [0x22, 0x80, 0x22], [0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], [0xC3, 0xA9],
        [0x5B, 0x22, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0xFE, 0x22, 0x5D],
    ] as [[UInt8]])
    func invalidUTF8(_ bytes: [UInt8]) {
        #expect(parseError(bytes)?.code == .invalidJSON, "\(bytes)")
    }

    @Test func validUTF8AllLengths() throws {
        let text = "\"a\u{E9}\u{20AC}\u{1F600}\u{10FFFF}\u{7FF}\u{800}\u{FFFF}\u{10000}\""
        guard case .string(let s) = try JSONParser().parse(text) else { Issue.record("not a string"); return }
        #expect(s == "a\u{E9}\u{20AC}\u{1F600}\u{10FFFF}\u{7FF}\u{800}\u{FFFF}\u{10000}")
    }

    @Test func escapes() throws {
        guard case .string(let s) = try JSONParser().parse(#""a\"b\\c\/d\n\u00e9\uD83D\uDE00 long text to pass the 8-byte scan""#) else {
            Issue.record("not a string"); return
        }
        #expect(s == "a\"b\\c/d\né😀 long text to pass the 8-byte scan")
    }

    @Test func everyTruncatedPrefixIsAnError() {
        let doc = Array(#"{"shape":[2,2],"dtype":"float32","data":[[1.5,-2e3],["NaN",true]],"s":"a\u00e9b€","n":null}"#.utf8)
        #expect(parseError(doc) == nil)
        for n in 0..<doc.count {
            #expect(parseError(Array(doc[0..<n]))?.code == .invalidJSON, "prefix of \(n) bytes")
        }
    }

    @Test func nesting100000DeepIsACleanError() {
        let open = [UInt8](repeating: UInt8(ascii: "["), count: 100_000)
        for doc in [open, open + [UInt8](repeating: UInt8(ascii: "]"), count: 100_000),
                    Array(String(repeating: "{\"a\":", count: 100_000).utf8)] {
            let e = parseError(doc)
            #expect(e?.code == .invalidJSON)
            #expect(e?.message.contains("nesting deeper than 512") == true)
        }
    }

    @Test func depthLimitIsExact() {
        func nested(_ n: Int) -> [UInt8] { Array((String(repeating: "[", count: n) + "1" + String(repeating: "]", count: n)).utf8) }
        #expect(parseError(nested(512)) == nil)
        #expect(parseError(nested(513))?.code == .invalidJSON)
        #expect(parseError(nested(5), maxDepth: 4)?.code == .invalidJSON)
        #expect(parseError(nested(4), maxDepth: 4) == nil)
    }

    @Test func errorsPointAtTheValueAndPosition() {
        let e = parseError("{\"inputs\": [{\"shape\": [2]},\n {\"shape\": [1,}]}")
        #expect(e?.pointer == "/inputs/1/shape/1")
        #expect(e?.location == WireError.Location(offset: 42, line: 2, column: 15))
        #expect(parseError("{\"a/b~\": [tru]}")?.pointer == "/a~1b~0/0")
        #expect(parseError("[1, 2, 01]")?.message.contains("leading zeros") == true)
        #expect(parseError("{\"k\": 1, \"k\": 2}")?.message.contains("duplicate key") == true)
    }

    /// Random corruptions of a valid request never crash: each parses or is a clean error,
    /// and so is decoding whatever parses as a tensor.
    @Test func corruptedDocumentsFailCleanly() {
        let docs = [#"{"shape":[2,2],"dtype":"int64","data":[[1,-2],[3,4]]}"#, #"{"shape":[3],"data":[1.5e3,"NaN",-0.25]}"#,
                    #"{"dtype":"bool","data":[[true],[false]]}"#, #"{"shape":[2],"data_b64":"AACAPwAAgD8="}"#,
                    #"{"ref":"w\u00e9\n"}"#].map { Array($0.utf8) }
        let bytes: [UInt8] = Array(#"[]{}",:-.0123456789eE+\u"#.utf8) + [0x00, 0x1F, 0x80, 0xC3, 0xED, 0xF4, 0xFF]
        var state: UInt64 = 7
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        for k in 0..<5000 {
            var d = docs[k % docs.count]
            for _ in 0...next(3) {
                switch next(3) {
                case 0: d[next(d.count)] = bytes[next(bytes.count)]
                case 1: d.insert(bytes[next(bytes.count)], at: next(d.count))
                default: d.remove(at: next(d.count))
                }
            }
            if let v = try? JSONParser().parse(d) {
                _ = try? TensorCodec(maxElements: 100).decode(v, at: "")
            }
        }
    }

    @Test func objectsKeepKeyOrder() throws {
        guard case .object(let o) = try JSONParser().parse(#"{"z": 1, "a": [true], "m": {}}"#) else { Issue.record("not an object"); return }
        #expect(o.keys == ["z", "a", "m"])
        #expect(o["a"]?.arrayElements?.count == 1)
    }

    @Test func numberArraysArePacked() throws {
        let v = try JSONParser().parse("[1, -2, 3e0, \"NaN\", 4.5, \"-Infinity\"]")
        guard let a = v.numberArray else { Issue.record("not packed"); return }
        #expect(a.count == 6)
        #expect(a.integers == nil)
        #expect(a.firstNonInteger == 2)
        #expect(a.nonFiniteStrings == [3, 5])
        #expect(a.doubles[3].isNaN && a.doubles[5] == -.infinity && a.doubles[4] == 4.5)
        let ints = try JSONParser().parse("[9223372036854775807,-9223372036854775808,0]").numberArray
        #expect(ints?.integers == [.max, .min, 0])
        // Mixed arrays fall back to the general representation.
        guard case .array(let mixed) = try JSONParser().parse("[1, 2, \"x\"]") else { Issue.record("packed"); return }
        #expect(mixed.count == 3)
    }

    @Test func writerPlacesCommasAndGrows() throws {
        var w = JSONWriter(capacity: 1)
        w.beginObject()
        w.key("a"); w.rawValue(Array("[1,2]".utf8))
        w.key("b"); w.int(-3)
        w.key("c"); w.beginArray(); w.float(2); w.float(.infinity); w.null(); w.bool(false); w.endArray()
        w.key("d"); w.floats((0..<5000).map { Float($0) / 8 })
        w.endObject()
        let parsed = try JSONParser().parse(w.finish())
        #expect(parsed["d"]?.numberArray?.doubles == (0..<5000).map { Double($0) / 8 })
        #expect(String(decoding: w.finish().prefix(55), as: UTF8.self) == #"{"a":[1,2],"b":-3,"c":[2.0,"Infinity",null,false],"d":["#)
    }

    @Test func writerRoundTripsParsedDocuments() throws {
        let text = #"{"a":[1,2.5,"NaN"],"b":{"c":null,"d":[true,false]},"e":"x\"y\\z\n\u0001é","f":[],"g":7.0}"#
        var w = JSONWriter()
        w.value(try JSONParser().parse(text))
        #expect(String(decoding: w.finish(), as: UTF8.self) == text)
    }
}

extension WireError.Location: CustomStringConvertible {
    public var description: String { "offset \(offset), line \(line), column \(column)" }
}
