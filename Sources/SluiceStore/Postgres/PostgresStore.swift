import Foundation
import Logging
import PostgresNIO
import SluiceCore
import Synchronization

/// The store several Sluice nodes share: one PostgreSQL database holds the log, the derived state,
/// keys, tokens, apps, and the leases and windows behind the limits that hold across nodes.
///
/// Appends go through `PostgresLogWriter` (global order, group commit, `NOTIFY` on commit); everything
/// else is a short transaction on PostgresNIO's connection pool. Connection failures surface as
/// `StoreError.unavailable`, which the server answers with `503` and `Retry-After`; the pool reconnects
/// by itself when the database is back.
public final class PostgresStore: Store {
    let client: PostgresClient
    let clientTask: Task<Void, Never>
    let writer: PostgresLogWriter
    let logger: Logger
    let isClosed = Mutex(false)
    let outage: PostgresOutage
    public let clusterBus: (any ClusterBus)?
    /// Follows the database's clock (`synchronizeClock`, at open and at each lease renewal).
    public let clock: StoreClock

    init(
        client: PostgresClient, clientTask: Task<Void, Never>, maxEventBytes: Int, clock: StoreClock, operationDeadline: Duration, logger: Logger
    ) {
        self.outage = PostgresOutage(deadline: operationDeadline)
        self.client = client
        self.clientTask = clientTask
        self.logger = logger
        self.clock = clock
        self.writer = PostgresLogWriter(client: client, outage: outage, maxEventBytes: maxEventBytes, logger: logger)
        self.clusterBus = PostgresClusterBus(client: client, logger: logger)
    }

    /// Connects to the database at `location` and migrates it (safely when several nodes start at once).
    /// - Parameter maxEventBytes: the largest event accepted, by its stored JSON (`StoreError.rejected`, `event_too_large`).
    /// - Parameter clockSkew: added to this node's clock before it is corrected to the database's (tests only).
    /// - Parameter operationDeadline: how long one operation may wait for the database before it is
    ///   answered `StoreError.unavailable` (5 s; tests that load a shared machine give more).
    public static func open(
        _ location: PostgresLocation, maxEventBytes: Int = Event.defaultMaxStoredBytes, clockSkew: TimeInterval = 0,
        operationDeadline: Duration = .seconds(5), logger: Logger
    ) async throws -> PostgresStore {
        do {
            try await PostgresSchema.migrate(location, logger: logger)
        } catch {
            throw StoreError.unavailable(
                "cannot open PostgreSQL database \(location.database) at \(location.host):\(location.port): \(String(reflecting: error))")
        }
        let client = PostgresClient(configuration: location.configuration, backgroundLogger: logger)
        // The pool runs for as long as the store is open; `close()` cancels it.
        let clientTask = Task { await client.run() }
        let store = PostgresStore(
            client: client, clientTask: clientTask, maxEventBytes: maxEventBytes, clock: StoreClock(skew: clockSkew),
            operationDeadline: operationDeadline, logger: logger)
        do {
            try await store.synchronizeClock()
        } catch {
            try? await store.close()
            throw error
        }
        return store
    }

    /// Reads the database's clock, so that `clock.now()` follows it.
    func synchronizeClock() async throws {
        let sent = ContinuousClock.now
        let reference = try await rows("SELECT (extract(epoch from clock_timestamp()) * 1000)::INT8 AS now").first?.int64("now")
        let received = ContinuousClock.now
        if let reference { clock.synchronize(reference: Date(timeIntervalSince1970: Double(reference) / 1000), sent: sent, received: received) }
    }

    /// Runs `body`, turning the driver's errors into `StoreError.unavailable` (the caller may retry).
    func run<T: Sendable>(
        within limit: Duration? = nil, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        guard !isClosed.withLock({ $0 }) else { throw StoreError.closed }
        do {
            return try await outage.run(within: limit, body)
        } catch let error as StoreError {
            throw error
        } catch let error as PostgresTransactionError where error.closureError is StoreError {
            throw error.closureError!
        } catch {
            throw StoreError.unavailable("PostgreSQL: \(Self.describe(error))")
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? PostgresTransactionError, let cause = error.beginError ?? error.closureError ?? error.commitError {
            return describe(cause)
        }
        if let error = error as? PSQLError {
            return error.serverInfo?[.message] ?? "\(error.code)"
        }
        return "\(error)"
    }

    func rows(_ query: PostgresQuery) async throws -> [PostgresRandomAccessRow] {
        try await run { [client, logger] in try await client.query(query, logger: logger).rows() }
    }

    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await run { [client, logger] in try await client.withTransaction(logger: logger) { try await body($0) } }
    }

    /// A transaction that runs alone among those serialized on `name`, on every node: it first takes a
    /// transaction-level advisory lock on the name, released at commit. For count-then-insert limits.
    func transaction<T: Sendable>(
        serializedOn name: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await transaction { [logger] connection in
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(name)))", logger: logger)
            return try await body(connection)
        }
    }

    /// The mark an abandoned admission leaves, in `once_keys` (kept an hour: far longer than any
    /// admission can be late).
    static func abandonedKey(_ leaseID: String) -> String { "abandoned:" + leaseID }

    public func ping() async throws {
        _ = try await rows("SELECT 1")
    }

    public func close() async throws {
        guard
            isClosed.withLock({ wasClosed in
                defer { wasClosed = true }
                return !wasClosed
            })
        else { return }
        await writer.close()
        clientTask.cancel()
        await clientTask.value
    }
}
