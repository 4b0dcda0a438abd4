import Foundation
import SluiceCore

/// Everything Sluice keeps: the event log, the users and social graph derived from it, and API keys.
///
/// Implementations: `SQLiteStore` (embedded default, one node) and `PostgresStore` (several nodes on
/// one database). Every implementation passes the same contract tests (`Tests/SluiceStoreTests`).
public protocol Store: Sendable {
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

    func user(id: Int64) async throws -> User?
    /// The ids `userID` follows.
    func following(of userID: Int64) async throws -> [Int64]
    /// The ids following `userID`.
    func followers(of userID: Int64) async throws -> [Int64]
    func isBlocking(_ sourceID: Int64, _ targetID: Int64) async throws -> Bool

    func createAPIKey(_ key: APIKey) async throws
    func apiKey(id: String) async throws -> APIKey?
    /// The key whose secret hashes to `secretHash`, revoked or not.
    func apiKey(secretHash: String) async throws -> APIKey?
    func apiKeys() async throws -> [APIKey]
    /// Marks the key revoked; returns it, or nil if there is no such key. Revoking twice keeps the first time.
    func revokeAPIKey(id: String, at date: Date) async throws -> APIKey?

    /// Records a new stream token unless the key already has `limit` tokens issued within
    /// `StreamToken.issueWindow` before the token's `createdAt` (a sliding window).
    func issueStreamToken(_ token: StreamToken, limit: Int) async throws -> TokenIssue
    /// The token with this hash, used or not.
    func streamToken(secretHash: String) async throws -> StreamToken?
    /// Tokens that are already spent or expired before `date` are no longer needed; returns how many were removed.
    func purgeStreamTokens(before date: Date) async throws -> Int

    /// The author, liveness and retweeted tweet of the tweets among `ids` (those the log knows), as they
    /// stood after the event `position`: what visibility rules need of tweets the event core's memory
    /// no longer holds. A deletion later in the log than `position` is not reported yet, so the event
    /// core never decides an earlier event on a later deletion. Never their stored profiles.
    func tweetStates(ids: Set<Int64>, asOf position: Int64) async throws -> [Int64: KnownEntities.TweetState]

    /// Profiles and the follow and block graph as they stand after one log position, read at once:
    /// where Site Streams routing starts from, before following the log from `sequence` on.
    func socialGraph() async throws -> SocialGraph
    /// The tweets among `ids`, deleted or not, as they were posted.
    func tweets(ids: Set<Int64>) async throws -> [Int64: Tweet]

    // MARK: Site Streams applications

    func createApp(_ app: SiteApp) async throws
    func app(id: String) async throws -> SiteApp?
    /// The app whose consumer key this is.
    func app(consumerKey: String) async throws -> SiteApp?
    func apps() async throws -> [SiteApp]
    /// Records that `userID` authorized the app. False if the app or the user does not exist.
    func grant(appID: String, userID: Int64, at date: Date) async throws -> Bool
    /// Removes the grant; false if there was none.
    func revokeGrant(appID: String, userID: Int64) async throws -> Bool
    /// The users among `userIDs` who granted the app access.
    func grantedUsers(appID: String, among userIDs: Set<Int64>) async throws -> Set<Int64>

    // MARK: Limits shared by every node

    /// The clock every expiry and window below is decided on: callers pass `clock.now()` as `now`.
    /// With a shared store it follows the database's clock, so that skewed nodes still agree.
    var clock: StoreClock { get }

    /// Takes `lease` if fewer than `limit` unexpired leases (at `lease`'s own start, `now`) are held
    /// in its scope. Atomic across nodes: of racing calls for the last place, exactly one wins.
    /// Refused (`StoreError.unavailable`) once `abandonAdmission` was called for the lease's id.
    func acquireLease(_ lease: Lease, limit: Int, now: Date) async throws -> Bool
    /// Admits a Private SSE stream: spends the token whose secret hashes to `tokenHash` and takes
    /// `lease` in its key's pool (at most `limit` places), in one transaction, or does neither. The
    /// token is recorded as spent by the lease, so that `abandonAdmission` can give it back. Atomic
    /// across nodes: of racing admissions with one token, exactly one is admitted.
    /// Refused (`StoreError.unavailable`) once `abandonAdmission` was called for the lease's id.
    func admitStream(tokenHash: String, lease: Lease, limit: Int, now: Date) async throws -> StreamAdmissionOutcome
    /// Undoes an admission whose client left before its stream opened, or whose outcome this node
    /// cannot know (the database did not answer in time; the work may still commit): the place is
    /// freed, the token (if the lease spent it) is unspent, and an admission under this lease id that
    /// has not committed yet never will. Idempotent.
    func abandonAdmission(leaseID: String, scope: String, tokenHash: String?, now: Date) async throws
    /// Gives the place back at once (a connection ended).
    func releaseLease(id: String) async throws
    /// The heartbeat: extends to `until` those of `ids` that `node` still holds unexpired at `now`,
    /// and returns them. The others were lost (expired and taken over, or never committed): the
    /// node must stop using them.
    func renewLeases(_ ids: Set<String>, node: String, until: Date, now: Date) async throws -> Set<String>
    /// The lease with this id, if it is held and unexpired at `now`.
    func lease(id: String, now: Date) async throws -> Lease?
    /// Counts an attempt in `scope`'s sliding window of `window` seconds, unless `limit` attempts are
    /// already in it: then nothing is counted and the seconds until a place frees are returned.
    func admit(scope: String, limit: Int, window: TimeInterval, at date: Date) async throws -> TimeInterval?

    /// Records `key` until `expiresAt`, unless it is recorded already and unexpired at `now`: true the
    /// first time only. Atomic across nodes (an OAuth nonce replayed to another node is caught).
    func recordOnce(_ key: String, until expiresAt: Date, now: Date) async throws -> Bool
    /// Removes what the limits no longer need at `date`: expired leases and records, attempts older
    /// than an hour. Returns how many entries went.
    func purgeExpired(before date: Date) async throws -> Int

    /// How the nodes sharing this store reach each other; nil for a single-node store.
    var clusterBus: (any ClusterBus)? { get }

    /// Succeeds when the store can serve reads.
    func ping() async throws
    /// Finishes writes under way and releases the store. Later calls throw `StoreError.closed`.
    func close() async throws
}

/// The platform's users and graph, read at once (see `Store.socialGraph()`).
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

extension Store {
    /// Appends without an idempotency key; returns the batch's sequence numbers.
    public func append(_ events: [Event]) async throws -> ClosedRange<Int64> {
        try await append(events, idempotency: nil).range
    }
}

public enum StoreError: Error, Sendable, Equatable {
    /// The batch was refused; nothing of it was stored.
    case rejected(BatchRejection)
    /// The store was closed.
    case closed
    /// The store cannot be reached or failed; the operation may be retried.
    case unavailable(String)
    /// The store location could not be understood.
    case invalidLocation(String)
    /// The batch's idempotency key was used before with a different request.
    case idempotencyKeyReused
}
