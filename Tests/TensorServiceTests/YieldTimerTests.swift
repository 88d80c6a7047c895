import Foundation
import Testing
@testable import TensorService

/// Background threads give up their core every `YieldTimer.interval` while requests arrive, inside
/// one long piece of work too (the idle class alone let a job step or a checkpoint's encoding hold
/// a core an event loop was waiting for; see `BackgroundPriority.YieldTimer`).
struct YieldTimerTests {
    /// Runs `body` while requests keep arriving (one noted every 200 µs, well inside
    /// `BackgroundPriority.requestWindow`), as on a server under load.
    private func whileRequestsArrive<T>(_ body: () throws -> T) rethrows -> T {
        let done = Locked(false)
        let noting = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            while !done.value {
                BackgroundPriority.noteRequest()
                usleep(200)
            }
            noting.signal()
        }
        BackgroundPriority.noteRequest()
        defer {
            done.update { $0 = true }
            noting.wait()
        }
        return try body()
    }

    /// Keeps the calling thread busy for `milliseconds` of its own CPU time (or 10 s of wall time on a
    /// machine that gives it none); returns how many times it yielded to its timer meanwhile.
    private static func yieldsWhileSpinning(milliseconds: Int = 20) -> UInt {
        let before = BackgroundPriority.YieldTimer.yieldsOnCurrentThread
        let start = cpuNanoseconds(), deadline = DispatchTime.now().uptimeNanoseconds + 10_000_000_000
        var sink = 0
        while cpuNanoseconds() - start < UInt64(milliseconds) * 1_000_000 && DispatchTime.now().uptimeNanoseconds < deadline {
            for i in 0..<1000 { sink &+= i }
        }
        precondition(sink != 1)
        return BackgroundPriority.YieldTimer.yieldsOnCurrentThread - before
    }

    private static func cpuNanoseconds() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
    }

    /// The most yields of up to five runs of `attempt`, stopping at the first with 10 or more. A thread
    /// decides whether to run its timer before each piece of work, from a request noted within the last
    /// `BackgroundPriority.requestWindow` (2 ms); on a loaded machine (the whole suite on 2 cores) the
    /// thread noting requests can go that long without a core, and then that one piece runs without it.
    private static func mostYields(_ attempt: () throws -> UInt) rethrows -> UInt {
        var most: UInt = 0
        for _ in 0..<5 where most < 10 { most = max(most, try attempt()) }
        return most
    }

    /// 20 ms of CPU at one yield per 200 µs of wall time is about 100 yields; 10 allows for a machine
    /// that runs the thread in a few long stretches (a signal pending while it waits is delivered once).
    @Test func runsWhileRequestsArriveAndStopsWhenAsked() {
        let timer = BackgroundPriority.YieldTimer()
        let yielded = whileRequestsArrive {
            Self.mostYields {
                timer.update()
                return Self.yieldsWhileSpinning()
            }
        }
        #expect(yielded >= 10)
        timer.stop()
        #expect(Self.yieldsWhileSpinning() == 0)
    }

    @Test func jobLanesYieldInsideAStep() throws {
        let engine = ComputeEngine(lanes: 2)
        defer { engine.shutdown() }
        let yielded = try whileRequestsArrive {
            try Self.mostYields {
                let yielded = Locked<UInt>(0)
                let done = DispatchSemaphore(value: 0)
                try engine.enqueue(.background) {
                    yielded.update { $0 = Self.yieldsWhileSpinning() }
                    done.signal()
                }
                done.wait()
                return yielded.value
            }
        }
        #expect(yielded >= 10)
    }

    @Test func theJobWriterYieldsInsideAWrite() {
        let writer = SerialWriter(name: "test-writer", capacity: 4)
        let yielded = whileRequestsArrive {
            Self.mostYields {
                let yielded = Locked<UInt>(0)
                let done = DispatchSemaphore(value: 0)
                writer.async {
                    yielded.update { $0 = Self.yieldsWhileSpinning() }
                    done.signal()
                }
                done.wait()
                return yielded.value
            }
        }
        #expect(yielded >= 10)
    }
}
