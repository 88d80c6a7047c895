import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A thin wrapper over a POSIX TCP socket descriptor. It does not own the descriptor's lifetime:
/// whoever creates it calls `close()` exactly once.
struct Socket: Sendable, Hashable {
    let fd: Int32

    /// A listening IPv4 socket on `host:port` (port 0 picks an ephemeral port; read it back with `localPort`).
    static func listen(host: String, port: Int, backlog: Int32) throws(SocketError) -> Socket {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket") }
        let socket = Socket(fd: fd)
        do throws(SocketError) {
            try socket.setOption(SOL_SOCKET, SO_REUSEADDR, 1)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port)).bigEndian
            guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw SocketError("inet_pton(\(host))", code: EINVAL) }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0 else { throw SocketError("bind(\(host):\(port))") }
            guard Glibc.listen(fd, backlog) == 0 else { throw SocketError("listen") }
        } catch {
            socket.close()
            throw error
        }
        return socket
    }

    var localPort: Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Blocks until a connection arrives. Accepted sockets get `TCP_NODELAY`: a response is written with one
    /// `send`, and Nagle's algorithm would otherwise hold back the tail of a streamed response.
    func accept() throws(SocketError) -> Socket {
        while true {
            let client = Glibc.accept(fd, nil, nil)
            if client >= 0 {
                _ = fcntl(client, F_SETFD, FD_CLOEXEC)
                let socket = Socket(fd: client)
                try? socket.setOption(Int32(IPPROTO_TCP), TCP_NODELAY, 1)
                return socket
            }
            if errno != EINTR { throw SocketError("accept") }
        }
    }

    /// Reads what is available into `buffer`, blocking until something arrives unless `wait` is false; 0 means
    /// the peer closed its side, nil that SO_RCVTIMEO expired first (or, without waiting, that nothing was there).
    func receive(into buffer: UnsafeMutableRawBufferPointer, wait: Bool = true) throws(SocketError) -> Int? {
        while true {
            let count = recv(fd, buffer.baseAddress, buffer.count, wait ? 0 : Int32(MSG_DONTWAIT))
            if count >= 0 { return count }
            switch errno {
            case EINTR: continue
            case EAGAIN: return nil  // EWOULDBLOCK is EAGAIN on Linux
            default: throw SocketError("recv")
            }
        }
    }

    /// Sends `bytes` with `MSG_NOSIGNAL`, so a vanished peer is an error, not a SIGPIPE. Waiting, it sends them
    /// all (SO_SNDTIMEO expiring is an error); without waiting, as many as the socket takes at once. Returns
    /// how many were sent.
    @discardableResult
    func send(_ bytes: UnsafeRawBufferPointer, wait: Bool = true) throws(SocketError) -> Int {
        let flags = Int32(MSG_NOSIGNAL) | (wait ? 0 : Int32(MSG_DONTWAIT))
        var offset = 0
        while offset < bytes.count {
            let sent = Glibc.send(fd, bytes.baseAddress! + offset, bytes.count - offset, flags)
            if sent > 0 {
                offset += sent
            } else if sent < 0, errno == EINTR {
                continue
            } else if sent < 0, errno == EAGAIN, !wait {
                break
            } else {
                throw SocketError("send")
            }
        }
        return offset
    }

    @discardableResult
    func send(_ bytes: some ContiguousBytes, wait: Bool = true) throws(SocketError) -> Int {
        let result = bytes.withUnsafeBytes { buffer in Result { () throws(SocketError) in try send(buffer, wait: wait) } }
        return try result.get()
    }

    /// Waits until the socket is readable (data, EOF or error) or `milliseconds` pass; false on timeout.
    func waitReadable(milliseconds: Int32) throws(SocketError) -> Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let ready = poll(&descriptor, 1, milliseconds)
            if ready >= 0 { return ready > 0 }
            if errno != EINTR { throw SocketError("poll") }
        }
    }

    /// Bounds how long one `recv` (SO_RCVTIMEO) or `send` (SO_SNDTIMEO) may block.
    func setTimeout(_ option: Int32, _ duration: Duration) throws(SocketError) {
        let (seconds, attoseconds) = duration.components
        var value = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        guard setsockopt(fd, SOL_SOCKET, option, &value, socklen_t(MemoryLayout<timeval>.size)) == 0 else {
            throw SocketError("setsockopt(\(option))")
        }
    }

    func setOption(_ level: Int32, _ option: Int32, _ value: Int32) throws(SocketError) {
        var value = value
        guard setsockopt(fd, level, option, &value, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw SocketError("setsockopt(\(option))")
        }
    }

    /// Half-closes or fully shuts down the connection; wakes a thread blocked in `poll`, `recv` or `accept`.
    func shutdown(reading: Bool = true, writing: Bool = true) {
        let how = reading && writing ? SHUT_RDWR : reading ? SHUT_RD : SHUT_WR
        _ = Glibc.shutdown(fd, Int32(how))
    }

    func close() {
        _ = Glibc.close(fd)
    }
}
