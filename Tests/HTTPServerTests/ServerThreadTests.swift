import Foundation
import Synchronization
import Testing
@testable import HTTPServer

/// Server threads are reused: work that comes and goes (a rescued loop, a connection that blocks) does not
/// start a thread each time.
@Suite struct ServerThreadTests {
    private static func threadID(of start: (@escaping @Sendable () -> Void) -> Void) -> pthread_t {
        let id = Mutex<pthread_t>(0)
        let done = DispatchSemaphore(value: 0)
        start {
            id.withLock { $0 = pthread_self() }
            done.signal()
        }
        done.wait()
        return id.withLock { $0 }
    }

    @Test func finishedThreadsRunTheNextWork() {
        let first = Self.threadID { ServerThread.start(name: "test-a", $0) }
        // The worker parks once the body has returned; give it a moment to get there.
        var reused = false
        for _ in 0..<100 where !reused {
            Thread.sleep(forTimeInterval: 0.01)
            reused = Self.threadID { ServerThread.start(name: "test-b", $0) } == first
        }
        #expect(reused)
    }

    @Test func concurrentWorkGetsThreadsOfItsOwn() {
        let release = DispatchSemaphore(value: 0)
        let started = DispatchSemaphore(value: 0)
        let ids = Mutex<Set<pthread_t>>([])
        for _ in 0..<4 {
            ServerThread.start(name: "test-c") {
                ids.withLock { _ = $0.insert(pthread_self()) }
                started.signal()
                release.wait()
            }
        }
        for _ in 0..<4 { started.wait() }
        #expect(ids.withLock { $0.count } == 4)
        for _ in 0..<4 { release.signal() }
    }
}
