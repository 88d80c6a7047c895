/// The request-line and field section (RFC 9112 §2–§5), and the framing decided from them (§6).
extension RequestParser {
    /// The head at the start of `bytes`, or nil while its empty line has not arrived.
    func parseHead(_ bytes: UnsafeBufferPointer<UInt8>) throws(HTTPError) -> Head? {
        // §2.2: a server SHOULD ignore at least one empty line (CRLF) received before the request-line.
        var start = 0
        while start + 1 < bytes.count, bytes[start] == ASCII.cr, bytes[start + 1] == ASCII.lf { start += 2 }
        guard start <= limits.maxRequestLineBytes else {
            throw .badRequest(.invalidRequestLine, "too many empty lines before the request-line")
        }
        // The line may hold maxRequestLineBytes, then CR LF.
        guard let lineFeed = Self.firstLF(in: bytes, from: start, end: start + limits.maxRequestLineBytes + 2) else {
            guard bytes.count - start <= limits.maxRequestLineBytes + 1 else { throw Self.requestLineTooLong(limits) }
            return nil
        }
        // §2.2: lines end in CRLF; a bare LF or bare CR is not accepted (either can be used to smuggle).
        guard lineFeed > start, bytes[lineFeed - 1] == ASCII.cr else {
            throw .badRequest(.invalidRequestLine, "the request-line must end with CRLF")
        }
        guard lineFeed - 1 - start <= limits.maxRequestLineBytes else { throw Self.requestLineTooLong(limits) }
        let (method, target, version) = try parseRequestLine(bytes, start, lineFeed - 1)
        guard let (headers, end) = try parseFields(bytes, from: lineFeed + 1, trailers: false) else { return nil }
        return try head(method: method, target: target, version: version, headers: headers, length: end)
    }

    /// §3: request-line = method SP request-target SP HTTP-version, single spaces, nothing else.
    private func parseRequestLine(
        _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int
    ) throws(HTTPError) -> (HTTPMethod, String, HTTPVersion) {
        var index = start
        while index < end, ASCII.isTokenChar(bytes[index]) { index += 1 }
        // §3.1: method = token.
        guard index > start, index < end, bytes[index] == ASCII.space else {
            throw .badRequest(.invalidRequestLine, "the request-line must start with a method token and one space")
        }
        let method = HTTPMethod(rawValue: Self.string(bytes, start, index))
        let targetStart = index + 1
        index = targetStart
        while index < end, ASCII.isTargetChar(bytes[index]) { index += 1 }
        guard index > targetStart, index < end, bytes[index] == ASCII.space else {
            throw .badRequest(.invalidRequestLine, "the request-target must be visible ASCII followed by one space")
        }
        let target = Self.string(bytes, targetStart, index)
        // §2.3: HTTP-version = HTTP-name "/" DIGIT "." DIGIT, HTTP-name case-sensitive.
        let version = UnsafeBufferPointer(rebasing: bytes[(index + 1)..<end])
        guard version.count == 8, version.starts(with: "HTTP/".utf8), ASCII.isDigit(version[5]),
              version[6] == UInt8(ascii: "."), ASCII.isDigit(version[7])
        else { throw .badRequest(.invalidRequestLine, "the request-line must end with HTTP/1.1 or HTTP/1.0") }
        switch (version[5], version[7]) {
        case (UInt8(ascii: "1"), UInt8(ascii: "1")): return (method, target, .http1_1)
        case (UInt8(ascii: "1"), UInt8(ascii: "0")): return (method, target, .http1_0)
        default:
            throw HTTPError(.versionNotSupported, status: .httpVersionNotSupported,
                            message: "only HTTP/1.0 and HTTP/1.1 are supported")
        }
    }

    /// §5: field lines up to and including the empty line, or nil while it has not arrived.
    /// Also reads a chunked body's trailer section (§7.1.2), which has the same syntax and limits.
    func parseFields(
        _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, trailers: Bool
    ) throws(HTTPError) -> (HTTPHeaders, end: Int)? {
        let limitEnd = start + limits.maxHeaderBytes
        var fields: [HTTPHeaders.Field] = []
        fields.reserveCapacity(8)
        var lineStart = start
        while true {
            guard let lineFeed = Self.firstLF(in: bytes, from: lineStart, end: limitEnd) else {
                guard bytes.count < limitEnd else { throw Self.headersTooLarge(limits, trailers) }
                return nil
            }
            // §2.2: CRLF only.
            guard lineFeed > lineStart, bytes[lineFeed - 1] == ASCII.cr else {
                throw .badRequest(.invalidHeader, "header lines must end with CRLF")
            }
            let lineEnd = lineFeed - 1
            if lineEnd == lineStart { return (HTTPHeaders(fields), lineFeed + 1) }
            // §5.2: obs-fold (a line starting with whitespace) is rejected with 400; so is whitespace
            // between the start-line and the first field (§2.2).
            guard bytes[lineStart] != ASCII.space, bytes[lineStart] != ASCII.tab else {
                throw .badRequest(.invalidHeader, "folded header lines (obs-fold) are not accepted")
            }
            // §5.1: field-name ":" OWS field-value OWS; no whitespace between name and colon.
            var colon = lineStart
            while colon < lineEnd, ASCII.isTokenChar(bytes[colon]) { colon += 1 }
            guard colon > lineStart, colon < lineEnd, bytes[colon] == ASCII.colon else {
                throw .badRequest(.invalidHeader, "a header line must be a token name, a colon (no space before it), and a value")
            }
            var valueStart = colon + 1
            var valueEnd = lineEnd
            while valueStart < valueEnd, bytes[valueStart] == ASCII.space || bytes[valueStart] == ASCII.tab { valueStart += 1 }
            while valueEnd > valueStart, bytes[valueEnd - 1] == ASCII.space || bytes[valueEnd - 1] == ASCII.tab { valueEnd -= 1 }
            // §5.5: no NUL, CR, LF or other controls in a value.
            for index in valueStart..<valueEnd where !ASCII.isFieldValueChar(bytes[index]) {
                throw .badRequest(.invalidHeader, "header values must not contain control characters")
            }
            guard fields.count < limits.maxHeaderCount else { throw Self.headersTooLarge(limits, trailers) }
            fields.append((Self.string(bytes, lineStart, colon), Self.string(bytes, valueStart, valueEnd)))
            lineStart = lineFeed + 1
        }
    }

    /// The fields that decide a head's semantics, gathered in one pass over the field section (most requests
    /// have one Host and at most one Content-Length, so nothing here allocates for them).
    private struct FramingFields {
        var hosts = FieldValues()
        var transferEncodings = FieldValues()
        var contentLengths = FieldValues()
        var expectations = FieldValues()

        init(_ headers: HTTPHeaders) {
            for field in headers {
                switch field.name.utf8.count {
                case 4 where HTTPHeaders.namesEqual(field.name, "Host"): hosts.append(field.value)
                case 6 where HTTPHeaders.namesEqual(field.name, "Expect"): expectations.append(field.value)
                case 14 where HTTPHeaders.namesEqual(field.name, "Content-Length"): contentLengths.append(field.value)
                case 17 where HTTPHeaders.namesEqual(field.name, "Transfer-Encoding"): transferEncodings.append(field.value)
                default: break
                }
            }
        }
    }

    /// The values of one field name: the first inline, any others in an array.
    private struct FieldValues {
        private(set) var first: String?
        private var rest: [String] = []

        var count: Int { first == nil ? 0 : 1 + rest.count }
        var isEmpty: Bool { first == nil }

        mutating func append(_ value: String) {
            if first == nil { first = value } else { rest.append(value) }
        }

        /// The comma-separated list elements of every value (RFC 9110 §5.6.1), in order.
        func forEachElement(omittingEmpty: Bool, _ body: (Substring) throws(HTTPError) -> Void) throws(HTTPError) {
            guard let first else { return }
            for value in CollectionOfOne(first) + rest {
                for element in value.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: omittingEmpty) {
                    try body(Substring(element))
                }
            }
        }
    }

    /// The semantics of a complete head: Host (§3.2), target form, framing (§6) and Expect.
    private func head(
        method: HTTPMethod, target: String, version: HTTPVersion, headers: HTTPHeaders, length: Int
    ) throws(HTTPError) -> Head {
        let fields = FramingFields(headers)
        // §3.2: 400 for an HTTP/1.1 request without Host, for more than one Host, or for an invalid one.
        guard fields.hosts.count <= 1, version == .http1_0 || fields.hosts.count == 1 else {
            throw .badRequest(.invalidHost, "an HTTP/1.1 request needs exactly one Host header")
        }
        if var host = fields.hosts.first, !host.withUTF8({ $0.allSatisfy(Self.isHostChar) }) {
            throw .badRequest(.invalidHost, "the Host header is not a valid host[:port]")
        }
        let parts = try RequestTarget.parse(target, method: method)
        let request = Request(
            method: method, target: target, path: parts.path, query: parts.query, version: version,
            headers: headers, host: parts.authority ?? fields.hosts.first
        )
        return Head(request: request, framing: try framing(fields, version),
                    expectsContinue: try expectsContinue(fields.expectations, version), length: length)
    }

    /// §6.3: how the body length is determined.
    private func framing(_ fields: FramingFields, _ version: HTTPVersion) throws(HTTPError) -> Framing {
        if !fields.transferEncodings.isEmpty {
            // §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
            guard version == .http1_1 else {
                throw .badRequest(.invalidFraming, "Transfer-Encoding is not defined for HTTP/1.0")
            }
            // §6.1 and §6.3 ¶3: both Content-Length and Transfer-Encoding is a smuggling attempt; reject.
            guard fields.contentLengths.isEmpty else {
                throw .badRequest(.invalidFraming, "a request must not carry both Content-Length and Transfer-Encoding")
            }
            var codings: [String] = []
            try fields.transferEncodings.forEachElement(omittingEmpty: true) { element in
                let name = element.prefix { $0 != ";" }.trimmingOWS
                if !name.isEmpty { codings.append(name.lowercased()) }
            }
            // §6.3 ¶4: chunked must be the final coding, else the length cannot be determined: 400.
            // §7.1: chunked must not be applied more than once.
            guard codings.last == "chunked", codings.filter({ $0 == "chunked" }).count == 1 else {
                throw .badRequest(.invalidFraming, "Transfer-Encoding must end with a single 'chunked'")
            }
            // §6.1: a transfer coding the server does not understand is answered 501.
            guard codings.count == 1 else {
                throw HTTPError(.unsupportedTransferCoding, status: .notImplemented,
                                message: "only the chunked transfer coding is supported")
            }
            return .chunked
        }
        guard !fields.contentLengths.isEmpty else { return .none }  // §6.3 ¶7: no body.
        // RFC 9110 §8.6: Content-Length = 1*DIGIT; a list of identical values may be accepted, differing ones
        // are an error (§6.3 ¶5).
        var length: Int?
        try fields.contentLengths.forEachElement(omittingEmpty: false) { element throws(HTTPError) in
            let digits = element.utf8.trimmingOWS
            guard !digits.isEmpty, digits.allSatisfy(ASCII.isDigit) else {
                throw .badRequest(.invalidContentLength, "Content-Length must be digits only")
            }
            guard let value = Self.decimal(digits) else { throw Self.payloadTooLarge(limits) }
            guard length == nil || length == value else {
                throw .badRequest(.invalidContentLength, "Content-Length values differ")
            }
            length = value
        }
        guard let length, length <= limits.maxBodyBytes else { throw Self.payloadTooLarge(limits) }
        return length == 0 ? .none : .length(length)
    }

    /// RFC 9110 §10.1.1: `100-continue` is the only expectation; anything else may be answered 417. A server
    /// must not send 100 to an HTTP/1.0 client.
    private func expectsContinue(_ expectations: FieldValues, _ version: HTTPVersion) throws(HTTPError) -> Bool {
        var any = false
        try expectations.forEachElement(omittingEmpty: true) { element throws(HTTPError) in
            guard HTTPHeaders.bytesEqualIgnoringCase(element.trimmingOWS.utf8, "100-continue".utf8) else {
                throw HTTPError(.expectationFailed, status: .expectationFailed, message: "only 'Expect: 100-continue' is supported")
            }
            any = true
        }
        return any && version == .http1_1
    }

    /// RFC 3986 §3.2.2–3.2.3 host [":" port]: unreserved, sub-delims, ":", "[", "]" and "%".
    private static func isHostChar(_ byte: UInt8) -> Bool { hostTable[Int(byte)] }

    private static let hostTable: [Bool] = (0..<256).map { byte in
        let byte = UInt8(byte)
        return byte < 0x80 && (ASCII.isDigit(byte) || ASCII.lowercased(byte) &- UInt8(ascii: "a") < 26
            || "-._~!$&'()*+,;=:[]%".utf8.contains(byte))
    }

    /// The value of ASCII digits, or nil when it does not fit an `Int`.
    private static func decimal(_ digits: Substring.UTF8View) -> Int? {
        var value = 0
        for digit in digits {
            let (times10, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(digit &- UInt8(ascii: "0")))
            if overflow || overflow2 { return nil }
            value = sum
        }
        return value
    }

    static func string(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    }

    static func payloadTooLarge(_ limits: ParserLimits) -> HTTPError {
        HTTPError(.payloadTooLarge, status: .payloadTooLarge, message: "the body exceeds \(limits.maxBodyBytes) bytes")
    }

    private static func requestLineTooLong(_ limits: ParserLimits) -> HTTPError {
        HTTPError(.requestLineTooLong, status: .uriTooLong,
                  message: "the request-line exceeds \(limits.maxRequestLineBytes) bytes")
    }

    private static func headersTooLarge(_ limits: ParserLimits, _ trailers: Bool) -> HTTPError {
        HTTPError(.headersTooLarge, status: .requestHeaderFieldsTooLarge,
                  message: "the \(trailers ? "trailer" : "header") section exceeds \(limits.maxHeaderBytes) bytes or \(limits.maxHeaderCount) fields")
    }
}
