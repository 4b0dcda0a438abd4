import Foundation
import Logging
import SluiceCore
import SluiceStore
import SluiceTestSupport
import Synchronization
import Testing

/// The shared log's order, with several nodes (each its own `PostgresStore` and connection pool)
/// appending to one database at once while readers follow it by sequence, as nodes do.
@Suite(.enabled(if: TestDatabase.serverURL != nil, "needs SLUICE_TEST_POSTGRES_URL"))
struct PostgresLogOrderTests {
    @Test func readersFollowingByCursorNeverSkipALateCommit() async throws {
        let url = try await TestDatabase.create()
        var nodes: [PostgresStore] = []
        for _ in 0..<3 { nodes.append(try await PostgresStore.open(try PostgresLocation(url), logger: Logger(label: "test"))) }
        let author = Fixtures.user(1)
        _ = try await nodes[0].append([.userUpdate(author)])
        let writersPerNode = 4, appendsPerWriter = 25
        let total = 1 + nodes.count * writersPerNode * appendsPerWriter * 2

        // Each reader moves its cursor to the last event it read, as a node's follower does. Had a
        // lower sequence committed after a higher one, the reader would have stepped over it.
        let seen = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for node in nodes {
                group.addTask {
                    var cursor: Int64 = 0
                    var read: [Int64] = []
                    let deadline = ContinuousClock.now + .seconds(60)
                    while cursor < Int64(total), ContinuousClock.now < deadline {
                        let page = try await node.events(after: cursor, limit: 200)
                        read += page.map(\.sequence)
                        cursor = page.last?.sequence ?? cursor
                        if page.isEmpty { await Task.yield() }
                    }
                    return read
                }
            }
            for (n, node) in nodes.enumerated() {
                for w in 0..<writersPerNode {
                    group.addTask {
                        for a in 0..<appendsPerWriter {
                            let base = Int64(((n * writersPerNode + w) * appendsPerWriter + a) * 2 + 100)
                            _ = try await node.append([.tweet(Fixtures.tweet(base, by: author)), .tweet(Fixtures.tweet(base + 1, by: author))])
                        }
                        return []
                    }
                }
            }
            var readers: [[Int64]] = []
            for try await result in group where !result.isEmpty { readers.append(result) }
            return readers
        }
        #expect(seen.count == nodes.count)
        for read in seen {
            #expect(read == Array(1...Int64(total)), "every reader saw every sequence once, in order")
        }
        let log = try await nodes[1].events(after: 0, limit: total + 10)
        #expect(log.count == total)
        for node in nodes { try await node.close() }
    }
}
