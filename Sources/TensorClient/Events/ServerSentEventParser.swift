/// One Server-Sent Event as dispatched by ``ServerSentEventParser``.
public struct ServerSentEvent: Sendable, Equatable {
    /// The `event` field, `message` when the event had none.
    public var type: String
    /// The `data` lines joined by newlines.
    public var data: String
    /// The last event ID when the event was dispatched (it persists across events, as the
    /// spec says); `""` when none has been set.
    public var lastEventID: String

    public init(type: String = "message", data: String, lastEventID: String = "") {
        self.type = type
        self.data = data
        self.lastEventID = lastEventID
    }
}

/// The `text/event-stream` interpretation of the WHATWG HTML standard (§9.2.6), as a pure
/// parser: bytes in (in chunks of any size), events out.
///
/// Lines end with CRLF, LF or CR (a CR at the end of one chunk and an LF at the start of the
/// next are one line end). A line starting with `:` is a comment. `field: value` drops one
/// space after the colon; a line without a colon is a field with an empty value. `event` sets
/// the type, `data` appends a line, `id` sets the last event ID (unless it contains NUL),
/// `retry` sets the reconnection time (digits only), anything else is ignored. An empty line
/// dispatches the event, unless no data was given; an event cut off by the end of the stream
/// is discarded. A leading byte order mark is skipped.
///
/// ```swift
/// var parser = ServerSentEventParser()
/// let events = parser.feed(Array("id: 1\nevent: status\ndata: {\"a\":1}\n\n".utf8))
/// // [ServerSentEvent(type: "status", data: "{\"a\":1}", lastEventID: "1")]
/// ```
public struct ServerSentEventParser: Sendable {
    /// The reconnection time the stream asked for with `retry`, in milliseconds.
    public private(set) var retryMilliseconds: Int?
    /// The last event ID buffer: what a reconnect sends as `Last-Event-ID`.
    public private(set) var lastEventID = ""
    /// Comment lines seen (heartbeats), for liveness checks.
    public private(set) var comments = 0

    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var eventType = ""
    private var lastWasCR = false
    private var atStart = true

    public init(lastEventID: String = "") {
        self.lastEventID = lastEventID
    }

    /// Parses the next bytes of the stream and returns the events they complete.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        for b in bytes {
            if lastWasCR {
                lastWasCR = false
                if b == 0x0A { continue }   // the LF of a CRLF
            }
            switch b {
            case 0x0A:
                if let e = endLine() { events.append(e) }
            case 0x0D:
                lastWasCR = true
                if let e = endLine() { events.append(e) }
            default:
                line.append(b)
            }
        }
        return events
    }

    private mutating func endLine() -> ServerSentEvent? {
        defer { line.removeAll(keepingCapacity: true) }
        if atStart {
            atStart = false
            if line.starts(with: [0xEF, 0xBB, 0xBF]) { line.removeFirst(3) }
        }
        if line.isEmpty { return dispatch() }
        if line[0] == UInt8(ascii: ":") {
            comments += 1
            return nil
        }
        let field: ArraySlice<UInt8>
        var value: ArraySlice<UInt8>
        if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
            field = line[..<colon]
            value = line[(colon + 1)...]
            if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        } else {
            field = line[...]
            value = []
        }
        switch String(decoding: field, as: UTF8.self) {
        case "event":
            eventType = String(decoding: value, as: UTF8.self)
        case "data":
            data.append(contentsOf: value)
            data.append(0x0A)
            hasData = true
        case "id":
            if !value.contains(0) { lastEventID = String(decoding: value, as: UTF8.self) }
        case "retry":
            if !value.isEmpty, value.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
                retryMilliseconds = Int(String(decoding: value, as: UTF8.self))
            }
        default:
            break
        }
        return nil
    }

    private mutating func dispatch() -> ServerSentEvent? {
        defer {
            data.removeAll(keepingCapacity: true)
            hasData = false
            eventType = ""
        }
        guard hasData else { return nil }
        if data.last == 0x0A { data.removeLast() }
        return ServerSentEvent(type: eventType.isEmpty ? "message" : eventType,
                               data: String(decoding: data, as: UTF8.self), lastEventID: lastEventID)
    }
}
