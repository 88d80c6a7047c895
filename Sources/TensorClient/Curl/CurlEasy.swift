import CCurl

/// One libcurl easy handle: it keeps its connection open between transfers (HTTP/1.1
/// keep-alive), so consecutive requests reuse it. Not thread-safe; ``TensorClient`` holds it
/// behind a lock.
///
/// Callbacks find their transfer through `Unmanaged` (libcurl's `userdata` pointer), never
/// through globals, and a failing libcurl call becomes a ``TransportError``: nothing here traps.
final class CurlEasy {
    private let handle: UnsafeMutableRawPointer
    /// libcurl writes its most specific message here (CURLOPT_ERRORBUFFER).
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    /// What CURLOPT_POSTFIELDS points at for an empty body (it needs some pointer).
    private let emptyBody = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)

    /// `curl_global_init` must run once, before any other libcurl call and not concurrently
    /// with one; a `static let` is initialised exactly once, atomically.
    private static let globalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    init() throws(TransportError) {
        let rc = Self.globalInit
        guard rc == CURLE_OK else { throw TransportError(rc, "curl_global_init failed") }
        guard let h = curl_easy_init() else { throw TransportError(kind: .other, curlCode: -1, message: "curl_easy_init failed") }
        handle = h
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
        emptyBody.deallocate()
    }

    /// One HTTP exchange. `onData` receives the response status and the body as it arrives,
    /// and returns false to stop the transfer (then `perform` returns normally with `stopped` set).
    func perform(_ request: CurlRequest, onData: @escaping (Int, UnsafeRawBufferPointer) -> Bool) throws(TransportError) -> CurlResponse {
        // Reset options but keep the connection cache, so the next request reuses the socket.
        curl_easy_reset(handle)
        errorBuffer[0] = 0
        let transfer = Transfer(onData: onData)
        var headers: UnsafeMutablePointer<curl_slist>? = nil
        defer { curl_slist_free_all(headers) }
        for (name, value) in request.headers {
            // An empty value removes a header curl would add (`Expect:`), RFC-style "Name:".
            guard let appended = curl_slist_append(headers, value.isEmpty ? "\(name):" : "\(name): \(value)") else {
                throw TransportError(kind: .other, curlCode: -1, message: "out of memory building headers")
            }
            headers = appended
        }
        let context = Unmanaged.passUnretained(transfer).toOpaque()
        let rc: CURLcode = request.body.withUnsafeBufferPointer { body -> CURLcode in
            var rc = CURLE_OK
            func set(_ result: CURLcode) { if rc == CURLE_OK { rc = result } }
            set(ccurl_setopt_string(handle, CURLOPT_URL, request.url))
            set(ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer))
            // Timeouts use signals unless told not to, which is unsafe with threads.
            set(ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
            set(ccurl_setopt_long(handle, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_1_1)))
            set(ccurl_setopt_long(handle, CURLOPT_TCP_NODELAY, 1))
            set(ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, request.connectTimeoutMilliseconds))
            set(ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, request.timeoutMilliseconds))
            if let idle = request.lowSpeedSeconds {
                // A stream that delivers nothing (not even a heartbeat) for this long is dead.
                set(ccurl_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1))
                set(ccurl_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, idle))
            }
            set(ccurl_setopt_string(handle, CURLOPT_USERAGENT, request.userAgent))
            switch request.method {
            case "GET": break
            case "HEAD": set(ccurl_setopt_long(handle, CURLOPT_NOBODY, 1))
            default:
                set(ccurl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method))
            }
            if request.method == "POST" || request.method == "PUT" || !request.body.isEmpty {
                set(ccurl_setopt_long(handle, CURLOPT_POST, 1))
                set(ccurl_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
                // Not copied: `body` outlives `curl_easy_perform` below. An empty body still needs a pointer.
                set(ccurl_setopt_pointer(handle, CURLOPT_POSTFIELDS, body.baseAddress.map { UnsafeMutableRawPointer(mutating: $0) } ?? emptyBody))
            }
            set(ccurl_setopt_slist(handle, CURLOPT_HTTPHEADER, headers))
            set(ccurl_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION, Self.writeCallback))
            set(ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, context))
            set(ccurl_setopt_data_callback(handle, CURLOPT_HEADERFUNCTION, Self.headerCallback))
            set(ccurl_setopt_pointer(handle, CURLOPT_HEADERDATA, context))
            guard rc == CURLE_OK else { return rc }
            return withExtendedLifetime(transfer) { curl_easy_perform(handle) }
        }
        if rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && transfer.stopped) {
            throw TransportError(rc, String(cString: errorBuffer))
        }
        var status = 0
        guard ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK else {
            throw TransportError(kind: .other, curlCode: -1, message: "no response code")
        }
        return CurlResponse(status: status, headers: transfer.headers, stopped: transfer.stopped)
    }

    /// The state of one transfer, reached from the C callbacks through `userdata`.
    private final class Transfer {
        let onData: (Int, UnsafeRawBufferPointer) -> Bool
        var status = 0
        var headers: [(name: String, value: String)] = []
        var stopped = false
        init(onData: @escaping (Int, UnsafeRawBufferPointer) -> Bool) { self.onData = onData }
    }

    private static let writeCallback: ccurl_data_callback = { ptr, size, count, userdata in
        guard let userdata else { return 0 }
        let transfer = Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue()
        let n = size * count
        guard transfer.onData(transfer.status, UnsafeRawBufferPointer(start: ptr, count: n)) else {
            transfer.stopped = true
            return 0   // fewer bytes than given: libcurl stops with CURLE_WRITE_ERROR
        }
        return n
    }

    /// Called once per header line, status line included; a new status line (after a
    /// `100 Continue`, say) starts a new header section.
    private static let headerCallback: ccurl_data_callback = { ptr, size, count, userdata in
        guard let userdata else { return 0 }
        let transfer = Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue()
        let n = size * count
        guard let ptr else { return n }
        let line = String(decoding: UnsafeRawBufferPointer(start: ptr, count: n), as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            // status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4)
            let parts = line.split(separator: " ", maxSplits: 2)
            transfer.status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
            transfer.headers.removeAll()
        } else if let colon = line.firstIndex(of: ":") {
            let name = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmingWhitespace()
            transfer.headers.append((name, value))
        }
        return n
    }
}

/// What ``CurlEasy/perform(_:onData:)`` sends.
struct CurlRequest {
    var method: String
    var url: String
    var headers: [(String, String)]
    var body: [UInt8]
    var connectTimeoutMilliseconds: Int
    /// 0 for none (an event stream).
    var timeoutMilliseconds: Int
    /// Abort when less than one byte per second arrives for this long.
    var lowSpeedSeconds: Int?
    var userAgent: String
}

struct CurlResponse {
    var status: Int
    var headers: [(name: String, value: String)]
    /// The data callback asked to stop before the body ended.
    var stopped: Bool
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" || c == "\r" || c == "\n" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\r" || c == "\n" { s.removeLast() }
        return String(s)
    }
}
