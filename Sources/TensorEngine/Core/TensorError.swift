/// A user error raised by an op, in one of the four categories of the op spec.
/// Every message names what was wrong and what would be accepted.
public struct TensorError: Error, Equatable, CustomStringConvertible, Sendable {
    /// `limit`: the result would exceed a configured size limit (see `ElementLimit`).
    public enum Kind: String, Sendable { case shape, dim, dtype, value, limit }
    public let kind: Kind
    public let message: String
    /// The op argument at fault, when one is (so an API can point at it).
    public let argument: String?

    public init(_ kind: Kind, _ message: String, argument: String? = nil) {
        self.kind = kind
        self.message = message
        self.argument = argument
    }

    public var description: String { "\(kind) error: \(message)" }

    public static func shape(_ m: String) -> TensorError { TensorError(.shape, m) }
    public static func dim(_ m: String) -> TensorError { TensorError(.dim, m) }
    public static func dtype(_ m: String) -> TensorError { TensorError(.dtype, m) }
    public static func value(_ m: String) -> TensorError { TensorError(.value, m) }
}
