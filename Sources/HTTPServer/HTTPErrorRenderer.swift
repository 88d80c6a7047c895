/// Turns any `HTTPError` into the response the client sees: the one place where error bodies are rendered.
/// The service installs a renderer producing RFC 9457 problem+json; the default renders plain text.
///
/// The server adds the error's own `headers` (such as `Allow` or `Retry-After`) when the rendered response
/// does not already set them, and owns the framing headers.
public struct HTTPErrorRenderer: Sendable {
    public let render: @Sendable (HTTPError) -> Response

    public init(_ render: @escaping @Sendable (HTTPError) -> Response) {
        self.render = render
    }

    /// `404 Not Found: no route for /x` as `text/plain`.
    public static let plainText = HTTPErrorRenderer { error in
        Response(status: error.status, text: "\(error.status): \(error.message)\n")
    }
}
