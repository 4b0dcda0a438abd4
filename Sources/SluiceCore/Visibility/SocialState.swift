/// What Site Streams routing needs to know about the platform: profiles, the follow and block graph,
/// and who received each tweet (so that a deletion reaches exactly those who saw the tweet).
///
/// Kept current by `apply(_:recipients:)` as events flow, in log order.
public struct SocialState: Sendable {
    public typealias Edge = GraphChanges.Edge

    public private(set) var users: [Int64: User] = [:]
    public private(set) var follows: Set<Edge> = []
    public private(set) var blocks: Set<Edge> = []
    /// Per tweet: its author, and the users it was delivered to.
    public private(set) var tweets: [Int64: (author: Int64, recipients: Set<Int64>)] = [:]
    private var idsByUsername: [String: Int64] = [:]

    public init() {}

    public func isProtected(_ user: Int64) -> Bool { users[user]?.protected ?? true }
    public func follows(_ a: Int64, _ b: Int64) -> Bool { follows.contains(Edge(a, b)) }
    public func eitherBlocks(_ a: Int64, _ b: Int64) -> Bool { blocks.contains(Edge(a, b)) || blocks.contains(Edge(b, a)) }
    public func userID(username: String) -> Int64? { idsByUsername[username.lowercased()] }

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
            tweets[tweet.id] = (tweet.user.id, recipients)
        case .userUpdate(let user):
            remember(user)
        case .follow(let r):
            follows.insert(Edge(r.sourceID, r.targetID))
        case .unfollow(let r):
            follows.remove(Edge(r.sourceID, r.targetID))
        case .block(let r):
            blocks.insert(Edge(r.sourceID, r.targetID))
            follows.remove(Edge(r.sourceID, r.targetID))
            follows.remove(Edge(r.targetID, r.sourceID))
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
}
