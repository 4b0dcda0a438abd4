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

    /// The message for `event`, given the state after it and the full text of the tweets it refers to.
    /// With `embedding` false, the tweet the event refers to (a quote's quoted tweet, a like's tweet) is
    /// left out, for a recipient who may not see it (`SiteStreamRules.mayEmbed`). An embedded tweet shows
    /// its author's current profile, not the one stored with it. Nil when a profile it needs is unknown:
    /// better nothing than a message with a made-up user.
    public static func json(for event: Event, state: SocialState, tweets: [Int64: Tweet], at date: Date, embedding: Bool) -> JSONValue? {
        func current(_ id: Int64?) -> Tweet? {
            guard let id, var tweet = tweets[id] else { return nil }
            if let profile = state.users[tweet.user.id] { tweet.user = profile }
            return tweet
        }
        switch event {
        case .tweet(let tweet):
            return TwitterMessage.tweet(tweet, retweeted: current(tweet.retweetedStatusID), quoted: embedding ? current(tweet.quotedStatusID) : nil)
        case .delete(let d):
            return TwitterMessage.delete(tweetID: d.id, userID: d.userID)
        case .follow(let r), .unfollow(let r), .block(let r), .unblock(let r):
            guard let source = state.users[r.sourceID], let target = state.users[r.targetID] else { return nil }
            return TwitterMessage.event(event.kind.rawValue, source: source, target: target, at: date)
        case .favorite(let f), .unfavorite(let f):
            guard let source = state.users[f.sourceID], let author = state.tweets[f.tweetID]?.author ?? tweets[f.tweetID]?.user.id,
                let target = state.users[author]
            else { return nil }
            let object = (embedding ? current(f.tweetID) : nil).map { TwitterMessage.tweet($0) }
                ?? .object(["id": .int(f.tweetID), "id_str": .string(String(f.tweetID))])
            return TwitterMessage.event(event.kind.rawValue, source: source, target: target, targetObject: object, at: date)
        case .userUpdate(let user):
            return TwitterMessage.event("user_update", source: user, target: user, at: date)
        case .directMessage(let message):
            guard let sender = state.users[message.senderID], let recipient = state.users[message.recipientID] else { return nil }
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
