import Foundation
import SQLiteNIO
import SluiceCore

/// The `EventLog` role (the class conforms through `Store`).
extension SQLiteStore {
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

    static func socialGraph(on db: SQLiteConnection) async throws -> SocialGraph {
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
}
