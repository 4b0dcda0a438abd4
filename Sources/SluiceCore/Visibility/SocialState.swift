/// What Sluice knows now about the platform: profiles, the follow and block graph, and each tweet's
/// author and liveness. Every delivery decision, on both APIs, live and replay, reads it (through
/// `SocialTruth`, which owns the one instance of a running server).
///
/// Kept current by `apply(_:recipients:)` as events flow, in log order; started from the store's
/// profiles and graph. The graph is held as adjacency sets both ways, so a user's friends and followers
/// cost what they hold, not what the platform holds. Tweets are remembered for the most recent
/// `tweetMemory` only (`forgetBeyondMemory()`, which the log follower calls between pages, so that what
/// a page learned stays known while the page is decided): older ones are looked up in the store when an
/// event refers to them, and only their author and liveness come back (`learn(_:)`), never the profile
/// embedded in the stored tweet.
/// Profiles change only by applying events in order, so an old tweet cannot bring back an old profile.
public struct SocialState: Sendable {
    public typealias Edge = GraphChanges.Edge

    public struct TweetRecord: Sendable, Equatable {
        public var author: Int64
        /// Deleted tweets are remembered as such: a deletion is never undone by re-learning the tweet.
        public var deleted: Bool
        /// The tweet it retweets: a retweet carries the retweeted text, so it is visible only to whoever
        /// may see that tweet too (and so on up a chain of retweets).
        public var retweetOf: Int64?
        /// Whether its author was protected when it was posted. Such a tweet stays protected for good:
        /// the account going public later does not make what it wrote while protected public.
        public var postedWhileProtected: Bool
        /// The users it was delivered to on Site Streams (so that its deletion reaches exactly them).
        public var recipients: Set<Int64>

        public init(
            author: Int64, deleted: Bool = false, retweetOf: Int64? = nil, postedWhileProtected: Bool, recipients: Set<Int64> = []
        ) {
            self.author = author
            self.deleted = deleted
            self.retweetOf = retweetOf
            self.postedWhileProtected = postedWhileProtected
            self.recipients = recipients
        }
    }

    /// The longest chain of retweets of retweets followed; a longer one is not visible (deny by default).
    public static let maxRetweetChain = 8

    public private(set) var users: [Int64: User] = [:]
    private var followingByUser: [Int64: Set<Int64>] = [:]
    private var followersByUser: [Int64: Set<Int64>] = [:]
    public private(set) var blocks: Set<Edge> = []
    public private(set) var tweets: [Int64: TweetRecord] = [:]
    private var tweetOrder: [Int64] = []
    private var oldestTweet = 0
    /// Who a mention of each (lower-cased) username names: the account that last took it.
    private var idsByUsername: [String: Int64] = [:]
    /// Every account whose profile holds each username (more than one while the platform has renamed
    /// one of them and not yet the other).
    private var holders: [String: Set<Int64>] = [:]
    public let tweetMemory: Int
    /// The sequence number of the last event applied: what a tweet looked up in the store is learned as of.
    public var position: Int64 = 0

    public init(tweetMemory: Int = 500_000) {
        self.tweetMemory = max(1, tweetMemory)
    }

    /// A state loaded from the store: profiles and the graph as they stand after the event `position`.
    public init(users: [User], follows: [Edge], blocks: [Edge], tweetMemory: Int = 500_000, position: Int64) {
        self.init(tweetMemory: tweetMemory)
        self.position = position
        for user in users { setProfile(user, claimingName: true) }
        for edge in follows { setFollow(edge, true) }
        self.blocks = Set(blocks)
    }

    /// Unknown accounts are protected (deny by default).
    public func isProtected(_ user: Int64) -> Bool { users[user]?.protected ?? true }
    public func follows(_ a: Int64, _ b: Int64) -> Bool { followingByUser[a]?.contains(b) ?? false }
    public func eitherBlocks(_ a: Int64, _ b: Int64) -> Bool { blocks.contains(Edge(a, b)) || blocks.contains(Edge(b, a)) }
    public func userID(username: String) -> Int64? { idsByUsername[username.lowercased()] }
    /// The ids `user` follows.
    public func following(of user: Int64) -> Set<Int64> { followingByUser[user] ?? [] }
    /// The ids following `user`.
    public func followers(of user: Int64) -> Set<Int64> { followersByUser[user] ?? [] }
    public var followCount: Int { followingByUser.values.reduce(0) { $0 + $1.count } }

    /// The author of a live (known, not deleted) tweet; nil when it is deleted or not known.
    public func liveAuthor(of tweet: Int64) -> Int64? {
        guard let record = tweets[tweet], !record.deleted else { return nil }
        return record.author
    }

    /// Whether `viewer` may see what `author` posts: their own, a public account's, or as an approved follower.
    /// Unknown accounts are treated as protected (deny by default).
    public func maySee(_ viewer: Int64, postsBy author: Int64) -> Bool {
        viewer == author || !isProtected(author) || follows(viewer, author)
    }

    /// Whether `viewer` may see the tweet `id` now: it is live, they may see its author (for a tweet
    /// posted while the author was protected: they are the author or follow them now), neither blocks
    /// the other, and, for a retweet, they may see the retweeted tweet by the same rule.
    public func maySee(_ viewer: Int64, tweet id: Int64) -> Bool {
        everyRetweeted(from: id) { record in
            let author = record.author
            let authorVisible = record.postedWhileProtected ? viewer == author || follows(viewer, author) : maySee(viewer, postsBy: author)
            return authorVisible && !eitherBlocks(viewer, author)
        }
    }

    /// Whether the tweet `id` is public now: live, posted while its author was public, by an account
    /// that is not protected now, and, for a retweet, the retweeted tweet public by the same rule.
    public func isPublic(tweet id: Int64) -> Bool {
        everyRetweeted(from: id) { !$0.postedWhileProtected && !isProtected($0.author) }
    }

    /// Whether the tweet `id` and every tweet up its chain of retweets are live and pass `check`; false
    /// when any of them is unknown or the chain is too long.
    private func everyRetweeted(from id: Int64, _ check: (TweetRecord) -> Bool) -> Bool {
        var next: Int64? = id
        for _ in 0...Self.maxRetweetChain {
            guard let current = next else { return true }
            guard let record = tweets[current], !record.deleted, check(record) else { return false }
            next = record.retweetOf
        }
        return next == nil
    }

    /// Among `ids` and the chains of retweets they lead to, the tweets the memory does not hold: the first
    /// unknown link of each chain (known links are walked through), to be learned next.
    public func unknownTweets(inChainsFrom ids: Set<Int64>) -> Set<Int64> {
        var unknown = Set<Int64>()
        for id in ids {
            var next: Int64? = id
            for _ in 0...Self.maxRetweetChain {
                guard let current = next else { break }
                guard let record = tweets[current] else {
                    unknown.insert(current)
                    break
                }
                next = record.retweetOf
            }
        }
        return unknown
    }

    /// Updates the state with `event`, the next one of the log, recording `recipients` for a tweet.
    public mutating func apply(_ event: Event, recipients: Set<Int64> = []) {
        switch event {
        case .tweet(let tweet):
            remember(author: tweet.user)
            // Protected if the log's profile says so or the account is protected as this event applies
            // (the state is at this point of the log): either way, deny.
            let postedWhileProtected = tweet.user.protected || isProtected(tweet.user.id)
            record(
                tweet.id,
                TweetRecord(
                    author: tweet.user.id, retweetOf: tweet.retweetedStatusID, postedWhileProtected: postedWhileProtected,
                    recipients: recipients))
        case .userUpdate(let user):
            setProfile(user, claimingName: true)
        case .follow(let r):
            setFollow(Edge(r.sourceID, r.targetID), true)
        case .unfollow(let r):
            setFollow(Edge(r.sourceID, r.targetID), false)
        case .block(let r):
            blocks.insert(Edge(r.sourceID, r.targetID))
            setFollow(Edge(r.sourceID, r.targetID), false)
            setFollow(Edge(r.targetID, r.sourceID), false)
        case .unblock(let r):
            blocks.remove(Edge(r.sourceID, r.targetID))
        case .delete(let d):
            if tweets[d.id] != nil {
                tweets[d.id]?.deleted = true
            } else {
                record(d.id, TweetRecord(author: d.userID, deleted: true, postedWhileProtected: true))
            }
        case .favorite, .unfavorite, .directMessage:
            break
        }
    }

    /// Makes a tweet's author known before routing the tweet. The log holds the profile resolved at
    /// ingest (`User.resolved(over:from:)`); a known account keeps its username, protection and
    /// verification, which only a `user_update` changes, whatever the tweet says.
    public mutating func remember(author: User) {
        var profile = author
        if let current = users[author.id] {
            profile.username = current.username
            profile.protected = current.protected
            profile.verified = current.verified
        }
        setProfile(profile, claimingName: false)
    }

    /// Makes tweets the memory no longer holds known again, from the store (`Store.tweetStates(ids:asOf:)`
    /// at a position no later than this state's): their author, liveness and retweeted tweet only. A
    /// tweet already known is left as it is, so a deletion applied since is never undone; whom an evicted
    /// tweet was delivered to is lost (only its author will hear of its deletion).
    /// Facts read as of another position than the state's are refused (false): the state moved on while
    /// they were read, and a deletion applied and forgotten meanwhile must not come back as a live tweet.
    @discardableResult
    public mutating func learn(_ facts: [Int64: KnownEntities.TweetState], asOf readPosition: Int64) -> Bool {
        guard readPosition == position else { return false }
        for (id, fact) in facts where tweets[id] == nil {
            record(
                id,
                TweetRecord(author: fact.authorID, deleted: fact.deleted, retweetOf: fact.retweetOf, postedWhileProtected: fact.postedWhileProtected))
        }
        return true
    }

    /// Records that `users` received the tweet `id` embedded in another (a retweet, a quote, a liked
    /// tweet): they too hear of its deletion.
    public mutating func noteEmbedded(_ id: Int64, in users: some Sequence<Int64>) {
        tweets[id]?.recipients.formUnion(users)
    }

    /// Sets a profile. Its username names the account for mentions when the account is new or the
    /// profile comes from a `user_update` (`claimingName`): the latest to state a name takes it, and a
    /// tweet never takes one back. An account that gives a name up hands it to another that still holds
    /// it, if any (after a restart, which of several holders had it last is not known: any of them).
    private mutating func setProfile(_ user: User, claimingName: Bool) {
        let old = users.updateValue(user, forKey: user.id)
        let name = user.username.lowercased()
        if let old, old.username.lowercased() != name {
            let oldName = old.username.lowercased()
            holders[oldName]?.remove(user.id)
            if holders[oldName]?.isEmpty == true { holders[oldName] = nil }
            if idsByUsername[oldName] == user.id { idsByUsername[oldName] = holders[oldName]?.min() }
        }
        holders[name, default: []].insert(user.id)
        if claimingName || old == nil || idsByUsername[name] == nil { idsByUsername[name] = user.id }
    }

    private mutating func record(_ id: Int64, _ record: TweetRecord) {
        if tweets.updateValue(record, forKey: id) == nil { tweetOrder.append(id) }
    }

    /// Forgets the oldest tweets beyond `tweetMemory`. Not done as tweets are recorded, so that what was
    /// just learned for a decision cannot be forgotten before it is made.
    public mutating func forgetBeyondMemory() {
        while tweets.count > tweetMemory, oldestTweet < tweetOrder.count {
            tweets[tweetOrder[oldestTweet]] = nil
            oldestTweet += 1
        }
        // Compact the order list now and then: amortized O(1) per tweet.
        if oldestTweet > tweetMemory {
            tweetOrder.removeFirst(oldestTweet)
            oldestTweet = 0
        }
    }

    private mutating func setFollow(_ edge: Edge, _ present: Bool) {
        if present {
            followingByUser[edge.source, default: []].insert(edge.target)
            followersByUser[edge.target, default: []].insert(edge.source)
        } else {
            followingByUser[edge.source]?.remove(edge.target)
            if followingByUser[edge.source]?.isEmpty == true { followingByUser[edge.source] = nil }
            followersByUser[edge.target]?.remove(edge.source)
            if followersByUser[edge.target]?.isEmpty == true { followersByUser[edge.target] = nil }
        }
    }
}
