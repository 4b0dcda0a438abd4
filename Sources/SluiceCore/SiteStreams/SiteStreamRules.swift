/// Who receives what on Site Streams, for one user of one stream, decided on the current state
/// (`SocialTruth`). Deny by default: an event kind not handled here reaches nobody.
///
/// - Tweets: a user receives a tweet only if they may see its author and neither blocks the other. A
///   retweet also needs the retweeted tweet to be live and visible to them; otherwise nobody receives
///   it. A quote is delivered whatever the quoted tweet is, but embeds it (`quoted_status`) only if it
///   is live and visible to that user (`mayEmbed`), as Twitter did for unavailable quoted tweets. A reply
///   keeps its `in_reply_to_*` ids (ids only, never the replied-to content). With `with=user`: their
///   own tweets, and tweets that mention them, reply to them, retweet or quote their live tweets. With
///   `with=followings`, also the tweets of accounts they follow, except replies to accounts they do
///   not follow (all replies with `replies=all`).
/// - Deletes reach the users the tweet was delivered to, and its author; nobody else learns of them.
/// - `follow`, `favorite`, `unfavorite`: source and target; `unfollow`, `block`, `unblock`: the source only.
///   A like's source must be able to see the liked tweet's author; its `target_object` embeds the tweet
///   only for a user who may see it now.
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

    /// Whether the message of `event` for `user` may embed the tweet the event refers to: a quote's
    /// quoted tweet, a like's liked tweet. Only a tweet that is live and that `user` may see now.
    public static func mayEmbed(_ user: Int64, _ event: Event, state: SocialState) -> Bool {
        switch event {
        case .tweet(let tweet): tweet.quotedStatusID.map { state.maySee(user, tweet: $0) } ?? true
        case .favorite(let f), .unfavorite(let f): state.maySee(user, tweet: f.tweetID)
        default: true
        }
    }

    static func receivesTweet(_ user: Int64, _ tweet: Tweet, options: Options, state: SocialState) -> Bool {
        let author = tweet.user.id
        guard state.maySee(user, postsBy: author), !state.eitherBlocks(user, author) else { return false }
        var retweetedAuthor: Int64?
        if let retweeted = tweet.retweetedStatusID {
            // A retweet of what the user may not see (deleted, protected and not followed, blocked) is not theirs to receive.
            guard state.maySee(user, tweet: retweeted) else { return false }
            retweetedAuthor = state.liveAuthor(of: retweeted)
        }
        let quotedAuthor = tweet.quotedStatusID.flatMap { state.liveAuthor(of: $0) }
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
                if let author = state.liveAuthor(of: id) { ids.insert(author) }
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
