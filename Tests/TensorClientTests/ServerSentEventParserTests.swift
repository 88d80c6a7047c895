import Testing
@testable import TensorClient

/// The WHATWG `text/event-stream` rules, one case per line where it fits.
struct ServerSentEventParserTests {
    func parse(_ text: String) -> [ServerSentEvent] {
        var p = ServerSentEventParser()
        return p.feed(Array(text.utf8))
    }

    @Test func fieldsAndDispatch() {
        #expect(parse("data: hello\n\n") == [ServerSentEvent(data: "hello")])
        #expect(parse("event: status\ndata: {}\nid: 7\n\n") == [ServerSentEvent(type: "status", data: "{}", lastEventID: "7")])
        #expect(parse("data: a\ndata: b\n\n") == [ServerSentEvent(data: "a\nb")], "data lines join with LF")
        #expect(parse("data:no-space\n\n") == [ServerSentEvent(data: "no-space")])
        #expect(parse("data:  two\n\n") == [ServerSentEvent(data: " two")], "only one leading space is dropped")
        #expect(parse("data\n\n") == [ServerSentEvent(data: "")], "a line without a colon is a field with an empty value")
        #expect(parse("data:\ndata:\n\n") == [ServerSentEvent(data: "\n")])
        #expect(parse("event: x\n\n").isEmpty, "no data, no event")
        #expect(parse("data: a\n\nevent: only-type\n\ndata: b\n\n").map(\.type) == ["message", "message"], "the type resets after each dispatch")
        #expect(parse("data: cut off").isEmpty, "an event without its blank line is discarded")
        #expect(parse("unknown: x\ndata: y\n\n") == [ServerSentEvent(data: "y")])
        #expect(parse("data: a:b:c\n\n") == [ServerSentEvent(data: "a:b:c")])
    }

    @Test func lineEndings() {
        let expected = [ServerSentEvent(type: "t", data: "1\n2")]
        #expect(parse("event: t\ndata: 1\ndata: 2\n\n") == expected)
        #expect(parse("event: t\r\ndata: 1\r\ndata: 2\r\n\r\n") == expected)
        #expect(parse("event: t\rdata: 1\rdata: 2\r\r") == expected)
        #expect(parse("event: t\r\ndata: 1\rdata: 2\n\r\n") == expected)
    }

    @Test func commentsAndBOM() {
        var p = ServerSentEventParser()
        #expect(p.feed(Array(": heartbeat\n\n".utf8)).isEmpty)
        #expect(p.comments == 1)
        #expect(parse("\u{FEFF}data: x\n\n") == [ServerSentEvent(data: "x")])
        #expect(parse(":data: hidden\n\n").isEmpty)
    }

    @Test func idPersistsAndRetryTakesDigitsOnly() {
        #expect(parse("id: 5\ndata: a\n\ndata: b\n\n").map(\.lastEventID) == ["5", "5"], "the last event ID persists")
        #expect(parse("id: 5\ndata: a\n\nid\ndata: b\n\n").map(\.lastEventID) == ["5", ""], "an empty id resets it")
        #expect(parse("id: 5\ndata: a\n\nid: 6\u{0}\ndata: b\n\n").map(\.lastEventID) == ["5", "5"], "an id with NUL is ignored")
        var p = ServerSentEventParser(lastEventID: "41")
        _ = p.feed(Array("retry: 1500\n".utf8))
        #expect(p.retryMilliseconds == 1500)
        _ = p.feed(Array("retry: 15x\nretry: -1\nretry:\n".utf8))
        #expect(p.retryMilliseconds == 1500)
        #expect(p.lastEventID == "41", "a resumed parser starts from the ID it was given")
    }

    /// Every split of a stream into two chunks gives the same events, CR/LF pairs included.
    @Test func everySplitGivesTheSameEvents() {
        let text = "\u{FEFF}: hi\r\nid: 1\r\nevent: status\r\ndata: {\"a\":1}\r\n\r\nid: 2\rdata: x\rdata: y\r\r"
        let bytes = Array(text.utf8)
        let whole = parse(text)
        #expect(whole.count == 2)
        for cut in 0...bytes.count {
            var p = ServerSentEventParser()
            let events = p.feed(bytes[..<cut]) + p.feed(bytes[cut...])
            #expect(events == whole, "split at \(cut)")
        }
        var p = ServerSentEventParser()
        #expect(bytes.flatMap { p.feed([$0]) } == whole, "one byte at a time")
    }
}
