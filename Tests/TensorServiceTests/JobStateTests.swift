import Testing
@testable import TensorService

/// The job lifecycle as a pure state machine: every (status, event) pair, no I/O.
@Suite struct JobStateTests {
    func machine(_ s: JobStatus) -> JobLifecycle { JobLifecycle(status: s) }

    @Test func happyPath() throws {
        var job = JobLifecycle()
        #expect(job.status == .queued)
        #expect(try job.handle(.start) == [.transition(.running, "started"), .runStep])
        #expect(try job.handle(.stepCompleted) == [.runStep])
        #expect(try job.handle(.finished("completed 3 epochs")) == [.transition(.succeeded, "completed 3 epochs"), .end])
        #expect(job.status == .succeeded)
    }

    @Test func cancelQueuedEndsAtOnce() throws {
        var job = JobLifecycle()
        #expect(try job.handle(.cancel) == [.transition(.cancelled, "cancelled before it started"), .end])
        #expect(job.status == .cancelled)
    }

    @Test func cancelRunningStopsAfterTheCurrentStep() throws {
        var job = machine(.running)
        #expect(try job.handle(.cancel) == [.transition(.cancelling, "cancel requested; stopping after the current step")])
        #expect(try job.handle(.cancel) == [], "cancelling again changes nothing")
        #expect(try job.handle(.stepCompleted) == [.transition(.cancelled, "cancelled"), .end])
        #expect(try job.handle(.cancel) == [], "cancelling a cancelled job is idempotent")
    }

    @Test func aStepThatEndsTheWorkWhileCancellingStillCancels() throws {
        var job = machine(.cancelling)
        #expect(try job.handle(.finished("completed")) == [.transition(.cancelled, "cancelled"), .end])
    }

    @Test func failures() throws {
        var running = machine(.running)
        #expect(try running.handle(.failed("step 3: boom")) == [.transition(.failed, "step 3: boom"), .end])
        var cancelling = machine(.cancelling)
        #expect(try cancelling.handle(.failed("x")) == [.transition(.failed, "x"), .end])
    }

    @Test func restart() throws {
        var running = machine(.running)
        #expect(try running.handle(.restart) == [.runStep])
        #expect(running.status == .running)
        var cancelling = machine(.cancelling)
        #expect(try cancelling.handle(.restart).last == .end)
        #expect(cancelling.status == .cancelled)
    }

    @Test func succeededAndFailedCannotBeCancelled() {
        for s in [JobStatus.succeeded, .failed] {
            var job = machine(s)
            #expect(throws: JobLifecycleError.notCancellable(s)) { try job.handle(.cancel) }
        }
    }

    /// Terminal states never change, whatever happens.
    @Test(arguments: [JobStatus.succeeded, .failed, .cancelled])
    func terminalStatesNeverChange(_ s: JobStatus) {
        let events: [JobEvent] = [.start, .restart, .stepCompleted, .finished("x"), .failed("x"), .cancel]
        for e in events {
            var job = machine(s)
            _ = try? job.handle(e)
            #expect(job.status == s, "\(e) moved \(s)")
        }
    }

    /// Every pair the machine refuses leaves the status as it was.
    @Test func refusedEventsChangeNothing() {
        let events: [JobEvent] = [.start, .restart, .stepCompleted, .finished("x"), .failed("x"), .cancel]
        for s in JobStatus.allCases {
            for e in events {
                var job = machine(s)
                do { _ = try job.handle(e) } catch { #expect(job.status == s) }
            }
        }
        var queued = machine(.queued)
        #expect(throws: JobLifecycleError.invalid(.stepCompleted, .queued)) { try queued.handle(.stepCompleted) }
        var running = machine(.running)
        #expect(throws: JobLifecycleError.invalid(.start, .running)) { try running.handle(.start) }
    }

    @Test func terminality() {
        #expect(JobStatus.allCases.filter(\.isTerminal) == [.succeeded, .failed, .cancelled])
    }
}
