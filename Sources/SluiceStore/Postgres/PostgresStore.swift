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
    private let client: PostgresClient
    private let clientTask: Task<Void, Never>
    private let writer: PostgresLogWriter
    private let logger: Logger
    private let isClosed = Mutex(false)
    private let outage: PostgresOutage
    public let clusterBus: (any ClusterBus)?
    /// Follows the database's clock (`synchronizeClock`, at open and at each lease renewal).
    public let clock: StoreClock

    private init(
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
    private func run<T: Sendable>(
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

    private static func describe(_ error: any Error) -> String {
        if let error = error as? PostgresTransactionError, let cause = error.beginError ?? error.closureError ?? error.commitError {
            return describe(cause)
        }
        if let error = error as? PSQLError {
            return error.serverInfo?[.message] ?? "\(error.code)"
        }
        return "\(error)"
    }

    private func rows(_ query: PostgresQuery) async throws -> [PostgresRandomAccessRow] {
        try await run { [client, logger] in try await client.query(query, logger: self.logger).rows() }
    }

    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await run { [client, logger] in try await client.withTransaction(logger: logger) { try await body($0) } }
    }

    /// A transaction that runs alone among those serialized on `name`, on every node: it first takes a
    /// transaction-level advisory lock on the name, released at commit. For count-then-insert limits.
    private func transaction<T: Sendable>(
        serializedOn name: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await transaction { [logger] connection in
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(name)))", logger: logger)
            return try await body(connection)
        }
    }

    // MARK: Log

    public func append(_ events: [Event], idempotency: IdempotencyKey?) async throws -> Appended {
        precondition(!events.isEmpty, "append needs at least one event")
        return try await writer.append(events, idempotency: idempotency)
    }

    public func events(after sequence: Int64, limit: Int) async throws -> [StoredEvent] {
        try await rows("SELECT seq, type, data, accepted_at, batch_end FROM events WHERE seq > \(sequence) ORDER BY seq LIMIT \(Int64(limit))")
            .map { try $0.storedEvent() }
    }

    public func lastSequence() async throws -> Int64 {
        try await rows("SELECT seq FROM log_head WHERE id = 1").first?.int64("seq") ?? 0
    }

    // MARK: Users and graph

    public func user(id: Int64) async throws -> User? {
        try await rows("SELECT data FROM users WHERE id = \(id)").first?.user()
    }

    public func following(of userID: Int64) async throws -> [Int64] {
        try await rows("SELECT target_id FROM follows WHERE source_id = \(userID) ORDER BY target_id").map { try $0.int64("target_id") }
    }

    public func followers(of userID: Int64) async throws -> [Int64] {
        try await rows("SELECT source_id FROM follows WHERE target_id = \(userID) ORDER BY source_id").map { try $0.int64("source_id") }
    }

    public func isBlocking(_ sourceID: Int64, _ targetID: Int64) async throws -> Bool {
        try await !rows("SELECT 1 FROM blocks WHERE source_id = \(sourceID) AND target_id = \(targetID)").isEmpty
    }

    public func tweetStates(ids: Set<Int64>, asOf position: Int64) async throws -> [Int64: KnownEntities.TweetState] {
        guard !ids.isEmpty else { return [:] }
        var states: [Int64: KnownEntities.TweetState] = [:]
        for row in try await rows(
            """
            SELECT id, author_id, retweet_of, (CASE WHEN deleted AND COALESCE(deleted_seq, 0) <= \(position) THEN 1 ELSE 0 END)::INT8 AS deleted,
                (CASE WHEN posted_protected THEN 1 ELSE 0 END)::INT8 AS posted_protected
            FROM tweets WHERE id = ANY(\(Array(ids)))
            """)
        {
            states[try row.int64("id")] = try row.tweetState()
        }
        return states
    }

    public func socialGraph() async throws -> SocialGraph {
        // Large graphs take a while to read; this runs once, at start-up.
        try await run(within: .seconds(300)) { [client, logger] in
            try await client.withConnection { connection in
                // One snapshot: the graph is exactly the state after `sequence`.
                try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: self.logger)
                do {
                    let sequence = try await connection.query("SELECT seq FROM log_head WHERE id = 1", logger: self.logger).rows().first?.int64("seq") ?? 0
                    let users = try await connection.query("SELECT data FROM users", logger: self.logger).rows().map { try $0.user() }
                    var edges: [String: [SocialState.Edge]] = [:]
                    for table in ["follows", "blocks"] {
                        var list: [SocialState.Edge] = []
                        for try await (source, target) in try await connection.query(
                            "SELECT source_id, target_id FROM \(unescaped: table)", logger: self.logger
                        ).decode((Int64, Int64).self) {
                            list.append(.init(source, target))
                        }
                        edges[table] = list
                    }
                    let last = try await connection.query(
                        "SELECT seq, type, data, accepted_at, batch_end FROM events WHERE seq = \(sequence)", logger: self.logger
                    ).rows().first?.storedEvent()
                    try await connection.query("COMMIT", logger: self.logger)
                    return SocialGraph(sequence: sequence, users: users, follows: edges["follows"] ?? [], blocks: edges["blocks"] ?? [], last: last)
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: self.logger)
                    throw error
                }
            }
        }
    }

    public func tweets(ids: Set<Int64>) async throws -> [Int64: Tweet] {
        guard !ids.isEmpty else { return [:] }
        var tweets: [Int64: Tweet] = [:]
        for row in try await rows("SELECT t.id, e.data FROM tweets t JOIN events e ON e.seq = t.seq WHERE t.id = ANY(\(Array(ids)))") {
            tweets[try row.int64("id")] = try row.tweet()
        }
        return tweets
    }

    // MARK: API keys and stream tokens

    public func createAPIKey(_ key: APIKey) async throws {
        let limits = try JSONCoding.string(key.limits)
        _ = try await rows(
            """
            INSERT INTO api_keys (id, name, secret_hash, scopes, limits, created_at)
            VALUES (\(key.id), \(key.name), \(key.secretHash), \(key.scopesColumn), \(limits), \(Int64(key.createdAt.millisecondsSince1970)))
            """)
    }

    public func apiKey(id: String) async throws -> APIKey? {
        try await rows("SELECT * FROM api_keys WHERE id = \(id)").first?.apiKey()
    }

    public func apiKey(secretHash: String) async throws -> APIKey? {
        try await rows("SELECT * FROM api_keys WHERE secret_hash = \(secretHash)").first?.apiKey()
    }

    public func apiKeys() async throws -> [APIKey] {
        try await rows("SELECT * FROM api_keys ORDER BY created_at, id").map { try $0.apiKey() }
    }

    public func revokeAPIKey(id: String, at date: Date) async throws -> APIKey? {
        _ = try await rows("UPDATE api_keys SET revoked_at = \(Int64(date.millisecondsSince1970)) WHERE id = \(id) AND revoked_at IS NULL")
        return try await apiKey(id: id)
    }

    public func issueStreamToken(_ token: StreamToken, limit: Int) async throws -> TokenIssue {
        let since = Int64(token.createdAt.addingTimeInterval(-StreamToken.issueWindow).millisecondsSince1970)
        // Issues for one key take turns across nodes, so the window is counted exactly.
        return try await transaction(serializedOn: "tokens:" + token.keyID) { connection in
            let boundary = try await connection.query(
                """
                SELECT created_at FROM stream_tokens WHERE key_id = \(token.keyID) AND created_at > \(since)
                ORDER BY created_at DESC LIMIT 1 OFFSET \(Int64(limit - 1))
                """, logger: self.logger
            ).rows()
            if let oldest = boundary.first?.date("created_at") {
                let retry = oldest.addingTimeInterval(StreamToken.issueWindow).timeIntervalSince(token.createdAt)
                return .rateLimited(retryAfter: max(1, retry))
            }
            try await connection.query(
                """
                INSERT INTO stream_tokens (secret_hash, key_id, created_at, expires_at)
                VALUES (\(token.secretHash), \(token.keyID), \(Int64(token.createdAt.millisecondsSince1970)), \(Int64(token.expiresAt.millisecondsSince1970)))
                """, logger: self.logger)
            return .issued
        }
    }

    public func streamToken(secretHash: String) async throws -> StreamToken? {
        try await rows("SELECT * FROM stream_tokens WHERE secret_hash = \(secretHash)").first?.streamToken()
    }

    public func purgeStreamTokens(before date: Date) async throws -> Int {
        let cutoff = Int64(min(date, date.addingTimeInterval(-StreamToken.issueWindow)).millisecondsSince1970)
        return try await rows(
            """
            DELETE FROM stream_tokens WHERE (used_at IS NOT NULL OR expires_at < \(Int64(date.millisecondsSince1970))) AND created_at < \(cutoff)
            RETURNING secret_hash
            """
        ).count
    }

    // MARK: Site Streams applications

    public func createApp(_ app: SiteApp) async throws {
        _ = try await rows(
            """
            INSERT INTO apps (id, name, consumer_key, consumer_secret, access_token, access_token_secret, created_at)
            VALUES (\(app.id), \(app.name), \(app.consumerKey), \(app.consumerSecret), \(app.accessToken), \(app.accessTokenSecret),
                \(Int64(app.createdAt.millisecondsSince1970)))
            """)
    }

    public func app(id: String) async throws -> SiteApp? {
        try await rows("SELECT * FROM apps WHERE id = \(id)").first?.siteApp()
    }

    public func app(consumerKey: String) async throws -> SiteApp? {
        try await rows("SELECT * FROM apps WHERE consumer_key = \(consumerKey)").first?.siteApp()
    }

    public func apps() async throws -> [SiteApp] {
        try await rows("SELECT * FROM apps ORDER BY created_at, id").map { try $0.siteApp() }
    }

    public func grant(appID: String, userID: Int64, at date: Date) async throws -> Bool {
        _ = try await rows(
            """
            INSERT INTO app_grants (app_id, user_id, granted_at)
            SELECT a.id, u.id, \(Int64(date.millisecondsSince1970)) FROM apps a, users u WHERE a.id = \(appID) AND u.id = \(userID)
            ON CONFLICT DO NOTHING
            """)
        return try await !rows("SELECT 1 FROM app_grants WHERE app_id = \(appID) AND user_id = \(userID)").isEmpty
    }

    public func revokeGrant(appID: String, userID: Int64) async throws -> Bool {
        try await !rows("DELETE FROM app_grants WHERE app_id = \(appID) AND user_id = \(userID) RETURNING user_id").isEmpty
    }

    public func grantedUsers(appID: String, among userIDs: Set<Int64>) async throws -> Set<Int64> {
        guard !userIDs.isEmpty else { return [] }
        return Set(try await rows("SELECT user_id FROM app_grants WHERE app_id = \(appID) AND user_id = ANY(\(Array(userIDs)))")
            .map { try $0.int64("user_id") })
    }

    // MARK: Limits shared by every node

    public func acquireLease(_ lease: Lease, limit: Int, now: Date) async throws -> Bool {
        let nowMS = Int64(now.millisecondsSince1970)
        return try await transaction(serializedOn: "lease:" + lease.scope) { connection in
            try await self.takePlace(lease, limit: limit, nowMS: nowMS, on: connection)
        }
    }

    /// Inside a transaction serialized on the lease's scope: takes the place if there is one.
    private func takePlace(_ lease: Lease, limit: Int, nowMS: Int64, on connection: PostgresConnection) async throws -> Bool {
        // Checked under the scope's lock, which `abandonAdmission` takes after writing the mark: either
        // this sees the mark, or the abandonment waits for this to commit and then undoes it.
        let abandoned = try await connection.query(
            "SELECT 1 FROM once_keys WHERE key = \(Self.abandonedKey(lease.id))", logger: logger
        ).rows().first != nil
        if abandoned { throw StoreError.unavailable("the admission was abandoned") }
        try await connection.query(
            """
            DELETE FROM leases WHERE id IN (
                SELECT id FROM leases WHERE scope = \(lease.scope) AND expires_at <= \(nowMS) ORDER BY id FOR UPDATE)
            """, logger: logger)
        let held = try await connection.query(
            "SELECT count(*)::INT8 AS n FROM leases WHERE scope = \(lease.scope) AND id <> \(lease.id)", logger: logger
        ).rows().first?.int64("n") ?? 0
        guard held < limit else { return false }
        try await connection.query(
            """
            INSERT INTO leases (id, scope, node, expires_at)
            VALUES (\(lease.id), \(lease.scope), \(lease.node), \(Int64(lease.expiresAt.millisecondsSince1970)))
            ON CONFLICT (id) DO UPDATE SET scope = excluded.scope, node = excluded.node, expires_at = excluded.expires_at
            """, logger: logger)
        return true
    }

    /// The mark an abandoned admission leaves, in `once_keys` (kept an hour: far longer than any
    /// admission can be late).
    private static func abandonedKey(_ leaseID: String) -> String { "abandoned:" + leaseID }

    public func admitStream(tokenHash: String, lease: Lease, limit: Int, now: Date) async throws -> StreamAdmissionOutcome {
        let nowMS = Int64(now.millisecondsSince1970)
        return try await transaction(serializedOn: "lease:" + lease.scope) { connection -> StreamAdmissionOutcome in
            // The row lock makes racing nodes take turns: the second sees `used_at` set.
            guard let token = try await connection.query(
                "SELECT * FROM stream_tokens WHERE secret_hash = \(tokenHash) FOR UPDATE", logger: self.logger
            ).rows().first?.streamToken()
            else { return .refused(.unknown) }
            let key = try await connection.query("SELECT * FROM api_keys WHERE id = \(token.keyID)", logger: self.logger).rows().first?.apiKey()
            let use = TokenUse.of(token, key: key, at: now)
            guard case .consumed(let spent, let current) = use else { return .refused(use) }
            guard try await self.takePlace(lease, limit: limit, nowMS: nowMS, on: connection) else { return .full }
            try await connection.query(
                "UPDATE stream_tokens SET used_at = \(nowMS), used_by = \(lease.id) WHERE secret_hash = \(tokenHash)", logger: self.logger)
            return .admitted(spent, current)
        }
    }

    public func abandonAdmission(leaseID: String, scope: String, tokenHash: String?, now: Date) async throws {
        let until = Int64(now.addingTimeInterval(3600).millisecondsSince1970)
        // The mark first, committed on its own: an admission that has not taken the scope's lock yet
        // will see it. Then, under the lock, undo whatever an admission that did take it committed.
        _ = try await rows(
            """
            INSERT INTO once_keys (key, expires_at) VALUES (\(Self.abandonedKey(leaseID)), \(until))
            ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at
            """)
        try await transaction(serializedOn: "lease:" + scope) { connection in
            try await connection.query("DELETE FROM leases WHERE id = \(leaseID)", logger: self.logger)
            if let tokenHash {
                try await connection.query(
                    "UPDATE stream_tokens SET used_at = NULL, used_by = NULL WHERE secret_hash = \(tokenHash) AND used_by = \(leaseID)",
                    logger: self.logger)
            }
        }
    }

    public func releaseLease(id: String) async throws {
        _ = try await rows("DELETE FROM leases WHERE id = \(id)")
    }

    public func renewLeases(_ ids: Set<String>, node: String, until: Date, now: Date) async throws -> Set<String> {
        // In id order, as every statement that locks several lease rows: no deadlock between nodes.
        let renewed = ids.isEmpty ? [] : Set(try await rows(
            """
            UPDATE leases SET expires_at = \(Int64(until.millisecondsSince1970))
            WHERE id IN (
                SELECT id FROM leases WHERE id = ANY(\(Array(ids))) AND node = \(node) AND expires_at > \(Int64(now.millisecondsSince1970))
                ORDER BY id FOR UPDATE)
            RETURNING id
            """
        ).map { try $0.string("id") })
        // The heartbeat also keeps this node's clock on the database's (after the renewal, which is urgent).
        try? await synchronizeClock()
        return renewed
    }

    public func lease(id: String, now: Date) async throws -> Lease? {
        guard let row = try await rows(
            "SELECT * FROM leases WHERE id = \(id) AND expires_at > \(Int64(now.millisecondsSince1970))"
        ).first else { return nil }
        return Lease(id: try row.string("id"), scope: try row.string("scope"), node: try row.string("node"), expiresAt: row.date("expires_at") ?? now)
    }

    public func admit(scope: String, limit: Int, window: TimeInterval, at date: Date) async throws -> TimeInterval? {
        let at = Int64(date.millisecondsSince1970)
        let start = at - Int64((window * 1000).rounded())
        return try await transaction(serializedOn: "rate:" + scope) { connection -> TimeInterval? in
            try await connection.query("DELETE FROM rate_window WHERE scope = \(scope) AND at <= \(start)", logger: self.logger)
            let row = try await connection.query(
                "SELECT count(*)::INT8 AS n, min(at) AS oldest FROM rate_window WHERE scope = \(scope)", logger: self.logger
            ).rows().first
            let count = row?.integer("n") ?? 0
            if count >= limit, let oldest = row?.integer("oldest") {
                return max(0.001, Double(oldest - start) / 1000)
            }
            try await connection.query("INSERT INTO rate_window (scope, at) VALUES (\(scope), \(at))", logger: self.logger)
            return nil
        }
    }

    public func recordOnce(_ key: String, until expiresAt: Date, now: Date) async throws -> Bool {
        // Inserts, or takes over an expired record; a live record makes the statement return nothing.
        try await !rows(
            """
            INSERT INTO once_keys (key, expires_at) VALUES (\(key), \(Int64(expiresAt.millisecondsSince1970)))
            ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at
            WHERE once_keys.expires_at <= \(Int64(now.millisecondsSince1970))
            RETURNING key
            """
        ).isEmpty
    }

    public func purgeExpired(before date: Date) async throws -> Int {
        let now = Int64(date.millisecondsSince1970)
        let hourAgo = now - 3_600_000
        return try await transaction { [logger] connection in
            var removed = 0
            for query: PostgresQuery in [
                "DELETE FROM leases WHERE id IN (SELECT id FROM leases WHERE expires_at <= \(now) ORDER BY id FOR UPDATE) RETURNING 1",
                "DELETE FROM once_keys WHERE expires_at <= \(now) RETURNING 1",
                "DELETE FROM idempotency_keys WHERE expires_at <= \(now) RETURNING 1",
                "DELETE FROM rate_window WHERE at <= \(hourAgo) RETURNING 1",
                // Requests whose sender gave up long ago (it deletes its own when answered or timed out).
                "DELETE FROM control_requests WHERE created_at <= \(hourAgo) RETURNING 1",
            ] {
                removed += try await connection.query(query, logger: logger).rows().count
            }
            return removed
        }
    }

    // MARK: Life cycle

    public func ping() async throws {
        _ = try await rows("SELECT 1")
    }

    public func close() async throws {
        guard isClosed.withLock({ wasClosed in defer { wasClosed = true }; return !wasClosed }) else { return }
        await writer.close()
        clientTask.cancel()
        await clientTask.value
    }
}
