import Foundation

/// Messages in the shapes of Twitter's v1.1 streaming API, for Site Streams clients.
///
/// Built as `JSONValue`s and written compactly by `json`, so the object model stays the same whether
/// the message goes out newline-delimited, length-delimited or as SSE.
public enum TwitterMessage {
    /// Twitter's date format, `Wed Aug 27 13:08:45 +0000 2008`, always UTC.
    public static func date(_ date: Date) -> String {
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let (quotient, remainder) = seconds.quotientAndRemainder(dividingBy: 86_400)
        let days = remainder < 0 ? quotient - 1 : quotient
        let second = remainder < 0 ? remainder + 86_400 : remainder
        let civil = CivilDate(daysSince1970: days)
        guard CivilDate.gregorianYears.contains(civil.year) else {
            // Before the Gregorian reform Foundation's calendar is Julian: ask it there.
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let c = calendar.dateComponents([.weekday, .month, .day, .hour, .minute, .second, .year], from: date)
            return
                "\(weekdays[c.weekday! - 1]) \(months[c.month! - 1]) \(pad(c.day!, 2)) \(pad(c.hour!, 2)):\(pad(c.minute!, 2)):\(pad(c.second!, 2)) +0000 \(pad(c.year!, 4))"
        }
        // 1970-01-01 was a Thursday.
        let weekday = Int(((days % 7) + 11) % 7)
        return "\(weekdays[weekday]) \(months[Int(civil.month) - 1]) \(pad(Int(civil.day), 2)) \(pad(Int(second / 3600), 2)):"
            + "\(pad(Int(second / 60 % 60), 2)):\(pad(Int(second % 60), 2)) +0000 \(pad(Int(civil.year), 4))"
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    static func id(_ value: Int64, _ name: String, into object: inout [String: JSONValue]) {
        object[name] = .int(value)
        object[name + "_str"] = .string(String(value))
    }

    public static func user(_ user: User) -> JSONValue {
        var o: [String: JSONValue] = [
            "name": .string(user.name), "screen_name": .string(user.username), "protected": .bool(user.protected),
            "verified": .bool(user.verified), "followers_count": .int(Int64(user.followersCount)),
            "friends_count": .int(Int64(user.followingCount)),
            "description": user.description.map(JSONValue.string) ?? .null, "location": user.location.map(JSONValue.string) ?? .null,
            "url": user.url.map(JSONValue.string) ?? .null,
        ]
        if let image = user.profileImageURL { o["profile_image_url_https"] = .string(image) }
        if let created = user.createdAt { o["created_at"] = .string(date(created)) }
        id(user.id, "id", into: &o)
        return .object(o)
    }

    /// A tweet, with the tweets it retweets or quotes embedded when they are given.
    public static func tweet(_ tweet: Tweet, retweeted: Tweet? = nil, quoted: Tweet? = nil) -> JSONValue {
        var o: [String: JSONValue] = [
            "created_at": .string(date(tweet.createdAt)), "text": .string(tweet.text), "truncated": .bool(false),
            "user": user(tweet.user), "entities": entities(tweet),
            "retweet_count": .int(Int64(tweet.metrics.retweets)), "favorite_count": .int(Int64(tweet.metrics.likes)),
            "reply_count": .int(Int64(tweet.metrics.replies)), "quote_count": .int(Int64(tweet.metrics.quotes)),
            "lang": tweet.lang.map(JSONValue.string) ?? .null, "is_quote_status": .bool(tweet.quotedStatusID != nil),
            "in_reply_to_status_id": .null, "in_reply_to_status_id_str": .null,
            "in_reply_to_user_id": .null, "in_reply_to_user_id_str": .null,
            "place": tweet.geo?.place.map { .object(["full_name": .string($0)]) } ?? .null,
        ]
        id(tweet.id, "id", into: &o)
        if let reply = tweet.inReplyToStatusID { id(reply, "in_reply_to_status_id", into: &o) }
        if let replyUser = tweet.inReplyToUserID { id(replyUser, "in_reply_to_user_id", into: &o) }
        if let quotedID = tweet.quotedStatusID { id(quotedID, "quoted_status_id", into: &o) }
        if let retweeted { o["retweeted_status"] = self.tweet(retweeted) }
        if let quoted { o["quoted_status"] = self.tweet(quoted) }
        return .object(o)
    }

    /// Entities with Twitter's `indices` (see `EntityLocator`).
    static func entities(_ tweet: Tweet) -> JSONValue {
        var locator = EntityLocator(text: tweet.text)
        let hashtags = tweet.entities.hashtags.map { tag -> JSONValue in
            .object(["text": .string(String(tag.drop { $0 == "#" })), "indices": locator.indices(of: tag.hasPrefix("#") ? tag : "#" + tag)])
        }
        let mentions = tweet.entities.mentions.map { mention -> JSONValue in
            .object([
                "screen_name": .string(String(mention.drop { $0 == "@" })),
                "indices": locator.indices(of: mention.hasPrefix("@") ? mention : "@" + mention),
            ])
        }
        let urls = tweet.entities.urls.map { url -> JSONValue in
            .object(["url": .string(url), "expanded_url": .string(url), "display_url": .string(url), "indices": locator.indices(of: url)])
        }
        return .object(["hashtags": .array(hashtags), "user_mentions": .array(mentions), "urls": .array(urls), "symbols": .array([])])
    }

    public static func delete(tweetID: Int64, userID: Int64) -> JSONValue {
        var status: [String: JSONValue] = [:]
        id(tweetID, "id", into: &status)
        id(userID, "user_id", into: &status)
        return .object(["delete": .object(["status": .object(status)])])
    }

    public static func directMessage(_ message: DirectMessage, sender: User, recipient: User) -> JSONValue {
        var o: [String: JSONValue] = [
            "text": .string(message.text), "created_at": .string(date(message.createdAt)), "sender": user(sender),
            "recipient": user(recipient), "sender_screen_name": .string(sender.username),
            "recipient_screen_name": .string(recipient.username),
        ]
        id(message.id, "id", into: &o)
        id(sender.id, "sender_id", into: &o)
        id(recipient.id, "recipient_id", into: &o)
        return .object(["direct_message": .object(o)])
    }

    /// An event (`follow`, `favorite`, `user_update`, `access_revoked`, …) in Twitter's shape.
    public static func event(_ name: String, source: User, target: User, targetObject: JSONValue? = nil, at date: Date) -> JSONValue {
        var o: [String: JSONValue] = [
            "event": .string(name), "source": user(source), "target": user(target), "created_at": .string(self.date(date)),
        ]
        if let targetObject { o["target_object"] = targetObject }
        return .object(o)
    }

    public static func control(uri: String) -> JSONValue {
        .object(["control": .object(["control_uri": .string(uri)])])
    }

    /// The friends preamble: the ids a user follows.
    public static func friends(_ ids: [Int64], stringify: Bool) -> JSONValue {
        stringify ? .object(["friends_str": .array(ids.map { .string(String($0)) })]) : .object(["friends": .array(ids.map { .int($0) })])
    }

    /// Twitter's disconnect codes (those Sluice uses).
    public enum DisconnectCode: Int, Sendable {
        case shutdown = 1
        /// Twitter's "control request": the stream was closed by a command rather than by its client
        /// or a failure; Sluice sends it when an operator closes the stream.
        case controlRequest = 3
        case stall = 4
        case tokenRevoked = 6
        case adminLogout = 7
        case shedLoad = 12
    }

    public static func disconnect(_ code: DisconnectCode, streamName: String, reason: String) -> JSONValue {
        .object(["disconnect": .object(["code": .int(Int64(code.rawValue)), "stream_name": .string(streamName), "reason": .string(reason)])])
    }

    public static func fallingBehind(percentFull: Int) -> JSONValue {
        .object([
            "warning": .object([
                "code": .string("FALLING_BEHIND"), "percent_full": .int(Int64(percentFull)),
                "message": .string(
                    "Your connection is falling behind and messages are being queued for delivery to you. Your queue is now over \(percentFull)% full. You will be disconnected when the queue is full."
                ),
            ])
        ])
    }

    /// Compact JSON for the wire.
    public static func json(_ value: JSONValue) -> String {
        value.json()
    }
}
