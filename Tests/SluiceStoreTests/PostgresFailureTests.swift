import Foundation
import Logging
import PostgresNIO
import SluiceCore
import SluiceTestSupport
import Testing

@testable import SluiceStore

/// How `PostgresStore` tells a failed query from a database that is away, and whose clock it keeps.
@Suite(.enabled(if: TestDatabase.serverURL != nil, "needs SLUICE_TEST_POSTGRES_URL"))
struct PostgresFailureTests {
    /// A statement that fails inside a transaction (a constraint, a deadlock, here a division by zero)
    /// is about that statement: the next call goes through at once. Were it taken for an outage, every
    /// call would be refused for a second ("PostgreSQL is unavailable; retrying").
    @Test func aFailedTransactionIsNotAnOutage() async throws {
        let store = try await PostgresStore.open(try PostgresLocation(try await TestDatabase.create()), logger: Logger(label: "test"))
        defer { Task { try? await store.close() } }
        for _ in 0..<3 {
            await #expect(throws: StoreError.self) {
                try await store.transaction { connection in
                    try await connection.query("SELECT 1 / 0", logger: Logger(label: "test"))
                }
            }
            try await store.ping()
            #expect(try await store.lastSequence() == 0)
        }
        try await store.close()
    }

    /// Every node decides expiries on the database's clock: a node whose own clock is an hour off
    /// still reads the database's time, within the round trip.
    @Test func theStoreClockFollowsTheDatabaseNotTheNode() async throws {
        let url = try await TestDatabase.create()
        let skewed = try await PostgresStore.open(try PostgresLocation(url), clockSkew: 3600, logger: Logger(label: "test"))
        // The test's PostgreSQL runs on this machine, so its clock is this process's.
        #expect(abs(skewed.clock.now().timeIntervalSinceNow) < 1, "\(skewed.clock.now()) vs \(Date())")
        #expect(skewed.clock.local.timeIntervalSinceNow > 3500, "the skew is applied to the node's own clock")
        try await skewed.close()
    }
}
