import Foundation
import SluiceCore

/// What appending a validated run of events writes, whatever the database: the log rows and the
/// derived state (latest profiles, tweets, deletions, direct messages, graph changes).
///
/// Both stores build this one value and only differ in how they send it, so the derived state
/// cannot drift between them.
struct LogRows {
    struct EventRow {
        var sequence: Int64
        var kind: EventKind
        var data: String
        /// The last sequence number of the batch it came in.
        var batchEnd: Int64
    }

    struct UserRow {
        var user: User
        /// The sequence of the event that last set this profile.
        var sequence: Int64
        var json: String
    }

    struct TweetRow {
        var id: Int64
        var authorID: Int64
        var sequence: Int64
        var retweetOf: Int64?
        /// The author's protection as resolved at ingest: the tweet stays protected for good if it was.
        var postedWhileProtected: Bool
    }

    var events: [EventRow] = []
    /// One row per user: the latest profile in the run.
    var users: [UserRow] = []
    var tweets: [TweetRow] = []
    /// Deleted tweet ids and the sequence of their deletion.
    var deletedTweets: [(id: Int64, sequence: Int64)] = []
    /// Direct message id and the sequence that carried it.
    var directMessages: [(id: Int64, sequence: Int64)] = []
    var graph: GraphChanges
    /// Idempotency keys to record, with the ranges their batches got.
    var idempotencyKeys: [(IdempotencyKey, ClosedRange<Int64>)] = []

    /// - Parameters:
    ///   - data: each event's stored JSON, when the caller has it already (`GroupCommit` encodes once).
    ///   - batchEnds: for each event, the sequence number of the last event of its batch.
    init(_ events: [Event], data: [String]? = nil, firstSequence: Int64, batchEnds: [Int64]) throws {
        self.events.reserveCapacity(events.count)
        var latest: [Int64: (User, Int64)] = [:]
        for (offset, event) in events.enumerated() {
            let sequence = firstSequence + Int64(offset)
            self.events.append(
                EventRow(sequence: sequence, kind: event.kind, data: try data?[offset] ?? event.encodedData(), batchEnd: batchEnds[offset]))
            switch event {
            case .tweet(let tweet):
                latest[tweet.user.id] = (tweet.user, sequence)
                tweets.append(
                    TweetRow(
                        id: tweet.id, authorID: tweet.user.id, sequence: sequence, retweetOf: tweet.retweetedStatusID,
                        postedWhileProtected: tweet.user.protected))
            case .userUpdate(let user):
                latest[user.id] = (user, sequence)
            case .delete(let deletion):
                deletedTweets.append((deletion.id, sequence))
            case .directMessage(let message):
                directMessages.append((message.id, sequence))
            default:
                break
            }
        }
        users = try latest.values.map { user, sequence in UserRow(user: user, sequence: sequence, json: user.json()) }
        graph = GraphChanges(folding: events)
    }
}

extension GraphChanges {
    /// The edges that exist after the run, and those that no longer do.
    func split(_ edges: [Edge: Bool]) -> (present: [Edge], absent: [Edge]) {
        (edges.filter(\.value).map(\.key), edges.filter { !$0.value }.map(\.key))
    }
}
