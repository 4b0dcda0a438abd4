import Foundation
import PostgresNIO
import SluiceCore

/// The `EventLog` role (the class conforms through `Store`).
extension PostgresStore {
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

    public func user(id: Int64) async throws -> User? {
        try await rows("SELECT data FROM users WHERE id = \(id)").first?.user()
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
                try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
                do {
                    let sequence = try await connection.query("SELECT seq FROM log_head WHERE id = 1", logger: logger).rows().first?.int64("seq") ?? 0
                    let users = try await connection.query("SELECT data FROM users", logger: logger).rows().map { try $0.user() }
                    var edges: [String: [SocialState.Edge]] = [:]
                    for table in ["follows", "blocks"] {
                        var list: [SocialState.Edge] = []
                        for try await (source, target) in try await connection.query(
                            "SELECT source_id, target_id FROM \(unescaped: table)", logger: logger
                        ).decode((Int64, Int64).self) {
                            list.append(.init(source, target))
                        }
                        edges[table] = list
                    }
                    let last = try await connection.query(
                        "SELECT seq, type, data, accepted_at, batch_end FROM events WHERE seq = \(sequence)", logger: logger
                    ).rows().first?.storedEvent()
                    try await connection.query("COMMIT", logger: logger)
                    return SocialGraph(sequence: sequence, users: users, follows: edges["follows"] ?? [], blocks: edges["blocks"] ?? [], last: last)
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
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
}
