import Dispatch
import Foundation
import Synchronization

/// Log lines written to a file descriptor in batches by a thread of its own, so that logging a request costs
/// an append to a buffer instead of a `write` on the request's thread.
///
/// One `write` per request was a tenth of a small op's CPU (perf under wrk, issue 19). Lines appear within
/// `delay` of being logged, in order; `flush()` writes what is pending at once (before the process exits). When
/// the descriptor does not keep up (a pipe nobody reads), at most `maxPending` bytes wait and further lines
/// are counted and dropped, so a stuck reader costs neither memory nor a blocked event loop.
public final class LogWriter: @unchecked Sendable {
    /// Standard error, used by `HTTPServer.standardErrorLogger`.
    public static let standardError = LogWriter(fileDescriptor: 2)

    private let fileDescriptor: Int32
    private let delay: Duration
    private let maxPending: Int
    private let pending = Mutex<(bytes: [UInt8], dropped: Int, writerStarted: Bool)>(([], 0, false))
    private let wake = DispatchSemaphore(value: 0)
    /// Held while bytes taken from `pending` are written, so batches reach the descriptor in order.
    private let writing = Mutex<Void>(())

    public init(fileDescriptor: Int32, delay: Duration = .milliseconds(5), maxPending: Int = 4 << 20) {
        self.fileDescriptor = fileDescriptor
        self.delay = delay
        self.maxPending = maxPending
    }

    /// Queues `line` and a newline.
    public func append(_ line: String) {
        let (wasEmpty, startWriter) = pending.withLock { state -> (Bool, Bool) in
            let wasEmpty = state.bytes.isEmpty
            guard state.bytes.count + line.utf8.count < maxPending else {
                state.dropped += 1
                return (false, false)
            }
            state.bytes.append(contentsOf: line.utf8)
            state.bytes.append(UInt8(ascii: "\n"))
            defer { state.writerStarted = true }
            return (wasEmpty, !state.writerStarted)
        }
        if startWriter { ServerThread.start(name: "log-writer") { [self] in run() } }
        if wasEmpty { wake.signal() }
    }

    /// Writes what is pending now, on the calling thread.
    public func flush() {
        writing.withLock { _ in write(take()) }
    }

    private func run() {
        while true {
            wake.wait()
            // Lines logged meanwhile join this batch: one write for many requests.
            Thread.sleep(forTimeInterval: Double(delay.components.attoseconds) * 1e-18 + Double(delay.components.seconds))
            flush()
        }
    }

    private func take() -> [UInt8] {
        pending.withLock { state in
            var bytes: [UInt8] = []
            swap(&bytes, &state.bytes)
            if state.dropped > 0 {
                bytes.append(contentsOf: "[log] \(state.dropped) line(s) dropped: the log was not read fast enough\n".utf8)
                state.dropped = 0
            }
            return bytes
        }
    }

    private func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(fileDescriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return }  // a closed or failing descriptor: the lines are lost, as with any log
                offset += n
            }
        }
    }
}
