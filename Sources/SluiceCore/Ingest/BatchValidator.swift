/// Why a batch was refused: the index of the first offending event, a stable code and a message.
public struct BatchRejection: Error, Sendable, Equatable {
    public enum Code: String, Sendable {
        /// The JSON did not parse, or an event did not have the shape of its type.
        case invalidEvent = "invalid_event"
        /// The event names a user or tweet the log does not know.
        case unknownReference = "unknown_reference"
        /// A tweet or message with this id was already accepted.
        case duplicateID = "duplicate_id"
        /// The reference exists but cannot be used that way (deleting another author's tweet, liking a deleted one).
        case invalidReference = "invalid_reference"
        /// The event's JSON, as the log stores it, is larger than the server accepts (`--max-event-bytes`).
        case eventTooLarge = "event_too_large"
    }

    public var index: Int
    public var code: Code
    public var message: String

    public init(index: Int, code: Code, message: String) {
        self.index = index
        self.code = code
        self.message = message
    }
}

extension Event {
    /// The default of `--max-event-bytes`: room for the longest text (25,000 characters) in any script
    /// and a full profile.
    ///
    /// Characters alone do not bound an event's size (one character may carry any number of combining
    /// marks; a family emoji is 25 bytes), and every stream must be able to carry any event the log
    /// holds, so the log refuses events by the size of their JSON as stored: profiles resolved
    /// (`BatchValidator.resolve`), which is what streams carry.
    public static let defaultMaxStoredBytes = 128 * 1024
}

extension BatchRejection {
    public static func tooLarge(index: Int, size: Int, maxBytes: Int) -> BatchRejection {
        BatchRejection(
            index: index, code: .eventTooLarge,
            message: "event \(index) is \(size) bytes as stored (its author's profile included); the most this server accepts is \(maxBytes)")
    }
}

/// Checks a batch of events against what the log knows, as a whole: an event may refer to users and
/// tweets created earlier in the same batch, and one bad event refuses the batch.
public enum BatchValidator {
    /// Validates `events` in order against `known`. On success `known` also holds what the batch
    /// created, so the next batch of a group commit sees it; on failure `known` is unchanged.
    public static func validate(_ events: [Event], against known: inout KnownEntities) -> BatchRejection? {
        if case .failure(let rejection) = resolve(events, against: &known) { return rejection }
        return nil
    }

    /// Validates `events` like `validate(_:against:)` and returns them as the log stores them: every
    /// profile they carry resolved against the current one (`User.resolved(over:from:)`), so that what
    /// the log holds is complete and a partial object cannot loosen who may see what.
    public static func resolve(_ events: [Event], against known: inout KnownEntities) -> Result<[Event], BatchRejection> {
        var state = known
        var resolved: [Event] = []
        resolved.reserveCapacity(events.count)
        for (index, event) in events.enumerated() {
            var event = event
            if let problem = check(&event, in: &state) {
                return .failure(BatchRejection(index: index, code: problem.0, message: problem.1))
            }
            resolved.append(event)
        }
        known = state
        return .success(resolved)
    }

    private static func check(_ event: inout Event, in state: inout KnownEntities) -> (BatchRejection.Code, String)? {
        func needUser(_ id: Int64, _ field: String) -> (BatchRejection.Code, String)? {
            state.profiles[id] != nil ? nil : (.unknownReference, "data.\(field): unknown user \(id)")
        }
        func needTweet(_ id: Int64, _ field: String) -> (BatchRejection.Code, String)? {
            state.tweets[id] != nil ? nil : (.unknownReference, "data.\(field): unknown tweet \(id)")
        }
        func needLiveTweet(_ id: Int64, _ field: String) -> (BatchRejection.Code, String)? {
            guard let tweet = state.tweets[id] else { return (.unknownReference, "data.\(field): unknown tweet \(id)") }
            return tweet.deleted ? (.invalidReference, "data.\(field): tweet \(id) was deleted") : nil
        }

        switch event {
        case .tweet(var t):
            if state.tweets[t.id] != nil { return (.duplicateID, "data.id: tweet \(t.id) already exists") }
            if let id = t.inReplyToStatusID, let p = needTweet(id, "in_reply_to_status_id") { return p }
            if let id = t.inReplyToUserID, id != t.user.id, let p = needUser(id, "in_reply_to_user_id") { return p }
            if let id = t.retweetedStatusID, let p = needLiveTweet(id, "retweeted_status_id") { return p }
            if let id = t.quotedStatusID, let p = needTweet(id, "quoted_status_id") { return p }
            t.user = t.user.resolved(over: state.profiles[t.user.id], from: .tweetAuthor)
            state.profiles[t.user.id] = t.user
            state.tweets[t.id] = .init(authorID: t.user.id, deleted: false, retweetOf: t.retweetedStatusID, postedWhileProtected: t.user.protected)
            event = .tweet(t)
        case .delete(let d):
            if let p = needLiveTweet(d.id, "id") { return p }
            if state.tweets[d.id]?.authorID != d.userID {
                return (.invalidReference, "data.user_id: user \(d.userID) is not the author of tweet \(d.id)")
            }
            state.tweets[d.id]?.deleted = true
        case .userUpdate(let u):
            let profile = u.resolved(over: state.profiles[u.id], from: .profileUpdate)
            state.profiles[u.id] = profile
            event = .userUpdate(profile)
        case .follow(let r), .unfollow(let r), .block(let r), .unblock(let r):
            if let p = needUser(r.sourceID, "source_id") ?? needUser(r.targetID, "target_id") { return p }
        case .favorite(let f), .unfavorite(let f):
            if let p = needUser(f.sourceID, "source_id") ?? needLiveTweet(f.tweetID, "tweet_id") { return p }
        case .directMessage(let m):
            if state.directMessages.contains(m.id) { return (.duplicateID, "data.id: direct message \(m.id) already exists") }
            if let p = needUser(m.senderID, "sender_id") ?? needUser(m.recipientID, "recipient_id") { return p }
            state.directMessages.insert(m.id)
        }
        return nil
    }
}
