/// An error that knows which HTTP response it deserves. Throw one from a handler and the server renders it
/// through the configured `HTTPErrorRenderer`, wrapped in an `HTTPError` whose `underlying` is this error.
///
/// ```swift
/// struct JobNotFound: HTTPResponseError {
///     var status: HTTPStatus { .notFound }
///     var message: String { "no job with that id" }
/// }
/// ```
public protocol HTTPResponseError: Error {
    var status: HTTPStatus { get }
    /// Extra response headers, such as `Retry-After` or `Allow`.
    var headers: HTTPHeaders { get }
    /// A message a person can act on.
    var message: String { get }
}

extension HTTPResponseError {
    public var headers: HTTPHeaders { [:] }
    public var message: String { status.reasonPhrase }
}
