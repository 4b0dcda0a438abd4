import Logging
import ServiceLifecycle
import Synchronization
import Testing

@testable import SluiceServer

/// Shutdown must not pass `ConnectionDrain` while a connection is still open (a stream writing its
/// farewell): the services after it, the leases and the store, would end under it.
@Suite struct ConnectionDrainTests {
    /// Notes how many connections were open when its shutdown began.
    final class Sentinel: Service {
        let census: ConnectionCensus
        let openAtShutdown = Mutex<Int?>(nil)

        init(census: ConnectionCensus) { self.census = census }

        func run() async throws {
            try? await gracefulShutdown()
            openAtShutdown.withLock { $0 = census.openConnections }
        }
    }

    @Test func shutdownWaitsForTheLastConnection() async throws {
        let census = ConnectionCensus()
        _ = census.opened()
        let sentinel = Sentinel(census: census)
        // Shut down in reverse: the drain first, then the sentinel.
        let group = ServiceGroup(
            services: [sentinel, ConnectionDrain(census: census, limit: .seconds(30))],
            logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            await group.triggerGracefulShutdown()
            // The connection closes a moment later, as a farewell's does.
            try await Task.sleep(for: .milliseconds(200))
            census.closed()
            try await tasks.waitForAll()
        }
        #expect(sentinel.openAtShutdown.withLock { $0 } == 0, "the services after the drain began to shut down with a connection open")
    }

    @Test func shutdownGivesUpOnAConnectionThatNeverCloses() async throws {
        let census = ConnectionCensus()
        _ = census.opened()
        let group = ServiceGroup(services: [ConnectionDrain(census: census, limit: .milliseconds(100))], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(census.openConnections == 1)
    }
}
