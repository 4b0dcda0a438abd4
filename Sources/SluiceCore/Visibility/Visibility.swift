/// What Private SSE may carry. Deny by default: only what is proven public *now* reaches a public stream.
///
/// Private SSE carries public data only: tweets of accounts that are public now, that are not deleted,
/// and whose every reference (replied-to, retweeted, quoted tweet) is a live tweet of an account that is
/// public now; and profiles of accounts that are public now. Direct messages, graph events, likes,
/// deletes and any kind not listed here never reach it. A reference that is a retweet is public only if
/// what it retweets is. Live delivery and replay ask the same question of the same state
/// (`SocialTruth`), so a replay never serves what live delivery would refuse now.
public enum Visibility {
    /// The tweets a tweet refers to, whose visibility must be established before delivering it.
    public static func referencedTweets(of tweet: Tweet) -> Set<Int64> {
        Set([tweet.inReplyToStatusID, tweet.retweetedStatusID, tweet.quotedStatusID].compactMap { $0 })
    }

    /// Whether `tweet` may be delivered on a public stream now. Its `user` is the author's profile as the
    /// log holds it, resolved at ingest: a tweet posted while the account was protected never is, even
    /// once the account goes public (it carries the profile of that period).
    public static func isPublic(_ tweet: Tweet, in state: SocialState) -> Bool {
        guard !tweet.user.protected, state.liveAuthor(of: tweet.id) == tweet.user.id, !state.isProtected(tweet.user.id) else { return false }
        return referencedTweets(of: tweet).allSatisfy(state.isPublic(tweet:))
    }

    /// Whether a profile (as a `user_update` carried it) may be delivered on a public stream now: the
    /// account is public now, and was when the profile was set (a profile from a protected period is
    /// never shown, even after the account goes public).
    public static func isPublic(_ user: User, in state: SocialState) -> Bool {
        !user.protected && !state.isProtected(user.id)
    }

    /// Whether `event` may be delivered on a public stream now.
    public static func isPublic(_ event: Event, in state: SocialState) -> Bool {
        switch event {
        case .tweet(let tweet): isPublic(tweet, in: state)
        case .userUpdate(let user): isPublic(user, in: state)
        case .delete, .follow, .unfollow, .block, .unblock, .favorite, .unfavorite, .directMessage: false
        }
    }
}
