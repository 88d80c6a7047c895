import Foundation

/// A failed socket call, with the operation and `errno`.
public struct SocketError: Error, CustomStringConvertible {
    public let operation: String
    public let code: Int32

    init(_ operation: String, code: Int32 = errno) {
        self.operation = operation
        self.code = code
    }

    public var description: String { "\(operation) failed: \(String(cString: strerror(code)))" }
}
