/// The chunked transfer coding (RFC 9112 §7.1), decoded incrementally as bytes arrive.
extension RequestParser {
    /// The longest chunk-size line accepted, extensions included. Extensions carry nothing this server uses,
    /// so a short bound is enough.
    static let maxChunkLineBytes = 4096

    /// Decodes chunks from `state.chunkOffset` on, appending their data to `state.body`. Returns the trailer
    /// fields and the end of the message, or nil when more bytes are needed (`state` records the progress).
    func decodeChunks(
        _ bytes: UnsafeBufferPointer<UInt8>, into state: inout Pending
    ) throws(HTTPError) -> (HTTPHeaders, end: Int)? {
        while true {
            let lineStart = state.chunkOffset
            guard let lineFeed = Self.firstLF(in: bytes, from: lineStart, end: lineStart + Self.maxChunkLineBytes) else {
                guard bytes.count - lineStart < Self.maxChunkLineBytes else {
                    throw .badRequest(.invalidChunk, "a chunk-size line is longer than \(Self.maxChunkLineBytes) bytes")
                }
                return nil
            }
            let size = try chunkSize(bytes, lineStart, lineFeed)
            if size == 0 {
                // §7.1: last-chunk, then the trailer section and the final CRLF (§7.1.2).
                guard let (trailers, end) = try parseFields(bytes, from: lineFeed + 1, trailers: true) else { return nil }
                return (trailers, end)
            }
            guard state.body.count + size <= limits.maxBodyBytes else { throw Self.payloadTooLarge(limits) }
            // Framing overhead (size lines, extensions, CRLFs) is bounded too, so tiny chunks cannot make the
            // buffered request much larger than the body limit allows.
            guard lineFeed + 1 - state.head.length - state.body.count <= max(limits.maxBodyBytes, 1 << 16) else {
                throw Self.payloadTooLarge(limits)
            }
            let dataStart = lineFeed + 1
            let dataEnd = dataStart + size
            guard bytes.count >= dataEnd + 2 else { return nil }
            // §7.1: chunk-data is followed by CRLF.
            guard bytes[dataEnd] == ASCII.cr, bytes[dataEnd + 1] == ASCII.lf else {
                throw .badRequest(.invalidChunk, "chunk data must be followed by CRLF")
            }
            state.body.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[dataStart..<dataEnd]))
            state.chunkOffset = dataEnd + 2
        }
    }

    /// §7.1: chunk-size [ chunk-ext ] CRLF, chunk-size = 1*HEXDIG,
    /// chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ). Extensions are ignored
    /// (§7.1.1) but must not hide control characters.
    private func chunkSize(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ lineFeed: Int) throws(HTTPError) -> Int {
        guard lineFeed > start, bytes[lineFeed - 1] == ASCII.cr else {
            throw .badRequest(.invalidChunk, "a chunk-size line must end with CRLF")
        }
        let end = lineFeed - 1
        var index = start
        var size = 0
        while index < end, let digit = ASCII.hexValue(bytes[index]) {
            // More than 15 hex digits could overflow; no body of interest is that large.
            guard index - start < 15 else { throw .badRequest(.invalidChunk, "the chunk size is too large") }
            size = size << 4 | digit
            index += 1
        }
        guard index > start else { throw .badRequest(.invalidChunk, "a chunk must start with a hexadecimal size") }
        guard index < end else { return size }
        var extensionStart = index
        while extensionStart < end, bytes[extensionStart] == ASCII.space || bytes[extensionStart] == ASCII.tab {
            extensionStart += 1
        }
        guard extensionStart < end, bytes[extensionStart] == ASCII.semicolon else {
            throw .badRequest(.invalidChunk, "a chunk size must be followed by CRLF or a ';' extension")
        }
        for position in extensionStart..<end where !ASCII.isFieldValueChar(bytes[position]) {
            throw .badRequest(.invalidChunk, "chunk extensions must not contain control characters")
        }
        return size
    }
}
