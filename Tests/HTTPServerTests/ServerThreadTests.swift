import Foundation
import Synchronization
import Testing
@testable import HTTPServer

/// Server threads are reused: work that comes and goes (a rescued loop, a connection that blocks) does not
/// start a thread each time.
@Suite struct ServerThreadTests {
    /// The kernel's id of the thread running `start`'s work ("PID/task/TID"; never reused while the process runs
    /// as pthread ids of exited threads are).
    private static func threadID(of start: (@escaping @Sendable () -> Void) -> Void) -> String {
        let id = Mutex<String>("")
        let done = DispatchSemaphore(value: 0)
        start {
            id.withLock { $0 = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self")) ?? "" }
            done.signal()
        }
        done.wait()
        return id.withLock { $0 }
    }

    @Test func finishedThreadsRunTheNextWork() {
        // One piece of work at a time, each started once the previous one's thread has had time to park. Other
        // suites start server threads meanwhile and may take a parked one, so the check is only that sequential
        // work does not get a new thread each time.
        var threads = Set<String>()
        for _ in 0..<20 {
            threads.insert(Self.threadID { ServerThread.start(name: "test-a", $0) })
            Thread.sleep(forTimeInterval: 0.01)
        }
        #expect(!threads.contains(""))
        #expect(threads.count < 10)
    }

    @Test func concurrentWorkGetsThreadsOfItsOwn() {
        let release = DispatchSemaphore(value: 0)
        let started = DispatchSemaphore(value: 0)
        let ids = Mutex<Set<String>>([])
        for _ in 0..<4 {
            ServerThread.start(name: "test-c") {
                ids.withLock { _ = $0.insert((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self")) ?? "") }
                started.signal()
                release.wait()
            }
        }
        for _ in 0..<4 { started.wait() }
        #expect(ids.withLock { $0.count } == 4)
        for _ in 0..<4 { release.signal() }
    }
}
