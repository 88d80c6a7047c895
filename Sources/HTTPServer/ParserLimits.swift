/// The sizes a request may reach before the parser rejects it. Every limit is enforced while bytes are still
/// arriving, so a request over a limit is rejected without being buffered.
public struct ParserLimits: Sendable, Equatable {
    /// Longest request-line, without its CRLF; longer → 414.
    public var maxRequestLineBytes: Int
    /// Most bytes in the field section (and, separately, in a chunked trailer section); more → 431.
    public var maxHeaderBytes: Int
    /// Most field lines in the header (and trailer) section; more → 431.
    public var maxHeaderCount: Int
    /// Largest body after chunked decoding; larger → 413, before reading it when `Content-Length` announces it.
    public var maxBodyBytes: Int

    public init(
        maxRequestLineBytes: Int = 8 * 1024,
        maxHeaderBytes: Int = 16 * 1024,
        maxHeaderCount: Int = 100,
        maxBodyBytes: Int = 16 * 1024 * 1024
    ) {
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
    }
}
