import Foundation
import Logging
import PostgresNIO
import SluiceCore

/// Appends to the shared event log, committing in groups, with a global order no reader can get wrong.
///
/// The trap: with a `BIGSERIAL` key, two writers take 11 and 12, the one with 12 commits first, and a
/// reader that sees 12 moves its cursor past 11, which then commits late and is never read.
///
/// The scheme: every append transaction first locks the single `log_head` row (`SELECT … FOR UPDATE`)
/// and keeps the lock until it commits. The sequence numbers it assigns follow the head it read, and the
/// next writer, on any node, reads the head only after this one has committed (READ COMMITTED re-reads
/// the locked row's newest version). So sequences become visible strictly in order: whoever sees N has
/// seen everything below N. The same lock makes validation race-free (a tweet id cannot be taken twice by
/// two nodes) and orders the `pg_notify` that wakes the other nodes after commit.
///
/// The cost is one writer at a time across the cluster; group commit makes that cheap: appends that
/// arrive while a transaction runs share the next one.
actor PostgresLogWriter {
    typealias Waiter = CheckedContinuation<Appended, any Error>
    typealias Append = (events: [Event], key: IdempotencyKey?, waiter: Waiter)

    private let client: PostgresClient
    private let maxEventBytes: Int
    private let outage: PostgresOutage
    private let logger: Logger
    private let queue = GroupCommitQueue<Append>()

    /// The channel every node listens on; appends announce `log:<last sequence>` there.
    static let channel = "sluice"

    init(client: PostgresClient, outage: PostgresOutage, maxEventBytes: Int, logger: Logger) {
        self.client = client
        self.maxEventBytes = maxEventBytes
        self.outage = outage
        self.logger = logger
    }

    func append(_ events: [Event], idempotency: IdempotencyKey?) async throws -> Appended {
        try await withCheckedThrowingContinuation { continuation in
            do {
                try queue.enqueue((events, idempotency, continuation)) { batches in await self.commit(batches) }
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    /// Refuses new appends and waits for those under way.
    func close() async {
        await queue.close()
    }

    /// Commits a group and answers its batches; returns those to retry in the next group.
    private func commit(_ batches: [Append]) async -> [Append] {
        let (outcomes, deferred) = await commit(batches.map { ($0.events, $0.key) })
        for (index, outcome) in outcomes { batches[index].waiter.resume(with: outcome) }
        // A batch whose key an earlier batch of the group used is answered by the next group.
        return deferred.map { batches[$0] }
    }

    private func commit(_ batches: [([Event], IdempotencyKey?)]) async -> (outcomes: [Int: Result<Appended, any Error>], deferred: [Int]) {
        do {
            let (client, logger, maxEventBytes) = (self.client, self.logger, self.maxEventBytes)
            // Bounded: while the database is away, the group fails (503 to the publishers) rather than waits.
            let result = try await outage.run {
                try await client.withTransaction(logger: logger) { connection -> ([Int: Result<Appended, StoreError>], [Int]) in
                    var head: Int64 = 0
                    for try await seq in try await connection.query("SELECT seq FROM log_head WHERE id = 1 FOR UPDATE", logger: logger).decode(
                        Int64.self)
                    {
                        head = seq
                    }
                    // Under the head's lock: a key another node recorded is committed and visible here.
                    let keys = batches.map(\.1)
                    let plan = IdempotentGroup(keys, recorded: try await Self.recordedAppends(keys.compactMap { $0?.key }, connection, logger))
                    let committing = plan.commit.map { batches[$0].0 }
                    let known = try await Self.lookUp(EntityReferences(of: committing.lazy.flatMap { $0 }), connection, logger)
                    let group = GroupCommit(committing, after: head, known: known, maxEventBytes: maxEventBytes)
                    let (outcomes, records) = plan.outcomes(keys: keys, committed: group.outcomes)
                    guard !group.accepted.isEmpty else { return (outcomes, plan.deferred) }
                    let last = head + Int64(group.accepted.count)
                    var rows = try LogRows(group.accepted, data: group.acceptedData, firstSequence: head + 1, batchEnds: group.batchEnds)
                    rows.idempotencyKeys = records
                    try await Self.store(rows, connection, logger)
                    // One round trip for both: the head lock is held until commit, so every statement under it
                    // counts. The notification is delivered to listeners when, and only if, the transaction commits.
                    try await connection.query(
                        "WITH head AS (UPDATE log_head SET seq = \(last) WHERE id = 1) SELECT pg_notify(\(Self.channel), \("log:\(last)"))",
                        logger: logger)
                    return (outcomes, plan.deferred)
                }
            }
            return (result.0.mapValues { $0.mapError { $0 } }, result.1)
        } catch {
            logger.error("group commit failed", metadata: ["error": "\(String(reflecting: error))", "batches": "\(batches.count)"])
            let failure = StoreError.unavailable("the event log could not be written: \(error)")
            return (Dictionary(uniqueKeysWithValues: batches.indices.map { ($0, .failure(failure)) }), [])
        }
    }

    private static func recordedAppends(_ keys: [String], _ connection: PostgresConnection, _ logger: Logger) async throws -> [String: RecordedAppend]
    {
        guard !keys.isEmpty else { return [:] }
        var recorded: [String: RecordedAppend] = [:]
        let rows = try await connection.query(
            """
            SELECT key, fingerprint, first_seq, last_seq FROM idempotency_keys
            WHERE key = ANY(\(Array(Set(keys)))) AND expires_at > (extract(epoch from clock_timestamp()) * 1000)::INT8
            """, logger: logger)
        for try await (key, fingerprint, first, last) in rows.decode((String, String, Int64, Int64).self) {
            recorded[key] = RecordedAppend(fingerprint: fingerprint, range: first...last)
        }
        return recorded
    }

    /// What the log knows of the users, tweets and messages `refs` names, in one query.
    private static func lookUp(_ refs: EntityReferences, _ connection: PostgresConnection, _ logger: Logger) async throws -> KnownEntities {
        var known = KnownEntities()
        guard !(refs.userIDs.isEmpty && refs.tweetIDs.isEmpty && refs.directMessageIDs.isEmpty) else { return known }
        let rows = try await connection.query(
            """
            SELECT 'u' AS kind, id, NULL::INT8 AS author_id, NULL::BOOL AS deleted, data FROM users WHERE id = ANY(\(Array(refs.userIDs)))
            UNION ALL SELECT 't', id, author_id, deleted, retweet_of::TEXT FROM tweets WHERE id = ANY(\(Array(refs.tweetIDs)))
            UNION ALL SELECT 'd', id, NULL, NULL, NULL FROM direct_messages WHERE id = ANY(\(Array(refs.directMessageIDs)))
            """, logger: logger)
        for try await (kind, id, author, deleted, data) in rows.decode((String, Int64, Int64?, Bool?, String?).self) {
            switch kind {
            case "u": known.profiles[id] = try User(storedJSON: data ?? "")
            case "t":
                // Validation reads only author, liveness and retweet; protection is not looked up (denied if read).
                known.tweets[id] = .init(
                    authorID: author ?? 0, deleted: deleted ?? false, retweetOf: data.flatMap { Int64($0) }, postedWhileProtected: true)
            default: known.directMessages.insert(id)
            }
        }
        return known
    }

    /// Writes validated events and the state they imply, in the caller's transaction; one statement
    /// per table, whatever the size of the group.
    private static func store(_ rows: LogRows, _ connection: PostgresConnection, _ logger: Logger) async throws {
        let now = Int64(Date().millisecondsSince1970)
        try await connection.query(
            """
            INSERT INTO events (seq, type, data, accepted_at, batch_end)
            SELECT s, t, d, \(now), b FROM unnest(\(rows.events.map(\.sequence))::INT8[], \(rows.events.map(\.kind.rawValue))::TEXT[],
                \(rows.events.map(\.data))::TEXT[], \(rows.events.map(\.batchEnd))::INT8[]) AS u(s, t, d, b)
            """, logger: logger)
        if !rows.users.isEmpty {
            try await connection.query(
                """
                INSERT INTO users (id, username, protected, data, updated_seq)
                SELECT * FROM unnest(\(rows.users.map(\.user.id))::INT8[], \(rows.users.map(\.user.username))::TEXT[],
                    \(rows.users.map(\.user.protected))::BOOL[], \(rows.users.map(\.json))::TEXT[], \(rows.users.map(\.sequence))::INT8[])
                ON CONFLICT (id) DO UPDATE SET username = excluded.username, protected = excluded.protected,
                    data = excluded.data, updated_seq = excluded.updated_seq
                """, logger: logger)
        }
        if !rows.tweets.isEmpty {
            try await connection.query(
                """
                INSERT INTO tweets (id, author_id, seq, retweet_of, posted_protected)
                SELECT i, a, s, NULLIF(r, -1), p FROM unnest(\(rows.tweets.map(\.id))::INT8[], \(rows.tweets.map(\.authorID))::INT8[],
                    \(rows.tweets.map(\.sequence))::INT8[], \(rows.tweets.map { $0.retweetOf ?? -1 })::INT8[],
                    \(rows.tweets.map(\.postedWhileProtected))::BOOL[]) AS u(i, a, s, r, p)
                """, logger: logger)
        }
        if !rows.deletedTweets.isEmpty {
            try await connection.query(
                """
                UPDATE tweets t SET deleted = true, deleted_seq = d.s
                FROM unnest(\(rows.deletedTweets.map(\.id))::INT8[], \(rows.deletedTweets.map(\.sequence))::INT8[]) AS d(i, s) WHERE t.id = d.i
                """, logger: logger)
        }
        if !rows.directMessages.isEmpty {
            try await connection.query(
                """
                INSERT INTO direct_messages (id, seq)
                SELECT * FROM unnest(\(rows.directMessages.map(\.id))::INT8[], \(rows.directMessages.map(\.sequence))::INT8[])
                """, logger: logger)
        }
        if !rows.idempotencyKeys.isEmpty {
            // Expiries on the database's clock, as every node sees it.
            let lifetime = Int64(IdempotencyKey.lifetime * 1000)
            try await connection.query(
                """
                INSERT INTO idempotency_keys (key, fingerprint, first_seq, last_seq, expires_at)
                SELECT k, f, a, b, (extract(epoch from clock_timestamp()) * 1000)::INT8 + \(lifetime) FROM unnest(\(rows.idempotencyKeys.map(\.0.key))::TEXT[], \(rows.idempotencyKeys.map(\.0.fingerprint))::TEXT[],
                    \(rows.idempotencyKeys.map(\.1.lowerBound))::INT8[], \(rows.idempotencyKeys.map(\.1.upperBound))::INT8[]) AS u(k, f, a, b)
                ON CONFLICT (key) DO UPDATE SET fingerprint = excluded.fingerprint, first_seq = excluded.first_seq,
                    last_seq = excluded.last_seq, expires_at = excluded.expires_at
                """, logger: logger)
        }
        try await apply(rows.graph.split(rows.graph.follows), table: "follows", connection, logger)
        try await apply(rows.graph.split(rows.graph.blocks), table: "blocks", connection, logger)
    }

    private static func apply(
        _ edges: (present: [GraphChanges.Edge], absent: [GraphChanges.Edge]), table: String, _ connection: PostgresConnection, _ logger: Logger
    ) async throws {
        if !edges.present.isEmpty {
            try await connection.query(
                """
                INSERT INTO \(unescaped: table) (source_id, target_id)
                SELECT * FROM unnest(\(edges.present.map(\.source))::INT8[], \(edges.present.map(\.target))::INT8[])
                ON CONFLICT DO NOTHING
                """, logger: logger)
        }
        if !edges.absent.isEmpty {
            try await connection.query(
                """
                DELETE FROM \(unescaped: table) g USING unnest(\(edges.absent.map(\.source))::INT8[], \(edges.absent.map(\.target))::INT8[]) AS d(s, t)
                WHERE g.source_id = d.s AND g.target_id = d.t
                """, logger: logger)
        }
    }
}
