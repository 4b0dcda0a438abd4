import Foundation

/// The inner message of a Site Streams delivery, in Twitter's shape, built once per event and then
/// wrapped for each user who receives it.
public enum SiteStreamMessage {
    /// The tweets an event refers to whose content a Site Streams message embeds or whose author the
    /// rules need (retweeted, quoted, liked, deleted): looked up in the store when the state forgot them.
    public static func referencedTweets(of event: Event) -> Set<Int64> {
        switch event {
        case .tweet(let tweet): Set([tweet.retweetedStatusID, tweet.quotedStatusID].compactMap { $0 })
        case .favorite(let f), .unfavorite(let f): [f.tweetID]
        case .delete(let d): [d.id]
        default: []
        }
    }

    /// What a message needs from the state after its event: the profiles it shows and the tweets it may
    /// embed, captured under the hub's lock so the message is built and encoded outside it.
    public struct Context: Sendable {
        /// Current profiles of the users the message shows.
        var users: [Int64: User] = [:]
        /// The tweets it may embed, each showing its author's current profile, not the one stored with it.
        var tweets: [Int64: Tweet] = [:]
        /// The author of a liked tweet.
        var likedAuthor: Int64?
    }

    /// The context of `event`'s message, given the state after it and the full text of the tweets it
    /// refers to. Nil when a profile it needs is unknown: better nothing than a message with a made-up user.
    public static func context(for event: Event, state: SocialState, tweets: [Int64: Tweet]) -> Context? {
        var context = Context()
        for id in referencedTweets(of: event) {
            guard var tweet = tweets[id] else { continue }
            if let profile = state.users[tweet.user.id] { tweet.user = profile }
            context.tweets[id] = tweet
        }
        func need(_ ids: Int64?...) -> Bool {
            for id in ids {
                guard let id, let user = state.users[id] else { return false }
                context.users[id] = user
            }
            return true
        }
        switch event {
        case .tweet, .delete, .userUpdate:
            return context
        case .follow(let r), .unfollow(let r), .block(let r), .unblock(let r):
            return need(r.sourceID, r.targetID) ? context : nil
        case .favorite(let f), .unfavorite(let f):
            context.likedAuthor = state.tweets[f.tweetID]?.author ?? tweets[f.tweetID]?.user.id
            return need(f.sourceID, context.likedAuthor) ? context : nil
        case .directMessage(let message):
            return need(message.senderID, message.recipientID) ? context : nil
        }
    }

    /// The message for `event` in its `context` (from `context(for:state:tweets:)`; nil for another
    /// event's). With `embedding` false, the tweet the event refers to (a quote's quoted tweet, a like's
    /// tweet) is left out, for a recipient who may not see it (`SiteStreamRules.mayEmbed`).
    public static func json(for event: Event, context: Context, at date: Date, embedding: Bool) -> JSONValue? {
        let users = context.users
        switch event {
        case .tweet(let tweet):
            return TwitterMessage.tweet(
                tweet, retweeted: tweet.retweetedStatusID.flatMap { context.tweets[$0] },
                quoted: embedding ? tweet.quotedStatusID.flatMap { context.tweets[$0] } : nil)
        case .delete(let d):
            return TwitterMessage.delete(tweetID: d.id, userID: d.userID)
        case .follow(let r), .unfollow(let r), .block(let r), .unblock(let r):
            guard let source = users[r.sourceID], let target = users[r.targetID] else { return nil }
            return TwitterMessage.event(event.kind.rawValue, source: source, target: target, at: date)
        case .favorite(let f), .unfavorite(let f):
            guard let source = users[f.sourceID], let target = context.likedAuthor.flatMap({ users[$0] }) else { return nil }
            let object =
                (embedding ? context.tweets[f.tweetID] : nil).map { TwitterMessage.tweet($0) }
                ?? .object(["id": .int(f.tweetID), "id_str": .string(String(f.tweetID))])
            return TwitterMessage.event(event.kind.rawValue, source: source, target: target, targetObject: object, at: date)
        case .userUpdate(let user):
            return TwitterMessage.event("user_update", source: user, target: user, at: date)
        case .directMessage(let message):
            guard let sender = users[message.senderID], let recipient = users[message.recipientID] else { return nil }
            return TwitterMessage.directMessage(message, sender: sender, recipient: recipient)
        }
    }

    /// `access_revoked`: the user took back the app's access; sent to that user's stream before it is removed.
    public static func accessRevoked(user: User, appID: String, appName: String, at date: Date) -> JSONValue {
        TwitterMessage.event(
            "access_revoked", source: user, target: user,
            targetObject: .object(["client_application": .object(["id": .string(appID), "name": .string(appName)])]), at: date)
    }
}
