/// The parts of a request-target (RFC 9112 §3.2), percent-decoded.
struct RequestTarget: Equatable {
    var path: String
    var query: [QueryItem]
    /// The authority of an absolute-form target.
    var authority: String?

    /// Parses `target`, already checked to hold only visible ASCII.
    static func parse(_ target: String, method: HTTPMethod) throws(HTTPError) -> RequestTarget {
        // §3.2.4: the asterisk-form "*" is only used with OPTIONS.
        if target.utf8.count == 1, target.utf8.first == UInt8(ascii: "*") {
            guard method == .options else { throw .badRequest(.invalidTarget, "'*' is only a target for OPTIONS") }
            return RequestTarget(path: "*", query: [], authority: nil)
        }
        // The grammar of every form ends before a fragment (RFC 9112 §3.2); a '#' is never sent.
        guard !target.utf8.contains(UInt8(ascii: "#")) else { throw .badRequest(.invalidTarget, "a request-target has no fragment") }
        var rest = Substring(target)
        var authority: String?
        if rest.utf8.first != UInt8(ascii: "/") {
            // §3.2.2 absolute-form: scheme "://" authority path-abempty ["?" query], for http and https.
            guard let schemeEnd = rest.range(of: "://"),
                  ["http", "https"].contains(rest[..<schemeEnd.lowerBound].lowercased())
            else { throw .badRequest(.invalidTarget, "the request-target must start with '/' or be an absolute http URI") }
            rest = rest[schemeEnd.upperBound...]
            let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
            authority = String(rest[..<authorityEnd])
            guard let authority, !authority.isEmpty, !authority.contains("@") else {
                throw .badRequest(.invalidTarget, "the absolute-form target needs a host and no userinfo")
            }
            rest = rest[authorityEnd...]
        }
        let queryStart = rest.utf8.firstIndex(of: UInt8(ascii: "?"))
        let rawPath = rest[..<(queryStart ?? rest.endIndex)]
        // RFC 9110 §4.2.3: an empty path in an http URI means "/".
        let path = rawPath.isEmpty ? "/" : try percentDecoded(rawPath, plusIsSpace: false)
        var query: [QueryItem] = []
        if let queryStart {
            for pair in rest[rest.index(after: queryStart)...].split(separator: "&", omittingEmptySubsequences: true) {
                let equals = pair.firstIndex(of: "=")
                let name = try percentDecoded(pair[..<(equals ?? pair.endIndex)], plusIsSpace: true)
                var value = ""
                if let equals { value = try percentDecoded(pair[pair.index(after: equals)...], plusIsSpace: true) }
                query.append(QueryItem(name: name, value: value))
            }
        }
        return RequestTarget(path: path, query: query, authority: authority)
    }

    /// Decodes `%XX` escapes (RFC 3986 §2.1); in a query, `+` is a space as in form encoding
    /// (WHATWG URL "application/x-www-form-urlencoded"). The result must be UTF-8 without NUL.
    static func percentDecoded(_ text: Substring, plusIsSpace: Bool) throws(HTTPError) -> String {
        let utf8 = text.utf8
        guard utf8.contains(where: { $0 == UInt8(ascii: "%") || (plusIsSpace && $0 == UInt8(ascii: "+")) }) else {
            return String(text)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var index = utf8.startIndex
        while index != utf8.endIndex {
            let byte = utf8[index]
            utf8.formIndex(after: &index)
            if byte == UInt8(ascii: "+"), plusIsSpace {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%") {
                guard index != utf8.endIndex, let high = ASCII.hexValue(utf8[index]),
                      utf8.index(after: index) != utf8.endIndex,
                      let low = ASCII.hexValue(utf8[utf8.index(after: index)])
                else { throw .badRequest(.invalidTarget, "'%' must be followed by two hex digits") }
                let decoded = UInt8(high << 4 | low)
                guard decoded != 0 else { throw .badRequest(.invalidTarget, "the target decodes to a NUL byte") }
                bytes.append(decoded)
                utf8.formIndex(&index, offsetBy: 2)
            } else {
                bytes.append(byte)
            }
        }
        guard let string = String(validating: bytes, as: UTF8.self) else {
            throw .badRequest(.invalidTarget, "the target does not decode to UTF-8")
        }
        return string
    }
}
