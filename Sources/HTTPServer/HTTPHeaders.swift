/// Header (or trailer) fields in the order received, duplicates kept (RFC 9110 §5.2–5.3).
/// Names compare case-insensitively (§5.1); values are kept exactly as received, without surrounding whitespace.
///
/// ```swift
/// var headers: HTTPHeaders = ["Content-Type": "application/json"]
/// headers.add("Set-Cookie", "a=1")
/// headers["content-type"]  // "application/json"
/// ```
public struct HTTPHeaders: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    public typealias Field = (name: String, value: String)

    public private(set) var fields: [Field]

    public init() { fields = [] }

    public init(_ fields: [Field]) { self.fields = fields }

    public init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { (name: $0.0, value: $0.1) }
    }

    public var count: Int { fields.count }
    public var isEmpty: Bool { fields.isEmpty }

    /// The first value of `name`, or nil. Setting replaces every field of that name (nil removes them).
    public subscript(name: String) -> String? {
        get { fields.first { Self.namesEqual($0.name, name) }?.value }
        set {
            if let newValue { set(name, newValue) } else { remove(name) }
        }
    }

    /// Every value of `name`, in order.
    public func values(for name: String) -> [String] {
        fields.compactMap { Self.namesEqual($0.name, name) ? $0.value : nil }
    }

    public func contains(_ name: String) -> Bool {
        fields.contains { Self.namesEqual($0.name, name) }
    }

    /// Appends a field, keeping any existing fields of the same name.
    public mutating func add(_ name: String, _ value: String) {
        fields.append((name: name, value: value))
    }

    /// Replaces every field named `name` by one field, at the position of the first one (or at the end).
    public mutating func set(_ name: String, _ value: String) {
        if let index = fields.firstIndex(where: { Self.namesEqual($0.name, name) }) {
            fields[index].value = value
            fields = fields.enumerated().compactMap { position, field in
                position > index && Self.namesEqual(field.name, name) ? nil : field
            }
        } else {
            add(name, value)
        }
    }

    public mutating func remove(_ name: String) {
        fields.removeAll { Self.namesEqual($0.name, name) }
    }

    /// True when a comma-separated list field (RFC 9110 §5.6.1) contains `token`, case-insensitively.
    public func containsToken(_ token: String, in name: String) -> Bool {
        fields.contains { field in
            Self.namesEqual(field.name, name) && field.value.utf8.split(separator: UInt8(ascii: ",")).contains { element in
                Self.bytesEqualIgnoringCase(element.trimmingOWS, token.utf8)
            }
        }
    }

    public func makeIterator() -> IndexingIterator<[Field]> { fields.makeIterator() }

    public var description: String { fields.map { "\($0.name): \($0.value)" }.joined(separator: "\n") }

    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields.count == rhs.fields.count
            && zip(lhs.fields, rhs.fields).allSatisfy { namesEqual($0.name, $1.name) && $0.value == $1.value }
    }

    /// ASCII case-insensitive comparison without allocating (field names are tokens, RFC 9110 §5.1).
    static func namesEqual(_ a: String, _ b: String) -> Bool {
        bytesEqualIgnoringCase(a.utf8, b.utf8)
    }

    /// ASCII case-insensitive comparison of two byte sequences; on contiguous UTF-8 (native strings, the
    /// common case) a plain loop over the bytes.
    static func bytesEqualIgnoringCase(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        let contiguous = a.withContiguousStorageIfAvailable { a in
            b.withContiguousStorageIfAvailable { b in
                for index in 0..<a.count where ASCII.lowercased(a[index]) != ASCII.lowercased(b[index]) { return false }
                return true
            }
        }
        if let contiguous, let equal = contiguous { return equal }
        return a.elementsEqual(b) { ASCII.lowercased($0) == ASCII.lowercased($1) }
    }
}

extension Substring {
    /// Without leading and trailing optional whitespace (SP / HTAB, RFC 9110 §5.6.3).
    var trimmingOWS: Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result.removeFirst() }
        while let last = result.last, last == " " || last == "\t" { result.removeLast() }
        return result
    }
}

extension Substring.UTF8View {
    /// Without leading and trailing optional whitespace (SP / HTAB, RFC 9110 §5.6.3).
    var trimmingOWS: Substring.UTF8View {
        var result = self
        while let first = result.first, first == ASCII.space || first == ASCII.tab { result.removeFirst() }
        while let last = result.last, last == ASCII.space || last == ASCII.tab { result.removeLast() }
        return result
    }
}
