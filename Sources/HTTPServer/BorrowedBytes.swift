/// Bytes in memory that `owner` keeps valid and unchanged for as long as it lives, sent as they are.
public struct BorrowedBytes: @unchecked Sendable {
    public let bytes: UnsafeRawBufferPointer
    public let owner: AnyObject & Sendable

    public init(_ bytes: UnsafeRawBufferPointer, owner: AnyObject & Sendable) {
        self.bytes = bytes
        self.owner = owner
    }

    /// The bytes from `offset` on, kept by the same owner.
    func dropFirst(_ offset: Int) -> BorrowedBytes {
        BorrowedBytes(UnsafeRawBufferPointer(rebasing: bytes[offset...]), owner: owner)
    }
}
