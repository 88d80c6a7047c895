import Foundation

/// The one place compute runs: a fixed number of lanes (threads), fed from two bounded
/// queues. Interactive requests (`/v1/ops`, `/v1/eval`) always go before job steps, so a
/// running job delays an interactive request by at most one step. At most
/// `backgroundLanes` lanes run background work at once (all but one by default), so that a
/// lane is free for interactive requests the moment they arrive even while jobs run: job
/// steps are CPU-bound, and with every core busy an interactive request would otherwise wait
/// on the operating system's scheduler as well.
public final class ComputeEngine: @unchecked Sendable {
    public enum Priority: Sendable { case interactive, background }

    public struct QueueFull: Error, Sendable {
        public let priority: Priority
        public let capacity: Int
    }

    public let lanes: Int
    public let interactiveCapacity: Int
    public let backgroundCapacity: Int
    public let backgroundLanes: Int

    private let condition = NSCondition()
    private var interactive: [() -> Void] = []
    private var background: [() -> Void] = []
    private var interactiveHead = 0
    private var backgroundHead = 0
    private var running = 0
    private var runningBackground = 0
    private var stopped = false
    private var threads: [Thread] = []

    /// `backgroundLanes` nil: `lanes − 1`, at least 1.
    public init(lanes: Int, interactiveCapacity: Int = 1024, backgroundCapacity: Int = 1024, backgroundLanes: Int? = nil) {
        self.lanes = max(1, lanes)
        self.backgroundLanes = min(self.lanes, max(1, backgroundLanes ?? lanes - 1))
        self.interactiveCapacity = interactiveCapacity
        self.backgroundCapacity = backgroundCapacity
        for i in 0..<self.lanes {
            let t = Thread { [unowned self] in self.laneLoop() }
            t.name = "tensord-lane-\(i)"
            t.stackSize = 8 << 20
            threads.append(t)
            t.start()
        }
    }

    /// Work waiting for a lane (both queues).
    public var queueDepth: Int {
        condition.lock(); defer { condition.unlock() }
        return pendingInteractive + pendingBackground
    }

    /// Lanes busy right now.
    public var busyLanes: Int {
        condition.lock(); defer { condition.unlock() }
        return running
    }

    private var pendingInteractive: Int { interactive.count - interactiveHead }
    private var pendingBackground: Int { background.count - backgroundHead }
    private var backgroundReady: Bool { pendingBackground > 0 && runningBackground < backgroundLanes }

    /// Queues `work`; throws `QueueFull` instead of growing without bound.
    public func enqueue(_ priority: Priority, _ work: @escaping () -> Void) throws {
        condition.lock()
        defer { condition.unlock() }
        switch priority {
        case .interactive:
            guard pendingInteractive < interactiveCapacity else { throw QueueFull(priority: priority, capacity: interactiveCapacity) }
            interactive.append(work)
        case .background:
            guard pendingBackground < backgroundCapacity else { throw QueueFull(priority: priority, capacity: backgroundCapacity) }
            background.append(work)
            // At the background limit no lane may take it now; the lane that finishes
            // background work will.
            guard backgroundReady else { return }
        }
        condition.signal()
    }

    /// Runs `body` on a lane and waits for its result (the calling connection thread blocks,
    /// the lane does the compute).
    public func run<T>(_ priority: Priority = .interactive, _ body: @escaping () throws -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Result<T, Error>?
        try enqueue(priority) {
            result = Result { try body() }
            done.signal()
        }
        done.wait()
        return try result!.get()
    }

    /// Stops the lanes after the queued work is done.
    public func shutdown() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func laneLoop() {
        while true {
            condition.lock()
            while pendingInteractive == 0 && !backgroundReady && !stopped { condition.wait() }
            let work: (() -> Void)?
            var isBackground = false
            if pendingInteractive > 0 {
                work = interactive[interactiveHead]
                interactiveHead += 1
                compact(&interactive, &interactiveHead)
                // Background work this lane would have taken goes to an idle lane instead.
                if backgroundReady { condition.signal() }
            } else if backgroundReady {
                work = background[backgroundHead]
                backgroundHead += 1
                isBackground = true
                runningBackground += 1
                compact(&background, &backgroundHead)
            } else {
                work = nil
            }
            if work != nil { running += 1 }
            condition.unlock()
            guard let work else { return }
            work()
            condition.lock()
            running -= 1
            // No signal for queued background work: this lane takes it itself as it loops, which
            // keeps a job's consecutive steps on one thread instead of waking another each time.
            if isBackground { runningBackground -= 1 }
            condition.unlock()
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
