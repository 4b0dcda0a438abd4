import SQLiteNIO
import Synchronization

/// The store's reader connections, each lent to one caller at a time.
///
/// A reader connection must never be shared by two callers at once: SQLite's snapshot belongs to the
/// connection, so a caller that opens a read transaction (`BEGIN` … `COMMIT`, as `socialGraph()` does)
/// would pull every other caller's statement on that connection into its old snapshot. A revoked
/// grant, a fresh key or a fresh token would then read as absent or present by chance. Callers wait
/// in order for a free connection instead; reads are short, so the wait is too.
final class SQLiteReaders: Sendable {
    private struct State {
        var idle: [SQLiteConnection]
        var waiters: [CheckedContinuation<SQLiteConnection, any Error>] = []
        var isClosed = false
    }

    private let all: [SQLiteConnection]
    private let state: Mutex<State>

    init(_ connections: [SQLiteConnection]) {
        precondition(!connections.isEmpty, "a store needs at least one reader")
        self.all = connections
        self.state = Mutex(State(idle: connections))
    }

    /// Runs `body` with a connection no one else uses until it returns.
    func withReader<T>(_ body: (SQLiteConnection) async throws -> T) async throws -> T {
        let connection = try await checkOut()
        defer { checkIn(connection) }
        return try await body(connection)
    }

    private func checkOut() async throws -> SQLiteConnection {
        enum Next { case take(SQLiteConnection), wait, closed }
        let next = state.withLock { state -> Next in
            if state.isClosed { return .closed }
            if let connection = state.idle.popLast() { return .take(connection) }
            return .wait
        }
        switch next {
        case .take(let connection): return connection
        case .closed: throw StoreError.closed
        case .wait:
            return try await withCheckedThrowingContinuation { continuation in
                // Re-checked under the lock: a connection may have come back, or the store closed, meanwhile.
                let ready = state.withLock { state -> Result<SQLiteConnection, any Error>? in
                    if state.isClosed { return .failure(StoreError.closed) }
                    if let connection = state.idle.popLast() { return .success(connection) }
                    state.waiters.append(continuation)
                    return nil
                }
                if let ready { continuation.resume(with: ready) }
            }
        }
    }

    private func checkIn(_ connection: SQLiteConnection) {
        let waiter = state.withLock { state -> CheckedContinuation<SQLiteConnection, any Error>? in
            guard !state.waiters.isEmpty else {
                state.idle.append(connection)
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.resume(returning: connection)
    }

    /// Refuses new callers, fails waiting ones with `StoreError.closed`, and closes every connection.
    func close() async throws {
        let waiters = state.withLock { state in
            state.isClosed = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(throwing: StoreError.closed) }
        var failure: (any Error)?
        for connection in all {
            do { try await connection.closeEvenIfCancelled() } catch { failure = failure ?? error }
        }
        if let failure { throw failure }
    }
}
