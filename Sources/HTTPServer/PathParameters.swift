/// The values a route's `{name}` segments matched, percent-decoded.
public struct PathParameters: Sendable, Equatable {
    private var values: [String: String]

    public init(_ values: [String: String] = [:]) {
        self.values = values
    }

    public subscript(name: String) -> String? { values[name] }

    public var isEmpty: Bool { values.isEmpty }
}
