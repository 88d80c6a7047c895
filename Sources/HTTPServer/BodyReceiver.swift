/// Takes a request body into memory of its own instead of `Request.body`, so a large body goes from the socket
/// straight to where its handler keeps it (a tensor's storage) with no copy and no array of its size.
///
/// A route offers one for a request whose head has arrived (`Router.add(_:_:receiver:_:)`); the server asks it
/// only for a body framed by `Content-Length` that did not arrive with the head. It is shown the body's first
/// bytes, and asked again as more arrive while it answers `.needMore`. Once it places the body, the server reads
/// the rest into its memory and calls the handler with the receiver in `Request.bodyReceiver` and an empty
/// `body`. When it declines, the body is read into `Request.body` as usual, so a receiver that finds the first
/// bytes wrong declines and lets the handler refuse the whole body as it would any other.
///
/// A receiver is used by one connection at a time and then by the handler, never concurrently.
public protocol BodyReceiver: AnyObject, Sendable {
    /// Where the body goes, from its first bytes (`prefix`: what has arrived, perhaps nothing, never more than
    /// the body) and its length (its `Content-Length`, within the body limit).
    func place(prefix: UnsafeRawBufferPointer, bodyLength: Int) -> BodyPlacement
}
