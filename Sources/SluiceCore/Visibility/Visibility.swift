/// Who may see what. Deny by default: only what is proven public reaches a public stream.
///
/// Private SSE carries public data only: tweets of public accounts that do not refer to anything
/// that is not itself public, and profiles of public accounts. Direct messages, graph events, likes,
/// deletes and any kind not listed here never reach it.
public enum Visibility {
    /// What the rules need to know beyond the event itself, looked up by the hub before routing.
    public struct Facts: Sendable, Equatable {
        /// The referenced tweets (replied to, retweeted, quoted) known to be live and by public authors.
        public var publicTweets: Set<Int64>

        public init(publicTweets: Set<Int64> = []) {
            self.publicTweets = publicTweets
        }
    }

    /// The tweets an event refers to, whose visibility must be established before routing it.
    public static func referencedTweets(of event: Event) -> Set<Int64> {
        guard case .tweet(let tweet) = event else { return [] }
        return Set([tweet.inReplyToStatusID, tweet.retweetedStatusID, tweet.quotedStatusID].compactMap { $0 })
    }

    /// Whether `event` may be delivered on a public stream (Private SSE).
    public static func isPublic(_ event: Event, facts: Facts) -> Bool {
        switch event {
        case .tweet(let tweet):
            guard !tweet.user.protected else { return false }
            return referencedTweets(of: event).allSatisfy(facts.publicTweets.contains)
        case .userUpdate(let user):
            return !user.protected
        case .delete, .follow, .unfollow, .block, .unblock, .favorite, .unfavorite, .directMessage:
            return false
        }
    }
}
