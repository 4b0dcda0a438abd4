import PostgresNIO
import Synchronization

/// Bounds an operation on the database in time.
///
/// While PostgreSQL is away, PostgresNIO's pool keeps a request for a connection waiting until one can
/// be made again. Requests must not wait that long: ingest has to answer `503` so that the publisher
/// retries, the follower has to try again later, and shutdown must not hang. At the deadline the caller
/// is answered at once and the operation is cancelled; it is not awaited, since a driver call may finish
/// its I/O before it notices. (An append cut off that way may still commit: the publisher was told
/// `503`, as after any lost connection, and the log stays in order, since commits hold the log's head.)
enum PostgresDeadline {
    /// How long one operation may wait for the database.
    static let `default` = Duration.seconds(5)

    static func run<T: Sendable>(
        within limit: Duration = PostgresDeadline.default, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let race = Race<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                race.start(continuation)
                // Both tasks end by themselves: the work when the driver returns or gives up after its
                // cancellation, the timer at the deadline or as soon as the work is done.
                let work = Task {
                    let result: Result<T, any Error>
                    do { result = .success(try await body()) } catch { result = .failure(error) }
                    race.finish(with: result)
                }
                let timer = Task {
                    try? await Task.sleep(for: limit)
                    if race.finish(with: .failure(StoreError.unavailable("PostgreSQL did not answer within \(limit)"))) { work.cancel() }
                }
                race.onFinish { timer.cancel() }
            }
        } onCancel: {
            race.finish(with: .failure(CancellationError()))
        }
    }

    /// The first of the work, the deadline and cancellation to finish answers the caller.
    private final class Race<T: Sendable>: Sendable {
        private struct State {
            var continuation: CheckedContinuation<T, any Error>?
            var early: Result<T, any Error>?
            var finished = false
            var onFinish: (@Sendable () -> Void)?
        }
        private let state = Mutex(State())

        func start(_ continuation: CheckedContinuation<T, any Error>) {
            let early = state.withLock { state -> Result<T, any Error>? in
                if let early = state.early { return early }
                state.continuation = continuation
                return nil
            }
            if let early { continuation.resume(with: early) }
        }

        func onFinish(_ action: @escaping @Sendable () -> Void) {
            let now = state.withLock { state -> Bool in
                if state.finished { return true }
                state.onFinish = action
                return false
            }
            if now { action() }
        }

        /// Answers the caller unless someone already did; true if this call did.
        @discardableResult
        func finish(with result: Result<T, any Error>) -> Bool {
            let (won, continuation, action) = state.withLock { state -> (Bool, CheckedContinuation<T, any Error>?, (@Sendable () -> Void)?) in
                guard !state.finished else { return (false, nil, nil) }
                state.finished = true
                if state.continuation == nil { state.early = result }
                defer {
                    state.continuation = nil
                    state.onFinish = nil
                }
                return (true, state.continuation, state.onFinish)
            }
            continuation?.resume(with: result)
            action?()
            return won
        }
    }
}

/// Remembers that the database is away, so that callers fail at once instead of each waiting out
/// the deadline: after a failure, calls fail immediately for `retryEvery`, then one gets through to
/// try again. The first success ends the outage.
///
/// A call that merely ran out of time while others succeeded meanwhile (a loaded database, a long
/// queue for a lock) is not an outage: it fails alone.
final class PostgresOutage: Sendable {
    let retryEvery: Duration
    private let since = Mutex<ContinuousClock.Instant?>(nil)
    private let lastSuccess = Mutex(ContinuousClock.now)

    /// How long one operation may wait for the database, unless the caller says otherwise.
    let deadline: Duration

    init(retryEvery: Duration = .seconds(1), deadline: Duration = PostgresDeadline.default) {
        self.retryEvery = retryEvery
        self.deadline = deadline
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
    /// Errors inside `withTransaction` arrive wrapped in `PostgresTransactionError`: the statement's
    /// own error decides (a constraint, a deadlock or a serialization failure is about the query).
    static func isAboutTheQuery(_ error: any Error) -> Bool {
        if let error = error as? PostgresTransactionError {
            guard let cause = error.beginError ?? error.closureError ?? error.commitError else { return false }
            // An error of Sluice's own code in the transaction (a decoding failure, a refusal) is about the query too.
            return !(cause is PSQLError) || isAboutTheQuery(cause)
        }
        guard let error = error as? PSQLError, error.code == .server, let state = error.serverInfo?[.sqlState] else { return false }
        return !state.hasPrefix("08") && !state.hasPrefix("57")
    }

    func failed() { since.withLock { $0 = ContinuousClock.now } }
    func succeeded() {
        since.withLock { $0 = nil }
        lastSuccess.withLock { $0 = ContinuousClock.now }
    }

    /// Runs `body` within the deadline, unless an outage is recent, and records how it went.
    func run<T: Sendable>(within limit: Duration? = nil, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try check()
        let start = ContinuousClock.now
        do {
            let value = try await PostgresDeadline.run(within: limit ?? deadline, body)
            succeeded()
            return value
        } catch let error as StoreError {
            if case .unavailable = error, lastSuccess.withLock({ $0 < start }) { failed() }
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            if !Self.isAboutTheQuery(error) { failed() }
            throw error
        }
    }
}
