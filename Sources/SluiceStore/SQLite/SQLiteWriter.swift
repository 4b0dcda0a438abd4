import Foundation
import Logging
import SQLiteNIO
import SluiceCore

/// The one connection that writes to the SQLite database, committing in groups.
///
/// Appends queue up while a commit is under way; the next commit takes every queued batch at once, so
/// many small batches from many clients share one transaction and one fsync. Each batch is still
/// validated on its own (against the log plus the batches before it in the group) and accepted or
/// refused whole. All other writes (keys, stream tokens) go through the same queue and are grouped the
/// same way, so nothing else ever touches the connection in the middle of a group's transaction.
actor SQLiteWriter {
    typealias Write = @Sendable (SQLiteConnection) async throws -> Void

    /// A write of the group: a body run in a savepoint of its own, or one statement, which SQLite
    /// already undoes alone when it fails (statement atomicity), so it needs no savepoint and costs
    /// one thread-pool hop instead of three.
    enum WriteWork: Sendable {
        case body(Write)
        case statement(String, [SQLiteData])
    }

    enum Job: Sendable {
        case append(Append)
        case write(WriteWork, CheckedContinuation<Void, any Error>)
    }

    typealias Append = (events: [Event], key: IdempotencyKey?, continuation: CheckedContinuation<Appended, any Error>)

    private let connection: SQLiteConnection
    private let maxEventBytes: Int
    private let logger: Logger
    private var lastSequence: Int64
    private let queue = GroupCommitQueue<Job>()
    private var connectionClosed = false

    init(connection: SQLiteConnection, lastSequence: Int64, maxEventBytes: Int, logger: Logger) {
        self.connection = connection
        self.maxEventBytes = maxEventBytes
        self.lastSequence = lastSequence
        self.logger = logger
    }

    func append(_ events: [Event], idempotency: IdempotencyKey?) async throws -> Appended {
        try await withCheckedThrowingContinuation { continuation in
            enqueue(.append((events, idempotency, continuation)), failing: continuation)
        }
    }

    func write(_ body: @escaping Write) async throws {
        try await withCheckedThrowingContinuation { continuation in
            enqueue(.write(.body(body), continuation), failing: continuation)
        }
    }

    /// Runs one statement in the next group's transaction: durable once this returns.
    func execute(_ sql: String, _ binds: [SQLiteData]) async throws {
        try await withCheckedThrowingContinuation { continuation in
            enqueue(.write(.statement(sql, binds), continuation), failing: continuation)
        }
    }

    /// Refuses new work, waits for the queue to empty, and closes the connection.
    func close() async throws {
        await queue.close()
        guard !connectionClosed else { return }
        connectionClosed = true
        try await connection.closeEvenIfCancelled()
    }

    private func enqueue<T>(_ job: Job, failing continuation: CheckedContinuation<T, any Error>) {
        do {
            try queue.enqueue(job) { jobs in await self.commit(jobs) }
        } catch {
            continuation.resume(throwing: error)
        }
    }

    /// Commits a group: consecutive jobs of one kind share a transaction, in the order of the queue.
    /// Returns the appends to retry in the next group.
    private func commit(_ jobs: [Job]) async -> [Job] {
        var appends: [Append] = []
        var writes: [(WriteWork, CheckedContinuation<Void, any Error>)] = []
        var again: [Job] = []
        for job in jobs {
            switch job {
            case .append(let append):
                await commit(writes)
                writes.removeAll()
                appends.append(append)
            case .write(let body, let continuation):
                again += await commit(appends)
                appends.removeAll()
                writes.append((body, continuation))
            }
        }
        again += await commit(appends)
        await commit(writes)
        return again
    }

    /// Runs a group of writes in one transaction (one fsync), each body in its own savepoint so that
    /// a failing write is undone alone.
    private func commit(_ writes: [(WriteWork, CheckedContinuation<Void, any Error>)]) async {
        guard !writes.isEmpty else { return }
        var outcomes: [Result<Void, any Error>] = []
        do {
            _ = try await connection.query("BEGIN IMMEDIATE")
            for (work, _) in writes {
                switch work {
                case .statement(let sql, let binds):
                    do {
                        _ = try await connection.query(sql, binds)
                        outcomes.append(.success(()))
                    } catch {
                        outcomes.append(.failure(error))
                    }
                case .body(let body):
                    _ = try await connection.query("SAVEPOINT write")
                    do {
                        try await body(connection)
                        _ = try await connection.query("RELEASE write")
                        outcomes.append(.success(()))
                    } catch {
                        _ = try await connection.query("ROLLBACK TO write")
                        _ = try await connection.query("RELEASE write")
                        outcomes.append(.failure(error))
                    }
                }
            }
            _ = try await connection.query("COMMIT")
        } catch {
            _ = try? await connection.query("ROLLBACK")
            logger.error("write group failed", metadata: ["error": "\(error)", "writes": "\(writes.count)"])
            outcomes = writes.map { _ in .failure(StoreError.unavailable("the store could not be written: \(error)")) }
        }
        for ((_, continuation), outcome) in zip(writes, outcomes) {
            continuation.resume(with: outcome)
        }
    }

    /// Validates and stores a group of batches in one transaction. A batch whose idempotency key an
    /// earlier batch of the group uses is returned, for the next group.
    private func commit(_ batches: [Append]) async -> [Job] {
        guard !batches.isEmpty else { return [] }
        var outcomes: [Int: Result<Appended, any Error>] = [:]
        var deferred: [Job] = []
        do {
            let keys = batches.map(\.key)
            let plan = IdempotentGroup(keys, recorded: try await recordedAppends(keys.compactMap { $0?.key }))
            let committing = plan.commit.map { batches[$0].events }
            let group = GroupCommit(
                committing, after: lastSequence, known: try await lookUp(EntityReferences(of: committing.lazy.flatMap { $0 })),
                maxEventBytes: maxEventBytes)
            let (answered, records) = plan.outcomes(keys: keys, committed: group.outcomes)
            if !group.accepted.isEmpty {
                var rows = try LogRows(group.accepted, data: group.acceptedData, firstSequence: lastSequence + 1, batchEnds: group.batchEnds)
                rows.idempotencyKeys = records
                try await store(rows)
                lastSequence += Int64(group.accepted.count)
            }
            outcomes = answered.mapValues { $0.mapError { $0 } }
            deferred = plan.deferred.map { .append(batches[$0]) }
        } catch {
            logger.error("group commit failed", metadata: ["error": "\(error)", "batches": "\(batches.count)"])
            let failure = StoreError.unavailable("the event log could not be written: \(error)")
            outcomes = Dictionary(uniqueKeysWithValues: batches.indices.map { ($0, .failure(failure)) })
        }
        for (index, outcome) in outcomes { batches[index].continuation.resume(with: outcome) }
        return deferred
    }

    private func recordedAppends(_ keys: [String]) async throws -> [String: RecordedAppend] {
        guard !keys.isEmpty else { return [:] }
        let now = Date().millisecondsSince1970
        var recorded: [String: RecordedAppend] = [:]
        for key in Set(keys) {
            let rows = try await connection.query(
                "SELECT fingerprint, first_seq, last_seq FROM idempotency_keys WHERE key = ? AND expires_at > ?", [.text(key), .integer(now)])
            if let row = rows.first, let fingerprint = row.column("fingerprint")?.string, let first = row.column("first_seq")?.integer,
                let last = row.column("last_seq")?.integer
            {
                recorded[key] = RecordedAppend(fingerprint: fingerprint, range: Int64(first)...Int64(last))
            }
        }
        return recorded
    }

    private func lookUp(_ refs: EntityReferences) async throws -> KnownEntities {
        var known = KnownEntities()
        for row in try await connection.selectIn("SELECT id, data FROM users WHERE id IN (%@)", ids: refs.userIDs) {
            known.profiles[try row.int64("id")] = try row.user()
        }
        for row in try await connection.selectIn("SELECT id, author_id, deleted, retweet_of FROM tweets WHERE id IN (%@)", ids: refs.tweetIDs) {
            known.tweets[try row.int64("id")] = try row.tweetState()
        }
        for row in try await connection.selectIn("SELECT id FROM direct_messages WHERE id IN (%@)", ids: refs.directMessageIDs) {
            known.directMessages.insert(try row.int64("id"))
        }
        return known
    }

    /// Writes validated events and the state they imply, all or nothing.
    private func store(_ rows: LogRows) async throws {
        let now = Date().millisecondsSince1970
        _ = try await connection.query("BEGIN IMMEDIATE")
        do {
            try await connection.executeRows(
                "INSERT INTO events (seq, type, data, accepted_at, batch_end)", columns: 5,
                rows: rows.events.map {
                    [.integer(Int($0.sequence)), .text($0.kind.rawValue), .text($0.data), .integer(now), .integer(Int($0.batchEnd))]
                })
            try await connection.executeRows(
                "INSERT INTO users (id, username, protected, data, updated_seq)",
                suffix: """
                    ON CONFLICT (id) DO UPDATE SET username = excluded.username, protected = excluded.protected,
                    data = excluded.data, updated_seq = excluded.updated_seq
                    """,
                columns: 5,
                rows: rows.users.map {
                    [
                        .integer(Int($0.user.id)), .text($0.user.username), .integer($0.user.protected ? 1 : 0), .text($0.json),
                        .integer(Int($0.sequence)),
                    ]
                })
            try await connection.executeRows(
                "INSERT INTO tweets (id, author_id, seq, retweet_of, posted_protected)", columns: 5,
                rows: rows.tweets.map {
                    [
                        .integer(Int($0.id)), .integer(Int($0.authorID)), .integer(Int($0.sequence)), $0.retweetOf.map { .integer(Int($0)) } ?? .null,
                        .integer($0.postedWhileProtected ? 1 : 0),
                    ]
                })
            for deleted in rows.deletedTweets {
                _ = try await connection.query(
                    "UPDATE tweets SET deleted = 1, deleted_seq = ? WHERE id = ?", [.integer(Int(deleted.sequence)), .integer(Int(deleted.id))])
            }
            try await connection.executeRows(
                "INSERT INTO direct_messages (id, seq)", columns: 2,
                rows: rows.directMessages.map { [.integer(Int($0.id)), .integer(Int($0.sequence))] })
            let expiresAt = Date().addingTimeInterval(IdempotencyKey.lifetime).millisecondsSince1970
            try await connection.executeRows(
                "INSERT INTO idempotency_keys (key, fingerprint, first_seq, last_seq, expires_at)",
                suffix:
                    "ON CONFLICT (key) DO UPDATE SET fingerprint = excluded.fingerprint, first_seq = excluded.first_seq, last_seq = excluded.last_seq, expires_at = excluded.expires_at",
                columns: 5,
                rows: rows.idempotencyKeys.map { key, range in
                    [.text(key.key), .text(key.fingerprint), .integer(Int(range.lowerBound)), .integer(Int(range.upperBound)), .integer(expiresAt)]
                })
            try await apply(rows.graph.split(rows.graph.follows), table: "follows")
            try await apply(rows.graph.split(rows.graph.blocks), table: "blocks")
            _ = try await connection.query("COMMIT")
        } catch {
            _ = try? await connection.query("ROLLBACK")
            throw error
        }
    }

    private func apply(_ edges: (present: [GraphChanges.Edge], absent: [GraphChanges.Edge]), table: String) async throws {
        func row(_ edge: GraphChanges.Edge) -> [SQLiteData] { [.integer(Int(edge.source)), .integer(Int(edge.target))] }
        try await connection.executeRows("INSERT OR IGNORE INTO \(table) (source_id, target_id)", columns: 2, rows: edges.present.map(row))
        try await connection.executeRows(
            "DELETE FROM \(table) WHERE (source_id, target_id) IN (", suffix: ")", columns: 2, rows: edges.absent.map(row))
    }
}
