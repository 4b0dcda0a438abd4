import PostgresNIO
import Synchronization

/// Bounds an operation on the database in time.
///
/// While PostgreSQL is away, PostgresNIO's pool keeps a request for a connection waiting until one can
/// be made again. Requests must not wait that long: ingest has to answer `503` so that the publisher
/// retries, and the follower has to try again later. The wait is cancellable, so cancelling it on the
/// deadline frees the caller at once.
enum PostgresDeadline {
    /// How long one operation may wait for the database.
    static let `default` = Duration.seconds(3)

    static func run<T: Sendable>(
        within limit: Duration = PostgresDeadline.default, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw StoreError.unavailable("PostgreSQL did not answer within \(limit)")
            }
            return value
        }
    }
}

/// Remembers that the database is away, so that callers fail at once instead of each waiting out
/// the deadline: after a failure, calls fail immediately for `retryEvery`, then one gets through to
/// try again. The first success ends the outage.
final class PostgresOutage: Sendable {
    let retryEvery: Duration
    private let since = Mutex<ContinuousClock.Instant?>(nil)

    init(retryEvery: Duration = .seconds(1)) {
        self.retryEvery = retryEvery
    }

    /// Throws `StoreError.unavailable` while an outage is recent.
    func check() throws {
        let now = ContinuousClock.now
        let refuse = since.withLock { since -> Bool in
            guard let start = since, now - start < retryEvery else { return false }
            return true
        }
        if refuse { throw StoreError.unavailable("PostgreSQL is unavailable; retrying") }
    }

    /// An error the server raised about the query itself (a constraint, a syntax error), not about
    /// being reachable: SQLSTATE classes 08 (connection) and 57 (operator intervention, e.g. shutdown)
    /// mean the database is away.
    static func isAboutTheQuery(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError, error.code == .server, let state = error.serverInfo?[.sqlState] else { return false }
        return !state.hasPrefix("08") && !state.hasPrefix("57")
    }

    func failed() { since.withLock { $0 = ContinuousClock.now } }
    func succeeded() { since.withLock { $0 = nil } }

    /// Runs `body` within the deadline, unless an outage is recent, and records how it went.
    func run<T: Sendable>(within limit: Duration = PostgresDeadline.default, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try check()
        do {
            let value = try await PostgresDeadline.run(within: limit, body)
            succeeded()
            return value
        } catch let error as StoreError {
            if case .unavailable = error { failed() }
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            if !Self.isAboutTheQuery(error) { failed() }
            throw error
        }
    }
}
