import Foundation
import Testing
@testable import TensorService

struct ComputeEngineTests {
    @Test func runReturnsResultsAndErrors() throws {
        let engine = ComputeEngine(lanes: 2)
        defer { engine.shutdown() }
        #expect(try engine.run { 6 * 7 } == 42)
        struct Boom: Error {}
        #expect(throws: Boom.self) { try engine.run { () throws -> Int in throw Boom() } }
    }

    @Test func interactiveWorkOvertakesQueuedBackgroundWork() throws {
        let engine = ComputeEngine(lanes: 1)
        defer { engine.shutdown() }
        let gate = DispatchSemaphore(value: 0)
        let log = NSLock()
        nonisolated(unsafe) var order: [String] = []
        // Occupy the only lane, then queue background steps and one interactive request.
        try engine.enqueue(.background) { gate.wait() }
        while engine.busyLanes == 0 { usleep(1000) }
        for i in 0..<3 { try engine.enqueue(.background) { log.lock(); order.append("b\(i)"); log.unlock() } }
        let finished = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            _ = try? engine.run(.interactive) { log.lock(); order.append("i"); log.unlock() }
            finished.signal()
        }
        while engine.queueDepth < 4 { usleep(1000) }
        gate.signal()
        finished.wait()
        while engine.queueDepth > 0 || engine.busyLanes > 0 { usleep(1000) }
        #expect(order == ["i", "b0", "b1", "b2"])
    }

    /// With 2 lanes, background work uses 1 of them: the other stays free for interactive work.
    @Test func backgroundWorkLeavesALaneFree() throws {
        let engine = ComputeEngine(lanes: 2)
        defer { engine.shutdown() }
        #expect(engine.backgroundLanes == 1)
        let gate = DispatchSemaphore(value: 0)
        let started = Locked(0)
        for _ in 0..<2 { try engine.enqueue(.background) { started.update { $0 += 1 }; gate.wait() } }
        while started.value == 0 { usleep(1000) }
        usleep(20_000)
        #expect(started.value == 1, "only one background unit at a time")
        #expect(try engine.run(.interactive) { 7 } == 7, "an interactive request runs on the free lane")
        gate.signal()
        while started.value < 2 { usleep(1000) }
        gate.signal()
        while engine.busyLanes > 0 { usleep(1000) }
    }

    @Test func interactiveWorkRunsOnTheCallerWhileALaneIsFree() throws {
        let engine = ComputeEngine(lanes: 1)
        defer { engine.shutdown() }
        let caller = pthread_self()
        #expect(try engine.run { pthread_equal(pthread_self(), caller) != 0 }, "an idle engine lets the caller compute")
        // With the only lane busy, a request waits for the lane and runs there.
        let gate = DispatchSemaphore(value: 0)
        try engine.enqueue(.background) { gate.wait() }
        while engine.busyLanes == 0 { usleep(1000) }
        let finished = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var onCaller: Bool?
        DispatchQueue.global().async {
            let requester = pthread_self()
            onCaller = try? engine.run { pthread_equal(pthread_self(), requester) != 0 }
            finished.signal()
        }
        while engine.queueDepth == 0 { usleep(1000) }
        gate.signal()
        finished.wait()
        #expect(onCaller == false, "the request ran on the lane")
    }

    @Test func fullQueueIsRefusedNotGrown() throws {
        let engine = ComputeEngine(lanes: 1, interactiveCapacity: 2, backgroundCapacity: 1)
        defer { engine.shutdown() }
        let gate = DispatchSemaphore(value: 0)
        try engine.enqueue(.background) { gate.wait() }
        while engine.busyLanes == 0 { usleep(1000) }
        try engine.enqueue(.background) {}
        #expect(throws: ComputeEngine.QueueFull.self) { try engine.enqueue(.background) {} }
        try engine.enqueue(.interactive) {}
        try engine.enqueue(.interactive) {}
        #expect(throws: ComputeEngine.QueueFull.self) { try engine.enqueue(.interactive) {} }
        gate.signal()
    }

    /// After shutdown nothing is queued for lanes that will never run it (the caller would wait forever).
    @Test func workAfterShutdownIsRefused() throws {
        let engine = ComputeEngine(lanes: 1)
        engine.shutdown()
        #expect(throws: ComputeEngine.Stopped.self) { try engine.enqueue(.background) {} }
        #expect(throws: ComputeEngine.Stopped.self) { try engine.run { 1 } }
    }

    /// Job lanes run in the idle scheduling class (or at nice +10 where it is refused); lanes
    /// that serve only interactive work keep the normal class.
    @Test func jobLanesRunAtBackgroundPriority() throws {
        let engine = ComputeEngine(lanes: 2)
        defer { engine.shutdown() }
        let idle = Locked<Bool?>(nil), niceness = Locked<Int32?>(nil)
        let done = DispatchSemaphore(value: 0)
        try engine.enqueue(.background) {
            idle.update { $0 = BackgroundPriority.currentThreadIsIdle }
            niceness.update { $0 = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) }
            done.signal()
        }
        done.wait()
        #expect(idle.value == true || niceness.value == BackgroundPriority.fallbackNice)
        #expect(BackgroundPriority.currentThreadIsIdle == false, "the test's own thread is untouched")
    }
}
