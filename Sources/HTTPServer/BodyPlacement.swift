/// Where a `BodyReceiver` puts a request body, decided from its first bytes.
public enum BodyPlacement {
    /// Ask again with more of the body (up to `BodyPlacement.maxPrefixBytes` of it; beyond, it is declined).
    case needMore
    /// The body's bytes from offset `from` on go into `memory`, exactly `bodyLength - from` bytes, which must stay
    /// valid while the receiver lives; the bytes before `from` were the receiver's to take from `prefix`, and
    /// `from` is at most `prefix.count`. A placement that breaks these rules is taken as `.decline`.
    case into(UnsafeMutableRawBufferPointer, from: Int)
    /// Read the body into `Request.body` as usual.
    case decline

    /// The most of a body a receiver may see before it must place it: enough for any file header it needs (a
    /// `.npy` header is at most 10 KB), small enough to wait for in the connection's read buffer.
    public static let maxPrefixBytes = 16 * 1024
}
