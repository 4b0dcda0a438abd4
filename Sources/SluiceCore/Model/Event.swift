import Foundation

/// The kinds of event a platform can publish into Sluice; the raw value is the wire `type`.
public enum EventKind: String, Sendable, Hashable, Codable, CaseIterable {
    case tweet
    case delete
    case userUpdate = "user_update"
    case follow
    case unfollow
    case block
    case unblock
    case favorite
    case unfavorite
    case directMessage = "direct_message"
}

/// One event as published: `{"type": KIND, "data": {…}}`. Ingest and read-back use the same JSON.
public enum Event: Sendable, Hashable {
    case tweet(Tweet)
    case delete(TweetDeletion)
    case userUpdate(User)
    case follow(UserRelation)
    case unfollow(UserRelation)
    case block(UserRelation)
    case unblock(UserRelation)
    case favorite(Favorite)
    case unfavorite(Favorite)
    case directMessage(DirectMessage)

    public var kind: EventKind {
        switch self {
        case .tweet: .tweet
        case .delete: .delete
        case .userUpdate: .userUpdate
        case .follow: .follow
        case .unfollow: .unfollow
        case .block: .block
        case .unblock: .unblock
        case .favorite: .favorite
        case .unfavorite: .unfavorite
        case .directMessage: .directMessage
        }
    }
}

extension Event: Codable {
    enum CodingKeys: String, CodingKey { case type, data }

    public init(from decoder: any Decoder) throws {
        // `seq` as `GET /v1/events` hands events out: taken back and ignored (the log numbers them anew).
        try decoder.refuseUnknownFields(["type", "data", "seq"])
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let type = try c.decode(String.self, forKey: .type)
        guard let kind = EventKind(rawValue: type) else {
            let known = EventKind.allCases.map(\.rawValue).joined(separator: ", ")
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: c, debugDescription: "unknown event type \"\(type.prefix(40))\" (known: \(known))")
        }
        self = try Self.decodeData(kind, from: c)
    }

    private static func decodeData(_ kind: EventKind, from c: KeyedDecodingContainer<CodingKeys>) throws -> Event {
        switch kind {
        case .tweet: .tweet(try c.decode(Tweet.self, forKey: .data))
        case .delete: .delete(try c.decode(TweetDeletion.self, forKey: .data))
        case .userUpdate: .userUpdate(try c.decode(User.self, forKey: .data))
        case .follow: .follow(try c.decode(UserRelation.self, forKey: .data))
        case .unfollow: .unfollow(try c.decode(UserRelation.self, forKey: .data))
        case .block: .block(try c.decode(UserRelation.self, forKey: .data))
        case .unblock: .unblock(try c.decode(UserRelation.self, forKey: .data))
        case .favorite: .favorite(try c.decode(Favorite.self, forKey: .data))
        case .unfavorite: .unfavorite(try c.decode(Favorite.self, forKey: .data))
        case .directMessage: .directMessage(try c.decode(DirectMessage.self, forKey: .data))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind.rawValue, forKey: .type)
        try c.encode(DataOnly(event: self), forKey: .data)
    }
}

/// An event as the log holds it: its global sequence number, its kind, the canonical JSON of its
/// `data` (encoded once at ingest), and the time it was accepted.
public struct StoredEvent: Sendable, Hashable {
    public var sequence: Int64
    public var kind: EventKind
    public var data: String
    public var acceptedAt: Date
    /// The sequence number of the last event of the batch this one was published in, when known: the
    /// event core reads whole batches, so that what a batch takes back is never sent before it is.
    public var batchEnd: Int64?

    public init(sequence: Int64, kind: EventKind, data: String, acceptedAt: Date, batchEnd: Int64? = nil) {
        self.sequence = sequence
        self.kind = kind
        self.data = data
        self.acceptedAt = acceptedAt
        self.batchEnd = batchEnd
    }

    /// The event as JSON, `{"seq":N,"type":KIND,"data":{…}}`, built around the stored bytes without re-encoding.
    public var json: String {
        #"{"seq":\#(sequence),"type":"\#(kind.rawValue)","data":\#(data)}"#
    }

    /// Decodes the stored data back into the model: tweets and profiles in the canonical form by
    /// `ModelJSONReader`, anything else by Foundation's decoder.
    public func decoded() throws -> Event {
        switch kind {
        case .tweet: .tweet(try Tweet(storedJSON: data))
        case .userUpdate: .userUpdate(try User(storedJSON: data))
        default: try JSONDecoder().decode(Event.self, from: Data(#"{"type":"\#(kind.rawValue)","data":\#(data)}"#.utf8))
        }
    }
}

extension Event {
    /// The canonical JSON of this event's `data` object: what the log stores and streams reuse.
    public func encodedData() throws -> String {
        switch self {
        // The two kinds nearly all traffic is, written without Foundation (`JSONWriter`).
        case .tweet(let tweet): tweet.json()
        case .userUpdate(let user): user.json()
        default: try JSONCoding.string(DataOnly(event: self))
        }
    }

    fileprivate struct DataOnly: Encodable {
        let event: Event
        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch event {
            case .tweet(let v): try c.encode(v)
            case .delete(let v): try c.encode(v)
            case .userUpdate(let v): try c.encode(v)
            case .follow(let v), .unfollow(let v), .block(let v), .unblock(let v): try c.encode(v)
            case .favorite(let v), .unfavorite(let v): try c.encode(v)
            case .directMessage(let v): try c.encode(v)
            }
        }
    }
}
