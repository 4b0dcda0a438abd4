import Foundation

/// `follow`, `unfollow`, `block`, `unblock`: an edge of the social graph from `source` to `target`.
public struct UserRelation: Sendable, Hashable, Codable {
    public var sourceID: Int64
    public var targetID: Int64

    public init(sourceID: Int64, targetID: Int64) {
        self.sourceID = sourceID
        self.targetID = targetID
    }

    public init(from decoder: any Decoder) throws {
        (sourceID, targetID) = try decoder.decodeIDPair("source_id", "target_id")
        guard sourceID != targetID else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath + [AnyCodingKey("target_id")], debugDescription: "a user cannot relate to themselves"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        try encoder.encodeIDPair(("source_id", sourceID), ("target_id", targetID))
    }
}

/// `favorite`, `unfavorite`: a user liking (or unliking) a tweet.
public struct Favorite: Sendable, Hashable, Codable {
    public var sourceID: Int64
    public var tweetID: Int64

    public init(sourceID: Int64, tweetID: Int64) {
        self.sourceID = sourceID
        self.tweetID = tweetID
    }

    public init(from decoder: any Decoder) throws {
        (sourceID, tweetID) = try decoder.decodeIDPair("source_id", "tweet_id")
    }

    public func encode(to encoder: any Encoder) throws {
        try encoder.encodeIDPair(("source_id", sourceID), ("tweet_id", tweetID))
    }
}

/// `delete`: the author removed a tweet. `userID` must be the tweet's author.
public struct TweetDeletion: Sendable, Hashable, Codable {
    public var id: Int64
    public var userID: Int64

    public init(id: Int64, userID: Int64) {
        self.id = id
        self.userID = userID
    }

    public init(from decoder: any Decoder) throws {
        (id, userID) = try decoder.decodeIDPair("id", "user_id")
    }

    public func encode(to encoder: any Encoder) throws {
        try encoder.encodeIDPair(("id", id), ("user_id", userID))
    }
}

/// `direct_message`: private to its sender and recipient, always.
public struct DirectMessage: Sendable, Hashable, Codable {
    public var id: Int64
    public var senderID: Int64
    public var recipientID: Int64
    public var text: String
    public var createdAt: Date

    public static let maxTextLength = 10_000

    public init(id: Int64, senderID: Int64, recipientID: Int64, text: String, createdAt: Date) {
        self.id = id
        self.senderID = senderID
        self.recipientID = recipientID
        self.text = text
        self.createdAt = createdAt
    }

    public init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownFields(["id", "sender_id", "recipient_id", "text", "created_at"], ids: ["id", "sender_id", "recipient_id"])
        let c = try decoder.container(keyedBy: AnyCodingKey.self)
        id = try TwitterID.decode(c, .init("id"))
        senderID = try TwitterID.decode(c, .init("sender_id"))
        recipientID = try TwitterID.decode(c, .init("recipient_id"))
        text = try c.decode(String.self, forKey: .init("text"))
        guard !text.isEmpty, text.count <= Self.maxTextLength else {
            throw DecodingError.dataCorruptedError(
                forKey: .init("text"), in: c, debugDescription: "text must be 1 to \(Self.maxTextLength) characters")
        }
        createdAt = try Timestamp.decode(c, .init("created_at"))
        guard senderID != recipientID else {
            throw DecodingError.dataCorruptedError(
                forKey: .init("recipient_id"), in: c, debugDescription: "sender and recipient must differ")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyCodingKey.self)
        try c.encodeID(id, as: "id", style: encoder.idStyle)
        try c.encodeID(senderID, as: "sender_id", style: encoder.idStyle)
        try c.encodeID(recipientID, as: "recipient_id", style: encoder.idStyle)
        try c.encode(text, forKey: .init("text"))
        try c.encode(Timestamp.format(createdAt), forKey: .init("created_at"))
    }
}

extension Decoder {
    /// The two ids of an event that is two ids under fixed keys (follows, blocks, likes, deletes): each
    /// a number or a decimal string; any other field is refused.
    func decodeIDPair(_ first: String, _ second: String) throws -> (Int64, Int64) {
        try refuseUnknownFields([first, second], ids: [first, second])
        let c = try container(keyedBy: AnyCodingKey.self)
        return (try TwitterID.decode(c, .init(first)), try TwitterID.decode(c, .init(second)))
    }
}

extension Encoder {
    /// Writes an event that is two ids, in this encoder's id style.
    func encodeIDPair(_ first: (name: String, id: Int64), _ second: (name: String, id: Int64)) throws {
        var c = container(keyedBy: AnyCodingKey.self)
        try c.encodeID(first.id, as: first.name, style: idStyle)
        try c.encodeID(second.id, as: second.name, style: idStyle)
    }
}
