/// Who receives what on Site Streams, for one user of one stream. Deny by default: an event kind not
/// handled here reaches nobody.
///
/// - Tweets: a user receives a tweet only if they may see its author (and the author of the tweet it
///   retweets or quotes), and neither blocks the other. With `with=user`: their own tweets, and tweets
///   that mention them, reply to them, retweet or quote them. With `with=followings`, also the tweets
///   of accounts they follow, except replies to accounts they do not follow (all replies with `replies=all`).
/// - Deletes reach the users the tweet was delivered to, and its author; nobody else learns of them.
/// - `follow`, `favorite`, `unfavorite`: source and target; `unfollow`, `block`, `unblock`: the source only.
///   A like's source must be able to see the liked tweet.
/// - `user_update`: the user. Direct messages: sender and recipient.
public enum SiteStreamRules {
    public struct Options: Sendable, Hashable {
        public var followings: Bool
        public var repliesAll: Bool

        public init(followings: Bool = false, repliesAll: Bool = false) {
            self.followings = followings
            self.repliesAll = repliesAll
        }
    }

    /// Whether `user`, in a stream with `options`, receives `event`, given the state before the event
    /// (with the tweet's author profile already remembered).
    public static func receives(_ user: Int64, _ event: Event, options: Options, state: SocialState) -> Bool {
        switch event {
        case .tweet(let tweet):
            return receivesTweet(user, tweet, options: options, state: state)
        case .delete(let deletion):
            guard let record = state.tweets[deletion.id] else { return user == deletion.userID }
            return user == record.author || record.recipients.contains(user)
        case .follow(let r):
            return user == r.sourceID || user == r.targetID
        case .unfollow(let r), .block(let r), .unblock(let r):
            return user == r.sourceID
        case .favorite(let f), .unfavorite(let f):
            guard let author = state.tweets[f.tweetID]?.author, !state.eitherBlocks(f.sourceID, author) else { return false }
            if user == author { return true }
            return user == f.sourceID && state.maySee(user, postsBy: author)
        case .userUpdate(let updated):
            return user == updated.id
        case .directMessage(let message):
            return user == message.senderID || user == message.recipientID
        }
    }

    static func receivesTweet(_ user: Int64, _ tweet: Tweet, options: Options, state: SocialState) -> Bool {
        let author = tweet.user.id
        let retweetedAuthor = tweet.retweetedStatusID.flatMap { state.tweets[$0]?.author }
        let quotedAuthor = tweet.quotedStatusID.flatMap { state.tweets[$0]?.author }
        // A reference to a tweet Sluice does not know cannot be shown to be visible.
        if tweet.retweetedStatusID != nil && retweetedAuthor == nil { return user == author }
        if tweet.quotedStatusID != nil && quotedAuthor == nil { return user == author }
        for other in [author, retweetedAuthor, quotedAuthor].compactMap({ $0 }) {
            guard state.maySee(user, postsBy: other), !state.eitherBlocks(user, other) else { return false }
        }
        if user == author || user == retweetedAuthor || user == quotedAuthor || user == tweet.inReplyToUserID { return true }
        if tweet.entities.mentions.contains(where: { state.userID(username: String($0.drop { $0 == "@" })) == user }) { return true }
        guard options.followings, state.follows(user, author) else { return false }
        guard let replyTo = tweet.inReplyToUserID, replyTo != author else { return true }
        return options.repliesAll || state.follows(user, replyTo)
    }

    /// Users an event may concern, beyond the followers of a tweet's author: where a router looks first.
    public static func directlyConcerned(_ event: Event, state: SocialState) -> Set<Int64> {
        switch event {
        case .tweet(let tweet):
            var ids: Set<Int64> = [tweet.user.id]
            if let id = tweet.inReplyToUserID { ids.insert(id) }
            for id in [tweet.retweetedStatusID, tweet.quotedStatusID].compactMap({ $0 }) {
                if let author = state.tweets[id]?.author { ids.insert(author) }
            }
            for mention in tweet.entities.mentions {
                if let id = state.userID(username: String(mention.drop { $0 == "@" })) { ids.insert(id) }
            }
            return ids
        case .delete(let d): return (state.tweets[d.id]?.recipients ?? []).union([state.tweets[d.id]?.author ?? d.userID])
        case .follow(let r), .unfollow(let r), .block(let r), .unblock(let r): return [r.sourceID, r.targetID]
        case .favorite(let f), .unfavorite(let f): return Set([f.sourceID] + [state.tweets[f.tweetID]?.author].compactMap { $0 })
        case .userUpdate(let u): return [u.id]
        case .directMessage(let m): return [m.senderID, m.recipientID]
        }
    }
}
