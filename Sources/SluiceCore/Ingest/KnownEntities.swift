/// What the log already knows about the users, tweets and messages that a batch refers to.
///
/// The store fills one of these with a few set-based queries, then `BatchValidator` checks the whole
/// batch against it in memory, so validation costs a handful of queries per group commit, not per event.
public struct KnownEntities: Sendable, Equatable {
    /// The current profiles of the users named: what a partial profile in the batch is resolved against.
    public var profiles: [Int64: User]
    public var tweets: [Int64: TweetState]
    public var directMessages: Set<Int64>

    public var users: Set<Int64> { Set(profiles.keys) }

    public struct TweetState: Sendable, Equatable {
        public var authorID: Int64
        public var deleted: Bool
        /// The tweet it retweets, if it is a retweet: whoever may see it must be able to see that one too.
        public var retweetOf: Int64?
        /// Whether its author was protected when it was posted: such a tweet stays protected for good.
        public var postedWhileProtected: Bool

        public init(authorID: Int64, deleted: Bool, retweetOf: Int64? = nil, postedWhileProtected: Bool) {
            self.authorID = authorID
            self.deleted = deleted
            self.retweetOf = retweetOf
            self.postedWhileProtected = postedWhileProtected
        }
    }

    public init(profiles: [Int64: User] = [:], tweets: [Int64: TweetState] = [:], directMessages: Set<Int64> = []) {
        self.profiles = profiles
        self.tweets = tweets
        self.directMessages = directMessages
    }
}

/// The ids a batch refers to, which the store must look up before validating it.
public struct EntityReferences: Sendable, Equatable {
    public var userIDs: Set<Int64> = []
    public var tweetIDs: Set<Int64> = []
    public var directMessageIDs: Set<Int64> = []

    public init() {}

    public init<S: Sequence>(of events: S) where S.Element == Event {
        for event in events { add(event) }
    }

    public mutating func add(_ event: Event) {
        switch event {
        case .tweet(let t):
            tweetIDs.insert(t.id)
            userIDs.insert(t.user.id)
            for id in [t.inReplyToStatusID, t.retweetedStatusID, t.quotedStatusID].compactMap({ $0 }) { tweetIDs.insert(id) }
            if let id = t.inReplyToUserID { userIDs.insert(id) }
        case .delete(let d):
            tweetIDs.insert(d.id)
            userIDs.insert(d.userID)
        case .userUpdate(let u):
            userIDs.insert(u.id)
        case .follow(let r), .unfollow(let r), .block(let r), .unblock(let r):
            userIDs.formUnion([r.sourceID, r.targetID])
        case .favorite(let f), .unfavorite(let f):
            userIDs.insert(f.sourceID)
            tweetIDs.insert(f.tweetID)
        case .directMessage(let m):
            directMessageIDs.insert(m.id)
            userIDs.formUnion([m.senderID, m.recipientID])
        }
    }
}
