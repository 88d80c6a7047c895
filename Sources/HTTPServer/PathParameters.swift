/// The values a route's `{name}` segments matched, percent-decoded.
///
/// Kept as the route's names beside the matched values, in path order, rather than in a dictionary: a route has
/// one or two parameters, and hashing them into a fresh dictionary on every request was part of routing's cost
/// (perf, issue 19).
public struct PathParameters: Sendable, Equatable {
    private var names: [String]
    private var values: [String]

    public init(_ values: [String: String] = [:]) {
        names = Array(values.keys)
        self.values = names.map { values[$0]! }
    }

    /// `names[i]` matched `values[i]`; the router passes the route's names and the values it decoded.
    init(names: [String], values: [String]) {
        self.names = names
        self.values = values
    }

    public subscript(name: String) -> String? {
        names.firstIndex(of: name).map { values[$0] }
    }

    public var isEmpty: Bool { names.isEmpty }

    /// The same names with the same values, whatever their order.
    public static func == (lhs: PathParameters, rhs: PathParameters) -> Bool {
        lhs.names.count == rhs.names.count && zip(lhs.names, lhs.values).allSatisfy { rhs[$0] == $1 }
    }
}
