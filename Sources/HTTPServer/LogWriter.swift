import Dispatch
import Foundation
import Synchronization

/// Log lines written to a file descriptor in batches by a thread of its own, so that logging a request costs
/// an append to a buffer instead of a `write` on the request's thread.
///
/// One `write` per request was a tenth of a small op's CPU (perf under wrk, issue 19), and one buffer behind
/// one lock was nearly as much: event loops spun on its `Mutex` (a lock holder preempted on a busy machine).
/// Threads therefore append to one of `stripes` buffers, chosen by thread, each behind its own lock. Lines
/// appear within `delay`; one thread's lines stay in order (those of different threads may interleave out of
/// order within a batch). `flush()` writes what is pending at once (before the process exits). When the
/// descriptor does not keep up (a pipe nobody reads), at most `maxPending` bytes wait in each stripe and
/// further lines are counted and dropped, so a stuck reader costs neither memory nor a blocked event loop.
public final class LogWriter: @unchecked Sendable {
    /// Standard error, used by `HTTPServer.standardErrorLogger`.
    public static let standardError = LogWriter(fileDescriptor: 2)
    static let stripes = 16
    static let keptStripeBytes = 64 << 10

    private final class Stripe: @unchecked Sendable {
        let lock = NSLock()
        var bytes: [UInt8] = []
        var dropped = 0
    }

    private let fileDescriptor: Int32
    private let delay: Duration
    private let maxPending: Int
    private let buffers = (0..<LogWriter.stripes).map { _ in Stripe() }
    /// Whether lines wait for the writer thread, which `wake` wakes when this turns true.
    private let hasPending = Atomic<Bool>(false)
    private let writerStarted = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    /// Held while a batch is taken and written, so batches reach the descriptor in order.
    private let writing = NSLock()

    public init(fileDescriptor: Int32, delay: Duration = .milliseconds(5), maxPending: Int = 1 << 20) {
        self.fileDescriptor = fileDescriptor
        self.delay = delay
        self.maxPending = maxPending
    }

    /// Queues `prefix`, `line` and a newline (the prefix is not joined to the line first: that copy was a
    /// part of the request log's cost, perf, issue 19).
    public func append(_ line: String, prefix: String = "") {
        // A multiplicative hash of the thread's id picks its stripe: `Hasher` (SipHash) cost more than the append.
        let thread = pthread_self() &* 0x9E37_79B9_7F4A_7C15
        let stripe = buffers[Int(thread >> 32) % Self.stripes]
        stripe.lock.lock()
        if stripe.bytes.count + prefix.utf8.count + line.utf8.count < maxPending {
            stripe.bytes.append(contentsOf: prefix.utf8)
            stripe.bytes.append(contentsOf: line.utf8)
            stripe.bytes.append(UInt8(ascii: "\n"))
        } else {
            stripe.dropped += 1
        }
        stripe.lock.unlock()
        guard !hasPending.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if !writerStarted.exchange(true, ordering: .acquiringAndReleasing) {
            ServerThread.start(name: "log-writer") { [self] in run() }
        }
        wake.signal()
    }

    /// Writes what is pending now, on the calling thread.
    public func flush() {
        writing.lock()
        defer { writing.unlock() }
        hasPending.store(false, ordering: .releasing)
        var batch: [UInt8] = []
        var dropped = 0
        for stripe in buffers {
            stripe.lock.lock()
            batch.append(contentsOf: stripe.bytes)
            // A stripe keeps its buffer (up to 64 KiB): emptied, it was grown again by the next requests' lines,
            // most of a logged request's allocations (perf, issue 19).
            stripe.bytes.removeAll(keepingCapacity: stripe.bytes.capacity <= Self.keptStripeBytes)
            dropped += stripe.dropped
            stripe.dropped = 0
            stripe.lock.unlock()
        }
        if dropped > 0 {
            batch.append(contentsOf: "[log] \(dropped) line(s) dropped: the log was not read fast enough\n".utf8)
        }
        write(batch)
    }

    private func run() {
        while true {
            wake.wait()
            // Lines logged meanwhile join this batch: one write for many requests.
            Thread.sleep(forTimeInterval: Double(delay.components.attoseconds) * 1e-18 + Double(delay.components.seconds))
            flush()
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
