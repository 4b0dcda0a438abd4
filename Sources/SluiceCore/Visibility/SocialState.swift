/// What Site Streams routing needs to know about the platform: profiles, the follow and block graph,
/// and who received each recent tweet (so that a deletion reaches exactly those who saw the tweet).
///
/// Kept current by `apply(_:recipients:)` as events flow, in log order. The graph is held as adjacency
/// sets both ways, so a user's friends and followers cost what they hold, not what the platform holds.
/// Tweets are remembered for the most recent `tweetMemory` only: older ones the event core looks up in
/// the store when an event refers to them (`learn(_:)`), so memory stays bounded however long it runs.
public struct SocialState: Sendable {
    public typealias Edge = GraphChanges.Edge

    public struct TweetRecord: Sendable, Equatable {
        public var author: Int64
        /// The users it was delivered to on Site Streams.
        public var recipients: Set<Int64>
    }

    public private(set) var users: [Int64: User] = [:]
    private var followingByUser: [Int64: Set<Int64>] = [:]
    private var followersByUser: [Int64: Set<Int64>] = [:]
    public private(set) var blocks: Set<Edge> = []
    public private(set) var tweets: [Int64: TweetRecord] = [:]
    private var tweetOrder: [Int64] = []
    private var oldestTweet = 0
    private var idsByUsername: [String: Int64] = [:]
    public let tweetMemory: Int

    public init(tweetMemory: Int = 500_000) {
        self.tweetMemory = max(1, tweetMemory)
    }

    /// A state loaded from the store: profiles and the graph as they stand.
    public init(users: [User], follows: [Edge], blocks: [Edge], tweetMemory: Int = 500_000) {
        self.init(tweetMemory: tweetMemory)
        for user in users { remember(user) }
        for edge in follows { setFollow(edge, true) }
        self.blocks = Set(blocks)
    }

    public func isProtected(_ user: Int64) -> Bool { users[user]?.protected ?? true }
    public func follows(_ a: Int64, _ b: Int64) -> Bool { followingByUser[a]?.contains(b) ?? false }
    public func eitherBlocks(_ a: Int64, _ b: Int64) -> Bool { blocks.contains(Edge(a, b)) || blocks.contains(Edge(b, a)) }
    public func userID(username: String) -> Int64? { idsByUsername[username.lowercased()] }
    /// The ids `user` follows.
    public func following(of user: Int64) -> Set<Int64> { followingByUser[user] ?? [] }
    /// The ids following `user`.
    public func followers(of user: Int64) -> Set<Int64> { followersByUser[user] ?? [] }
    public var followCount: Int { followingByUser.values.reduce(0) { $0 + $1.count } }

    /// Whether `viewer` may see what `author` posts: their own, a public account's, or as an approved follower.
    /// Unknown accounts are treated as protected (deny by default).
    public func maySee(_ viewer: Int64, postsBy author: Int64) -> Bool {
        viewer == author || !isProtected(author) || follows(viewer, author)
    }

    /// Updates the state with `event`, recording `recipients` for a tweet.
    public mutating func apply(_ event: Event, recipients: Set<Int64> = []) {
        switch event {
        case .tweet(let tweet):
            remember(tweet.user)
            record(tweet.id, TweetRecord(author: tweet.user.id, recipients: recipients))
        case .userUpdate(let user):
            remember(user)
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
            tweets[d.id] = nil
        case .favorite, .unfavorite, .directMessage:
            break
        }
    }

    /// Makes `user` known before routing an event that carries it (a tweet's current author profile).
    public mutating func remember(_ user: User) {
        if let old = users[user.id] { idsByUsername[old.username.lowercased()] = nil }
        users[user.id] = user
        idsByUsername[user.username.lowercased()] = user.id
    }

    /// Makes an older tweet known again (looked up in the store because an event refers to it). Whom
    /// it was delivered to is no longer known: only its author will hear of its deletion.
    public mutating func learn(_ tweet: Tweet) {
        guard tweets[tweet.id] == nil else { return }
        remember(tweet.user)
        record(tweet.id, TweetRecord(author: tweet.user.id, recipients: []))
    }

    private mutating func record(_ id: Int64, _ record: TweetRecord) {
        if tweets.updateValue(record, forKey: id) == nil { tweetOrder.append(id) }
        // Forget the oldest once past the memory; compact the order list now and then.
        while tweets.count > tweetMemory, oldestTweet < tweetOrder.count {
            tweets[tweetOrder[oldestTweet]] = nil
            oldestTweet += 1
        }
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
