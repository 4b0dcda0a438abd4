import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLiteNIO
import Synchronization
import SluiceCore

/// The embedded default store: one SQLite file in WAL mode.
///
/// One writer connection commits in groups (`SQLiteWriter`); a few reader connections serve the log
/// and lookups concurrently with it, as WAL allows. `synchronous=FULL`: a commit is on disk before
/// `append` returns, so an acknowledged event survives a crash or power loss.
/// One process owns a database file at a time.
public final class SQLiteStore: Store {
    private let writer: SQLiteWriter
    private let readers: SQLiteReaders
    private let threadPool: NIOThreadPool
    private let isClosed = Mutex(false)
    private let leases = LocalLeases()

    private init(writer: SQLiteWriter, readers: [SQLiteConnection], threadPool: NIOThreadPool) {
        self.writer = writer
        self.readers = SQLiteReaders(readers)
        self.threadPool = threadPool
    }

    /// Opens (creating if needed) the database at `path` and migrates it to the current schema.
    /// - Parameter maxEventBytes: the largest event accepted, by its stored JSON (`StoreError.rejected`, `event_too_large`).
    public static func open(
        path: String, readers readerCount: Int = 2, maxEventBytes: Int = Event.defaultMaxStoredBytes, logger: Logger
    ) async throws -> SQLiteStore {
        // Own pool: a writer blocked in fsync must not starve readers or other users of the singleton.
        let pool = NIOThreadPool(numberOfThreads: readerCount + 1)
        pool.start()
        var opened: [SQLiteConnection] = []
        do {
            let eventLoop = MultiThreadedEventLoopGroup.singleton.any()
            let db = try await SQLiteConnection.open(storage: .file(path: path), threadPool: pool, logger: logger, on: eventLoop)
            opened.append(db)
            try await configure(db)
            _ = try await db.query("PRAGMA journal_mode = WAL")
            try await SQLiteSchema.migrate(db)
            let last = try await db.query("SELECT COALESCE(MAX(seq), 0) AS seq FROM events").first?.int64("seq") ?? 0
            var readers: [SQLiteConnection] = []
            for _ in 0..<readerCount {
                let reader = try await SQLiteConnection.open(storage: .file(path: path), threadPool: pool, logger: logger, on: eventLoop)
                opened.append(reader)
                try await configure(reader)
                readers.append(reader)
            }
            let writer = SQLiteWriter(connection: db, lastSequence: last, maxEventBytes: maxEventBytes, logger: logger)
            return SQLiteStore(writer: writer, readers: readers, threadPool: pool)
        } catch {
            // Nothing opened may outlive a failed open.
            for connection in opened { try? await connection.closeEvenIfCancelled() }
            try? await pool.shutdownGracefully()
            throw StoreError.unavailable("cannot open SQLite database at \(path): \(error)")
        }
    }

    private static func configure(_ db: SQLiteConnection) async throws {
        // Replaces sqlite-nio's retry-forever busy handler with a bounded wait.
        _ = try await db.query("PRAGMA busy_timeout = 5000")
        _ = try await db.query("PRAGMA synchronous = FULL")
    }

    /// Runs `body` on a reader connection that no other caller uses meanwhile (see `SQLiteReaders`).
    private func read<T>(_ body: (SQLiteConnection) async throws -> T) async throws -> T {
        guard !isClosed.withLock({ $0 }) else { throw StoreError.closed }
        return try await readers.withReader(body)
    }

    /// One statement on a reader connection of its own.
    private func query(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        try await read { try await $0.query(sql, binds) }
    }

    private func selectIn(_ sql: String, leading: [SQLiteData] = [], ids: some Collection<Int64>) async throws -> [SQLiteRow] {
        try await read { try await $0.selectIn(sql, leading: leading, ids: ids) }
    }

    public func append(_ events: [Event], idempotency: IdempotencyKey?) async throws -> Appended {
        precondition(!events.isEmpty, "append needs at least one event")
        return try await writer.append(events, idempotency: idempotency)
    }

    public func events(after sequence: Int64, limit: Int) async throws -> [StoredEvent] {
        try await query(
            "SELECT seq, type, data, accepted_at, batch_end FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
            [.integer(Int(sequence)), .integer(limit)]
        ).map { try $0.storedEvent() }
    }

    public func lastSequence() async throws -> Int64 {
        try await query("SELECT COALESCE(MAX(seq), 0) AS seq FROM events").first?.int64("seq") ?? 0
    }

    public func user(id: Int64) async throws -> User? {
        guard let row = try await query("SELECT data FROM users WHERE id = ?", [.integer(Int(id))]).first else {
            return nil
        }
        return try row.user()
    }

    public func following(of userID: Int64) async throws -> [Int64] {
        try await query("SELECT target_id FROM follows WHERE source_id = ? ORDER BY target_id", [.integer(Int(userID))])
            .map { try $0.int64("target_id") }
    }

    public func followers(of userID: Int64) async throws -> [Int64] {
        try await query("SELECT source_id FROM follows WHERE target_id = ? ORDER BY source_id", [.integer(Int(userID))])
            .map { try $0.int64("source_id") }
    }

    public func isBlocking(_ sourceID: Int64, _ targetID: Int64) async throws -> Bool {
        try await !query(
            "SELECT 1 FROM blocks WHERE source_id = ? AND target_id = ?", [.integer(Int(sourceID)), .integer(Int(targetID))]
        ).isEmpty
    }

    public func createAPIKey(_ key: APIKey) async throws {
        let limits = try JSONCoding.string(key.limits)
        let binds: [SQLiteData] = [
            .text(key.id), .text(key.name), .text(key.secretHash), .text(key.scopesColumn),
            .text(limits), .integer(key.createdAt.millisecondsSince1970),
        ]
        try await writer.write { db in
            _ = try await db.query(
                "INSERT INTO api_keys (id, name, secret_hash, scopes, limits, created_at) VALUES (?, ?, ?, ?, ?, ?)", binds)
        }
    }

    public func apiKey(secretHash: String) async throws -> APIKey? {
        try await query("SELECT * FROM api_keys WHERE secret_hash = ?", [.text(secretHash)]).first?.apiKey()
    }

    public func apiKey(id: String) async throws -> APIKey? {
        try await query("SELECT * FROM api_keys WHERE id = ?", [.text(id)]).first?.apiKey()
    }

    public func apiKeys() async throws -> [APIKey] {
        try await query("SELECT * FROM api_keys ORDER BY created_at, id").map { try $0.apiKey() }
    }

    public func revokeAPIKey(id: String, at date: Date) async throws -> APIKey? {
        try await writer.write { db in
            _ = try await db.query(
                "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", [.integer(date.millisecondsSince1970), .text(id)])
        }
        return try await query("SELECT * FROM api_keys WHERE id = ?", [.text(id)]).first?.apiKey()
    }

    /// Runs `body` on the writer, in its turn and transaction, and returns what it returns.
    private func write<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) async throws -> T) async throws -> T {
        let result = Mutex<T?>(nil)
        try await writer.write { db in
            let value = try await body(db)
            result.withLock { $0 = value }
        }
        return result.withLock { $0! }
    }

    public func issueStreamToken(_ token: StreamToken, limit: Int) async throws -> TokenIssue {
        let since = token.createdAt.addingTimeInterval(-StreamToken.issueWindow).millisecondsSince1970
        return try await write { db in
            // The limit-th most recent token in the window, if there is one: one index probe.
            let boundary = try await db.query(
                "SELECT created_at FROM stream_tokens WHERE key_id = ? AND created_at > ? ORDER BY created_at DESC LIMIT 1 OFFSET ?",
                [.text(token.keyID), .integer(since), .integer(limit - 1)])
            if let oldest = boundary.first?.date("created_at") {
                // The window frees a place when the oldest of the last `limit` tokens leaves it.
                let retry = oldest.addingTimeInterval(StreamToken.issueWindow).timeIntervalSince(token.createdAt)
                return .rateLimited(retryAfter: max(1, retry))
            }
            _ = try await db.query(
                "INSERT INTO stream_tokens (secret_hash, key_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                [.text(token.secretHash), .text(token.keyID), .integer(token.createdAt.millisecondsSince1970),
                 .integer(token.expiresAt.millisecondsSince1970)])
            return .issued
        }
    }

    public func streamToken(secretHash: String) async throws -> StreamToken? {
        try await query("SELECT * FROM stream_tokens WHERE secret_hash = ?", [.text(secretHash)]).first?.streamToken()
    }

    public func purgeStreamTokens(before date: Date) async throws -> Int {
        // Kept for the issue window even when spent: they count towards the per-key limit.
        let cutoff = min(date, date.addingTimeInterval(-StreamToken.issueWindow)).millisecondsSince1970
        return try await write { db in
            try await db.query(
                "DELETE FROM stream_tokens WHERE (used_at IS NOT NULL OR expires_at < ?) AND created_at < ? RETURNING secret_hash",
                [.integer(date.millisecondsSince1970), .integer(cutoff)]
            ).count
        }
    }

    public func tweetStates(ids: Set<Int64>, asOf position: Int64) async throws -> [Int64: KnownEntities.TweetState] {
        guard !ids.isEmpty else { return [:] }
        var states: [Int64: KnownEntities.TweetState] = [:]
        for row in try await selectIn(
            """
            SELECT id, author_id, retweet_of, (deleted = 1 AND COALESCE(deleted_seq, 0) <= ?) AS deleted, posted_protected
            FROM tweets WHERE id IN (%@)
            """,
            leading: [.integer(Int(position))], ids: ids)
        {
            states[try row.int64("id")] = try row.tweetState()
        }
        return states
    }

    public func socialGraph() async throws -> SocialGraph {
        try await read { db in try await Self.socialGraph(on: db) }
    }

    private static func socialGraph(on db: SQLiteConnection) async throws -> SocialGraph {
        // One read transaction: the graph is exactly the state after `sequence`.
        _ = try await db.query("BEGIN")
        do {
            let sequence = try await db.query("SELECT COALESCE(MAX(seq), 0) AS seq FROM events").first?.int64("seq") ?? 0
            let users = try await db.query("SELECT data FROM users").map { try $0.user() }
            func edges(_ table: String) async throws -> [SocialState.Edge] {
                try await db.query("SELECT source_id, target_id FROM \(table)").map { .init(try $0.int64("source_id"), try $0.int64("target_id")) }
            }
            let last = try await db.query(
                "SELECT seq, type, data, accepted_at, batch_end FROM events WHERE seq = ?", [.integer(Int(sequence))]
            ).first?.storedEvent()
            let graph = SocialGraph(
                sequence: sequence, users: users, follows: try await edges("follows"), blocks: try await edges("blocks"), last: last)
            _ = try await db.query("COMMIT")
            return graph
        } catch {
            _ = try? await db.query("ROLLBACK")
            throw error
        }
    }

    public func tweets(ids: Set<Int64>) async throws -> [Int64: Tweet] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await selectIn("SELECT t.id, e.data FROM tweets t JOIN events e ON e.seq = t.seq WHERE t.id IN (%@)", ids: ids)
        var tweets: [Int64: Tweet] = [:]
        for row in rows { tweets[try row.int64("id")] = try row.tweet() }
        return tweets
    }

    public func createApp(_ app: SiteApp) async throws {
        let binds: [SQLiteData] = [
            .text(app.id), .text(app.name), .text(app.consumerKey), .text(app.consumerSecret), .text(app.accessToken),
            .text(app.accessTokenSecret), .integer(app.createdAt.millisecondsSince1970),
        ]
        try await writer.write { db in
            _ = try await db.query(
                """
                INSERT INTO apps (id, name, consumer_key, consumer_secret, access_token, access_token_secret, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, binds)
        }
    }

    public func app(id: String) async throws -> SiteApp? {
        try await query("SELECT * FROM apps WHERE id = ?", [.text(id)]).first?.siteApp()
    }

    public func app(consumerKey: String) async throws -> SiteApp? {
        try await query("SELECT * FROM apps WHERE consumer_key = ?", [.text(consumerKey)]).first?.siteApp()
    }

    public func apps() async throws -> [SiteApp] {
        try await query("SELECT * FROM apps ORDER BY created_at, id").map { try $0.siteApp() }
    }

    public func grant(appID: String, userID: Int64, at date: Date) async throws -> Bool {
        return try await write { db in
            let rows = try await db.query(
                """
                INSERT OR IGNORE INTO app_grants (app_id, user_id, granted_at)
                SELECT a.id, u.id, ? FROM apps a, users u WHERE a.id = ? AND u.id = ?
                RETURNING user_id
                """, [.integer(date.millisecondsSince1970), .text(appID), .integer(Int(userID))])
            let exists = try await db.query(
                "SELECT 1 FROM app_grants WHERE app_id = ? AND user_id = ?", [.text(appID), .integer(Int(userID))])
            return !rows.isEmpty || !exists.isEmpty
        }
    }

    public func revokeGrant(appID: String, userID: Int64) async throws -> Bool {
        return try await write { db in
            try await !db.query(
                "DELETE FROM app_grants WHERE app_id = ? AND user_id = ? RETURNING user_id", [.text(appID), .integer(Int(userID))]
            ).isEmpty
        }
    }

    public func grantedUsers(appID: String, among userIDs: Set<Int64>) async throws -> Set<Int64> {
        guard !userIDs.isEmpty else { return [] }
        return Set(try await selectIn(
            "SELECT user_id FROM app_grants WHERE app_id = ? AND user_id IN (%@)", leading: [.text(appID)], ids: userIDs
        ).map { try $0.int64("user_id") })
    }

    /// One process owns the database: its clock is the only one.
    public let clock = StoreClock()

    public func acquireLease(_ lease: Lease, limit: Int, now: Date) async throws -> Bool {
        try leases.acquire(lease, limit: limit, now: now)
    }

    public func admitStream(tokenHash: String, lease: Lease, limit: Int, now: Date) async throws -> StreamAdmissionOutcome {
        // The writer runs one transaction at a time, and the in-memory pool is taken inside it: a token
        // spent by a racing admission is seen as used, and a full pool leaves the token unspent.
        try await write { db -> StreamAdmissionOutcome in
            guard let token = try await db.query("SELECT * FROM stream_tokens WHERE secret_hash = ?", [.text(tokenHash)]).first?.streamToken()
            else { return .refused(.unknown) }
            let key = try await db.query("SELECT * FROM api_keys WHERE id = ?", [.text(token.keyID)]).first?.apiKey()
            let use = TokenUse.of(token, key: key, at: now)
            guard case .consumed(let spent, let current) = use else { return .refused(use) }
            guard try self.leases.acquire(lease, limit: limit, now: now) else { return .full }
            do {
                _ = try await db.query(
                    "UPDATE stream_tokens SET used_at = ?, used_by = ? WHERE secret_hash = ? AND used_at IS NULL",
                    [.integer(now.millisecondsSince1970), .text(lease.id), .text(tokenHash)])
            } catch {
                self.leases.release(id: lease.id)
                throw error
            }
            return .admitted(spent, current)
        }
    }

    public func abandonAdmission(leaseID: String, scope: String, tokenHash: String?, now: Date) async throws {
        leases.abandon(id: leaseID, now: now)
        guard let tokenHash else { return }
        try await write { db in
            _ = try await db.query(
                "UPDATE stream_tokens SET used_at = NULL, used_by = NULL WHERE secret_hash = ? AND used_by = ?", [.text(tokenHash), .text(leaseID)])
        }
    }

    public func releaseLease(id: String) async throws {
        leases.release(id: id)
    }

    public func renewLeases(_ ids: Set<String>, node: String, until: Date, now: Date) async throws -> Set<String> {
        leases.renew(ids, node: node, until: until, now: now)
    }

    public func lease(id: String, now: Date) async throws -> Lease? {
        leases.lease(id: id, now: now)
    }

    public func admit(scope: String, limit: Int, window: TimeInterval, at date: Date) async throws -> TimeInterval? {
        leases.admit(scope: scope, limit: limit, window: window, at: date)
    }

    /// Durable, unlike the leases: a nonce must stay used across a restart for as long as its request
    /// would still be accepted.
    public func recordOnce(_ key: String, until expiresAt: Date, now: Date) async throws -> Bool {
        try await write { db in
            // Inserts, or takes over an expired record; a live record makes the statement return nothing.
            try await !db.query(
                """
                INSERT INTO once_keys (key, expires_at) VALUES (?, ?)
                ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE once_keys.expires_at <= ?
                RETURNING key
                """, [.text(key), .integer(expiresAt.millisecondsSince1970), .integer(now.millisecondsSince1970)]
            ).isEmpty
        }
    }

    public func purgeExpired(before date: Date) async throws -> Int {
        let now = date.millisecondsSince1970
        let removed = try await write { db in
            var removed = 0
            for table in ["once_keys", "idempotency_keys"] {
                removed += try await db.query("DELETE FROM \(table) WHERE expires_at <= ? RETURNING 1", [.integer(now)]).count
            }
            return removed
        }
        return removed + leases.purgeExpired(before: date)
    }

    /// One process owns the database: there are no other nodes to reach.
    public var clusterBus: (any ClusterBus)? { nil }

    public func ping() async throws {
        _ = try await query("SELECT 1")
    }

    public func close() async throws {
        guard isClosed.withLock({ wasClosed in defer { wasClosed = true }; return !wasClosed }) else { return }
        // Close everything even if one close fails, then report the first failure.
        var failure: (any Error)?
        do { try await writer.close() } catch { failure = failure ?? error }
        do { try await readers.close() } catch { failure = failure ?? error }
        do { try await threadPool.shutdownGracefully() } catch { failure = failure ?? error }
        if let failure { throw failure }
    }
}
