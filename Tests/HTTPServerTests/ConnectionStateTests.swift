import Testing
@testable import HTTPServer

@Suite struct ConnectionStateTests {
    static let configuration = HTTPServerConfiguration(
        headerReadTimeout: .seconds(2), bodyReadTimeout: .seconds(5), idleTimeout: .seconds(30),
        maxRequestsPerConnection: 3)
    let start = ContinuousClock.now

    @Test func idleDeadlineClosesSilently() {
        let state = ConnectionState(configuration: Self.configuration, now: start)
        #expect(state.phase == .idle)
        #expect(state.deadline == start + .seconds(30))
        #expect(state.timeoutAction == .close)
    }

    @Test func headerTimerRunsFromTheFirstByteAndIsNotReset() {
        var state = ConnectionState(configuration: Self.configuration, now: start)
        state.bytesArrived(now: start + .seconds(1))
        state.bytesArrived(now: start + .seconds(2))  // more bytes of the same head do not extend it
        #expect(state.phase == .readingHead)
        #expect(state.deadline == start + .seconds(3))
        #expect(state.timeoutAction == .rejectAndClose)
    }

    @Test func bodyTimerStartsWhenTheHeadIsParsed() {
        var state = ConnectionState(configuration: Self.configuration, now: start)
        state.bytesArrived(now: start)
        state.headParsed(now: start + .seconds(1))
        state.headParsed(now: start + .seconds(4))
        #expect(state.phase == .readingBody)
        #expect(state.deadline == start + .seconds(6))
        #expect(state.timeoutAction == .rejectAndClose)
    }

    @Test func keepAliveUntilTheCapOrShutdown() {
        var state = ConnectionState(configuration: Self.configuration, now: start)
        let first = state.beginResponse(clientKeepsAlive: true, shuttingDown: false)
        let second = state.beginResponse(clientKeepsAlive: false, shuttingDown: false)
        let third = state.beginResponse(clientKeepsAlive: true, shuttingDown: false)  // the cap
        #expect([first, second, third] == [true, false, false])
        var other = ConnectionState(configuration: Self.configuration, now: start)
        let shuttingDown = other.beginResponse(clientKeepsAlive: true, shuttingDown: true)
        #expect(!shuttingDown)
    }

    @Test func pipelinedRequestStartsItsHeaderTimerAtOnce() {
        var state = ConnectionState(configuration: Self.configuration, now: start)
        state.bytesArrived(now: start)
        _ = state.beginResponse(clientKeepsAlive: true, shuttingDown: false)
        state.responseSent(now: start + .seconds(1), nextRequestBuffered: true)
        #expect(state.phase == .readingHead)
        #expect(state.deadline == start + .seconds(3))
        state.responseSent(now: start + .seconds(2), nextRequestBuffered: false)
        #expect(state.phase == .idle)
    }
}
