import Foundation
import Testing
@testable import HTTPServer

/// The batched log: lines in order, at most `maxPending` bytes waiting, the rest counted and dropped.
@Suite struct LogWriterTests {
    /// A pipe: the writer gets the write end; the test reads what arrived.
    private static func withPipe(_ body: (Int32, () -> String) throws -> Void) rethrows {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        _ = fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK)
        try body(ends[1]) {
            var bytes = [UInt8](repeating: 0, count: 1 << 16)
            let n = read(ends[0], &bytes, bytes.count)
            return String(decoding: bytes.prefix(max(n, 0)), as: UTF8.self)
        }
    }

    @Test func linesArriveInOrderWithinTheDelay() throws {
        Self.withPipe { fd, read in
            let log = LogWriter(fileDescriptor: fd, delay: .milliseconds(5))
            for i in 0..<100 { log.append("line \(i)") }
            var text = ""
            let deadline = Date().addingTimeInterval(10)
            while text.count < (0..<100).map({ "line \($0)\n".count }).reduce(0, +), Date() < deadline {
                Thread.sleep(forTimeInterval: 0.01)
                text += read()
            }
            #expect(text == (0..<100).map { "line \($0)\n" }.joined())
        }
    }

    @Test func flushWritesAtOnce() throws {
        Self.withPipe { fd, read in
            let log = LogWriter(fileDescriptor: fd, delay: .seconds(60))
            log.append("first")
            log.append("second")
            log.flush()
            #expect(read() == "first\nsecond\n")
        }
    }

    @Test func linesPastTheBoundAreCountedAndDropped() throws {
        Self.withPipe { fd, read in
            let log = LogWriter(fileDescriptor: fd, delay: .seconds(60), maxPending: 100)  // one thread: one stripe
            for i in 0..<10 { log.append("line number \(i) ...") }  // 18 bytes with the newline: 5 fit in 100
            log.flush()
            let expected = (0..<5).map { "line number \($0) ...\n" }.joined()
                + "[log] 5 line(s) dropped: the log was not read fast enough\n"
            #expect(read() == expected)
            log.append("after")
            log.flush()
            #expect(read() == "after\n")
        }
    }

    @Test func aPrefixIsWrittenBeforeTheLineAndCountsTowardTheBound() throws {
        Self.withPipe { fd, read in
            let log = LogWriter(fileDescriptor: fd, delay: .seconds(60), maxPending: 20)  // one thread: one stripe
            log.append("line", prefix: "[http] ")
            log.append("second line", prefix: "[http] ")  // 11 + 18 bytes waiting would pass 20
            log.flush()
            #expect(read() == "[http] line\n[log] 1 line(s) dropped: the log was not read fast enough\n")
        }
    }
}
