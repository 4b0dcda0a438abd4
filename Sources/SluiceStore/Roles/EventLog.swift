import Foundation
import SluiceCore

/// The event log and what is derived from it as events are appended: profiles, the follow and
/// block graph, and each tweet's author and liveness. Written by ingest, read by the log follower
/// (fan-out), replay and `GET /v1/events`.
public protocol EventLog: Sendable {
    /// Validates `events` as a whole and appends them to the log.
    ///
    /// Returns the consecutive sequence numbers assigned, once the events are durable. Throws
    /// `StoreError.rejected` (nothing stored) if any event is invalid against the log's state.
    ///
    /// With an `idempotency` key already recorded (for 24 h) with the same fingerprint, nothing is
    /// stored and the first append's range is returned, `replayed`; with another fingerprint, throws
    /// `StoreError.idempotencyKeyReused`. The key is recorded in the append's own transaction.
    func append(_ events: [Event], idempotency: IdempotencyKey?) async throws -> Appended

    /// At most `limit` events with a sequence number above `sequence`, in order.
    func events(after sequence: Int64, limit: Int) async throws -> [StoredEvent]

    /// The highest sequence number assigned so far (0 for an empty log).
    func lastSequence() async throws -> Int64

    /// The profile of `id` as the log's latest event about it set it, or nil for an account never seen.
    func user(id: Int64) async throws -> User?

    /// The author, liveness, retweeted tweet and protection when posted of the tweets among `ids` (those
    /// the log knows), as they stood after the event `position`: what visibility rules need of tweets the event core's memory
    /// no longer holds. A deletion later in the log than `position` is not reported yet, so the event
    /// core never decides an earlier event on a later deletion. Never their stored profiles.
    func tweetStates(ids: Set<Int64>, asOf position: Int64) async throws -> [Int64: KnownEntities.TweetState]

    /// Profiles and the follow and block graph as they stand after one log position, read at once:
    /// where Site Streams routing starts from, before following the log from `sequence` on.
    func socialGraph() async throws -> SocialGraph
    /// The tweets among `ids`, deleted or not, as they were posted.
    func tweets(ids: Set<Int64>) async throws -> [Int64: Tweet]
}

/// The platform's users and graph, read at once (see `EventLog.socialGraph()`).
public struct SocialGraph: Sendable {
    /// The log position the graph reflects: every event up to it, none after.
    public var sequence: Int64
    public var users: [User]
    public var follows: [SocialState.Edge]
    public var blocks: [SocialState.Edge]
    /// The event at `sequence` (nil for an empty log), read in the same snapshot: whoever follows the
    /// log from there checks that it is still there, unchanged, to notice a log that moved backwards.
    public var last: StoredEvent?

    public init(sequence: Int64, users: [User], follows: [SocialState.Edge], blocks: [SocialState.Edge], last: StoredEvent? = nil) {
        self.sequence = sequence
        self.users = users
        self.follows = follows
        self.blocks = blocks
        self.last = last
    }
}

extension EventLog {
    /// Appends without an idempotency key; returns the batch's sequence numbers.
    public func append(_ events: [Event]) async throws -> ClosedRange<Int64> {
        try await append(events, idempotency: nil).range
    }
}
