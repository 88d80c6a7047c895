import Foundation
import Testing
@testable import TensorService

/// LISTEN/NOTIFY: a commit on one node wakes the listeners of the others, and a listener
/// whose connection was cut reconnects and says so (its waiters then look again).
struct PostgresListenerTests {
    /// Polls `condition` for up to `seconds`.
    static func eventually(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while Date() < deadline { if condition() { return true }; usleep(10_000) }
        return condition()
    }

    /// The queue's channel hears submissions and released leases, not the other writes.
    @Test func submissionsAndReleasedLeasesNotifyTheQueueChannel() throws {
        let pool = try PostgresTestServer.shared.migratedPool()
        let heard = Locked<[String?]>([])
        let listener = PostgresListener(url: pool.url, channel: PostgresJobStore.queueChannel) { p in heard.update { $0.append(p) } }
        listener.start()
        defer { listener.stop() }
        #expect(Self.eventually(30) { heard.value == [nil] }, "the listener connects and says so once")

        let store = PostgresJobStore(pool: pool)
        for id in ["j-1", "j-2"] { _ = try store.create(JobStoreTests.record(id)) }
        var a = try #require(try store.claim(node: "a", leaseMillis: 60_000, job: "j-1"))
        a.status = .running
        try store.commit(JobWrite(job: a))
        var b = try #require(try store.claim(node: "a", leaseMillis: 60_000, job: "j-2"))
        b.status = .running
        try store.commit(JobWrite(job: b, releaseLease: true))
        // Notifications arrive in commit order: j-1's plain write, had it notified, would come before j-2's release.
        #expect(Self.eventually(30) { heard.value.count >= 4 } && heard.value == [nil, "j-1", "j-2", "j-2"], "\(heard.value)")
    }

    @Test func aCommitWakesAListenerWhichSurvivesALostConnection() throws {
        let pool = try PostgresTestServer.shared.migratedPool()
        let heard = Locked<[String?]>([])
        let listener = PostgresListener(url: pool.url, channel: PostgresJobStore.channel) { p in heard.update { $0.append(p) } }
        listener.start()
        defer { listener.stop() }
        #expect(Self.eventually(30) { heard.value == [nil] }, "the listener connects and says so once")

        let store = PostgresJobStore(pool: try PostgresPool(url: pool.url))
        guard case .created(var job) = try store.create(JobStoreTests.record("j-1")) else { Issue.record("not created"); return }
        #expect(Self.eventually(30) { heard.value.contains("j-1") }, "\(heard.value)")
        // A write fenced out by a lost lease notifies nobody: its transaction rolled back.
        job.leaseToken = 99
        #expect(throws: JobStoreError.leaseLost("j-1")) { try store.commit(JobWrite(job: job)) }

        // Cut the listener's connection: it reconnects (nil again), then hears commits again.
        try pool.with { db in
            try db.query("SELECT pg_terminate_backend(pid)::text FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()")
        }
        #expect(Self.eventually(30) { heard.value.filter { $0 == nil }.count == 2 }, "\(heard.value)")
        job.leaseToken = 0
        job.step = 1
        try store.commit(JobWrite(job: job))
        #expect(Self.eventually(30) { heard.value.filter { $0 == "j-1" }.count == 2 }, "\(heard.value)")
    }
}
