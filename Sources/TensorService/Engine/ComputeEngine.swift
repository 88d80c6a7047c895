import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The one place compute is scheduled: a fixed number of lanes (threads), fed from two bounded
/// queues. Interactive requests (`/v1/ops`, `/v1/eval`) always go before job steps, so a
/// running job delays an interactive request by at most one step. Interactive work runs on its
/// caller's thread (an event loop) while a lane's worth of capacity is free (`run`): a small op
/// then costs no thread hop. (The whole process's threads: README, "Execution model".)
///
/// Only the first `backgroundLanes` lanes (all but one by default) run background work (job
/// steps), at a lower operating-system priority (`BackgroundPriority`), and while they have
/// background work they leave interactive work to the other lanes: job steps are CPU-bound, and on a
/// machine whose cores they keep busy an interactive request would otherwise wait for the
/// kernel's scheduler as well as for a lane (or run on a deprioritised thread). Without jobs,
/// every lane serves interactive work. Each lane has its own wake-up, so new work wakes a
/// lane that may take it (an interactive lane first for interactive work), and a job's
/// consecutive steps stay on one thread.
public final class ComputeEngine: @unchecked Sendable {
    public enum Priority: Sendable { case interactive, background }

    public struct QueueFull: Error, Sendable {
        public let priority: Priority
        public let capacity: Int
    }

    /// Work offered after `shutdown`: no lane would run it.
    public struct Stopped: Error, Sendable {}

    public let lanes: Int
    public let interactiveCapacity: Int
    public let backgroundCapacity: Int
    public let backgroundLanes: Int

    private let lock = NSLock()
    /// Every access holds `lock`, so the runtime's exclusivity checks (swift_beginAccess, which `run` paid
    /// twice per request for `pendingInteractive`: 0.7% of `POST /v1/ops/add`, issue 19) are left out.
    @exclusivity(unchecked) private var interactive: [() -> Void] = []
    private var background: [() -> Void] = []
    @exclusivity(unchecked) private var interactiveHead = 0
    private var backgroundHead = 0
    private var running = 0
    private var stopped = false
    /// Interactive work running on its callers' threads (see `run`).
    private var inline = 0
    /// Idle lanes by kind, each waiting on its own semaphore.
    private var idleInteractiveLanes: [Int] = []
    private var idleBackgroundLanes: [Int] = []
    private let wakeups: [DispatchSemaphore]

    /// `backgroundLanes` nil: `lanes − 1`, at least 1.
    public init(lanes: Int, interactiveCapacity: Int = 1024, backgroundCapacity: Int = 1024, backgroundLanes: Int? = nil) {
        self.lanes = max(1, lanes)
        self.backgroundLanes = min(self.lanes, max(1, backgroundLanes ?? lanes - 1))
        self.interactiveCapacity = interactiveCapacity
        self.backgroundCapacity = backgroundCapacity
        wakeups = (0..<self.lanes).map { _ in DispatchSemaphore(value: 0) }
        for i in 0..<self.lanes {
            let t = Thread { [self] in laneLoop(i) }
            t.name = "tensord-lane-\(i)"
            t.stackSize = 8 << 20
            t.start()
        }
    }

    /// Work waiting for a lane (both queues).
    public var queueDepth: Int {
        lock.lock(); defer { lock.unlock() }
        return pendingInteractive + pendingBackground
    }

    /// Lanes busy right now.
    public var busyLanes: Int {
        lock.lock(); defer { lock.unlock() }
        return running
    }

    private var pendingInteractive: Int { interactive.count - interactiveHead }
    private var pendingBackground: Int { background.count - backgroundHead }

    /// Queues `work`; throws `QueueFull` instead of growing without bound.
    public func enqueue(_ priority: Priority, _ work: @escaping () -> Void) throws {
        lock.lock()
        guard !stopped else {
            lock.unlock()
            throw Stopped()
        }
        let lane: Int?
        switch priority {
        case .interactive:
            guard pendingInteractive < interactiveCapacity else {
                lock.unlock()
                throw QueueFull(priority: priority, capacity: interactiveCapacity)
            }
            interactive.append(work)
            lane = idleInteractiveLanes.popLast() ?? idleBackgroundLanes.popLast()
        case .background:
            guard pendingBackground < backgroundCapacity else {
                lock.unlock()
                throw QueueFull(priority: priority, capacity: backgroundCapacity)
            }
            background.append(work)
            // No idle job lane: a busy one takes it when it finishes its current work.
            lane = idleBackgroundLanes.popLast()
        }
        lock.unlock()
        if let lane { wakeups[lane].signal() }
    }

    /// Runs `body` and waits for its result: on the calling thread when a lane's worth of
    /// capacity is free (interactive work only), otherwise on a lane. `body` does not escape: run
    /// in place (most small requests), its captures stay on the caller's stack (issue 19).
    public func run<T>(_ priority: Priority = .interactive, _ body: () throws -> T) throws -> T {
        if priority == .interactive {
            // Caller runs: while fewer than `lanes` computations are under way and no request
            // waits, the connection thread computes itself, saving the hand-off and a second
            // wake-up (which is most of a small op's latency on a busy machine). Otherwise the
            // request queues for a lane as usual, so compute stays bounded by the lanes.
            lock.lock()
            if !stopped && pendingInteractive == 0 && inline + running < lanes {
                inline += 1
                lock.unlock()
                defer { lock.lock(); inline -= 1; lock.unlock() }
                return try body()
            }
            lock.unlock()
        }
        return try withoutActuallyEscaping(body) { body in
            // The lane reaches `body` through `held`, which lets go of it once the result is in: a lane
            // releases its work after signalling, and `body` must not outlive this call.
            let held = Held(body)
            defer { held.body = nil }
            let done = DispatchSemaphore(value: 0)
            nonisolated(unsafe) var result: Result<T, Error>?
            try enqueue(priority) {
                result = Result { try held.body!() }
                done.signal()
            }
            done.wait()
            return try result!.get()
        }
    }

    private final class Held<T>: @unchecked Sendable {
        var body: (() throws -> T)?
        init(_ body: @escaping () throws -> T) { self.body = body }
    }

    /// Stops the lanes after the queued work is done; later work is refused (`Stopped`).
    public func shutdown() {
        lock.lock()
        stopped = true
        let idle = idleInteractiveLanes + idleBackgroundLanes
        idleInteractiveLanes = []
        idleBackgroundLanes = []
        lock.unlock()
        for lane in idle { wakeups[lane].signal() }
    }

    private func laneLoop(_ index: Int) {
        let runsBackground = index < backgroundLanes
        // With no interactive-only lane (one lane), job lanes must take interactive work first.
        let shared = backgroundLanes == lanes
        if runsBackground { BackgroundPriority.lowerCurrentThread() }
        // While requests arrive, a job lane gives up its core every 200 µs, inside a step too:
        // the idle class alone did not keep a step from holding a core a request waited for.
        let yields = runsBackground ? BackgroundPriority.YieldTimer() : nil
        while true {
            lock.lock()
            let work: (() -> Void)?
            if pendingInteractive > 0 && (!runsBackground || shared || pendingBackground == 0) {
                work = interactive[interactiveHead]
                interactiveHead += 1
                compact(&interactive, &interactiveHead)
            } else if runsBackground && pendingBackground > 0 {
                work = background[backgroundHead]
                backgroundHead += 1
                compact(&background, &backgroundHead)
            } else {
                work = nil
            }
            guard let work else {
                if stopped {
                    lock.unlock()
                    return
                }
                if runsBackground { idleBackgroundLanes.append(index) } else { idleInteractiveLanes.append(index) }
                lock.unlock()
                yields?.stop()
                wakeups[index].wait()
                continue
            }
            running += 1
            lock.unlock()
            yields?.update()
            work()
            lock.lock()
            running -= 1
            lock.unlock()
        }
    }

    /// Drops consumed entries once they dominate the array (amortised O(1) dequeue).
    private func compact(_ queue: inout [() -> Void], _ head: inout Int) {
        if head > 64 && head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
    }
}
