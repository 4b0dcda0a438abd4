import Foundation

/// A tweet in the complete, untruncated shape of the Private SSE document, plus the reply, retweet and
/// quote references the Site Streams API needs.
///
/// `user` is the author's full profile at the time of the tweet; ingesting a tweet also updates the
/// stored user. `metrics` are the counts at ingest time (later changes are not re-announced).
public struct Tweet: Sendable, Hashable, Codable {
    public var id: Int64
    public var text: String
    public var createdAt: Date
    public var user: User
    public var metrics: Metrics
    public var entities: Entities
    public var geo: Geo?
    public var lang: String?
    public var inReplyToStatusID: Int64?
    public var inReplyToUserID: Int64?
    public var retweetedStatusID: Int64?
    public var quotedStatusID: Int64?

    /// The longest text accepted: long-form posts, far past the old 280 characters, are delivered whole.
    public static let maxTextLength = 25_000

    public init(
        id: Int64, text: String, createdAt: Date, user: User, metrics: Metrics = .init(),
        entities: Entities? = nil, geo: Geo? = nil, lang: String? = nil, inReplyToStatusID: Int64? = nil,
        inReplyToUserID: Int64? = nil, retweetedStatusID: Int64? = nil, quotedStatusID: Int64? = nil
    ) {
        self.id = id
        self.text = text
        self.createdAt = createdAt
        self.user = user
        self.metrics = metrics
        self.entities = entities ?? Entities(extractingFrom: text)
        self.geo = geo
        self.lang = lang
        self.inReplyToStatusID = inReplyToStatusID
        self.inReplyToUserID = inReplyToUserID
        self.retweetedStatusID = retweetedStatusID
        self.quotedStatusID = quotedStatusID
    }

    public struct Metrics: Sendable, Hashable, Codable {
        public var retweets: Int
        public var likes: Int
        public var replies: Int
        public var quotes: Int

        public init(retweets: Int = 0, likes: Int = 0, replies: Int = 0, quotes: Int = 0) {
            self.retweets = retweets
            self.likes = likes
            self.replies = replies
            self.quotes = quotes
        }

        public init(from decoder: any Decoder) throws {
            try decoder.refuseUnknownFields(["retweets", "likes", "replies", "quotes"])
            let c = try decoder.container(keyedBy: CodingKeys.self)
            retweets = try c.decodeIfPresent(Int.self, forKey: .retweets) ?? 0
            likes = try c.decodeIfPresent(Int.self, forKey: .likes) ?? 0
            replies = try c.decodeIfPresent(Int.self, forKey: .replies) ?? 0
            quotes = try c.decodeIfPresent(Int.self, forKey: .quotes) ?? 0
            for (value, key) in [(retweets, CodingKeys.retweets), (likes, .likes), (replies, .replies), (quotes, .quotes)]
            where value < 0 {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "counts cannot be negative")
            }
        }
    }

    /// Hashtags and mentions keep their sigil (`#swift`, `@alice`), as in the Private SSE document.
    public struct Entities: Sendable, Hashable, Codable {
        public var hashtags: [String]
        public var mentions: [String]
        public var urls: [String]

        public init(hashtags: [String] = [], mentions: [String] = [], urls: [String] = []) {
            self.hashtags = hashtags
            self.mentions = mentions
            self.urls = urls
        }

        /// Derives entities from tweet text, for producers that send none (the rule: `TweetText`).
        public init(extractingFrom text: String) {
            var hashtags: [String] = []
            var mentions: [String] = []
            var urls: [String] = []
            TweetText.scan(Substring(text)) { term in
                switch term {
                case .url(let token):
                    let url = token.trimmingTrailing { ".,;:!?)".contains($0) }
                    if urls.count < Self.maxEntries, url.count <= Self.maxURLLength { urls.append(String(url)) }
                case .hashtag(let word):
                    if hashtags.count < Self.maxEntries, word.count < Self.maxHashtagLength { hashtags.append("#" + word) }
                case .mention(let word):
                    if mentions.count < Self.maxEntries, word.count < Self.maxMentionLength { mentions.append("@" + word) }
                case .word:
                    break
                }
            }
            self.init(hashtags: hashtags, mentions: mentions, urls: urls)
        }

        /// At most this many entries in each list (Twitter's text held far fewer; derived lists stop here too).
        public static let maxEntries = 100
        /// The longest hashtag and mention, in characters with the sigil (Twitter: 139 and 15 + 1).
        public static let maxHashtagLength = 140
        public static let maxMentionLength = 50
        /// The longest URL, in characters.
        public static let maxURLLength = 2_048

        public init(from decoder: any Decoder) throws {
            try decoder.refuseUnknownFields(["hashtags", "mentions", "urls"])
            let c = try decoder.container(keyedBy: CodingKeys.self)
            func list(_ key: CodingKeys, maxLength: Int) throws -> [String] {
                let values = try c.decodeIfPresent([String].self, forKey: key) ?? []
                guard values.count <= Self.maxEntries else {
                    throw DecodingError.dataCorruptedError(
                        forKey: key, in: c, debugDescription: "at most \(Self.maxEntries) entries, got \(values.count)")
                }
                if let index = values.firstIndex(where: { $0.isEmpty || $0.count > maxLength }) {
                    throw DecodingError.dataCorruptedError(
                        forKey: key, in: c, debugDescription: "entry \(index) must be 1 to \(maxLength) characters")
                }
                return values
            }
            hashtags = try list(.hashtags, maxLength: Self.maxHashtagLength)
            mentions = try list(.mentions, maxLength: Self.maxMentionLength)
            urls = try list(.urls, maxLength: Self.maxURLLength)
        }
    }

    public struct Geo: Sendable, Hashable, Codable {
        public var place: String?
        public var coordinates: Coordinates?

        public init(place: String? = nil, coordinates: Coordinates? = nil) {
            self.place = place
            self.coordinates = coordinates
        }

        enum CodingKeys: String, CodingKey { case place, coordinates }

        public init(from decoder: any Decoder) throws {
            try decoder.refuseUnknownFields(["place", "coordinates"])
            let c = try decoder.container(keyedBy: CodingKeys.self)
            place = try c.decodeIfPresent(String.self, forKey: .place)
            coordinates = try c.decodeIfPresent(Coordinates.self, forKey: .coordinates)
        }

        public struct Coordinates: Sendable, Hashable, Codable {
            public var latitude: Double
            public var longitude: Double

            public init(latitude: Double, longitude: Double) {
                self.latitude = latitude
                self.longitude = longitude
            }

            /// `{"latitude": …, "longitude": …}`, or GeoJSON's `[longitude, latitude]` (the order many
            /// producers send, and the one Twitter's `coordinates` field used). Stored as the object.
            public init(from decoder: any Decoder) throws {
                if var pair = try? decoder.unkeyedContainer() {
                    guard pair.count == 2 else {
                        throw DecodingError.dataCorruptedError(
                            in: pair, debugDescription: "GeoJSON coordinates are [longitude, latitude]: two numbers")
                    }
                    longitude = try pair.decode(Double.self)
                    latitude = try pair.decode(Double.self)
                    guard (-90...90).contains(latitude), (-180...180).contains(longitude) else {
                        throw DecodingError.dataCorruptedError(
                            in: pair, debugDescription: "coordinates out of range ([longitude, latitude]: longitude -180 to 180, latitude -90 to 90)")
                    }
                    return
                }
                try decoder.refuseUnknownFields(["latitude", "longitude"])
                let c = try decoder.container(keyedBy: CodingKeys.self)
                latitude = try c.decode(Double.self, forKey: .latitude)
                longitude = try c.decode(Double.self, forKey: .longitude)
                guard (-90...90).contains(latitude), (-180...180).contains(longitude) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .latitude, in: c, debugDescription: "coordinates out of range")
                }
            }
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, text, user, metrics, entities, geo, lang
        case createdAt = "created_at"
        case inReplyToStatusID = "in_reply_to_status_id"
        case inReplyToUserID = "in_reply_to_user_id"
        case retweetedStatusID = "retweeted_status_id"
        case quotedStatusID = "quoted_status_id"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownFields(
            Set(CodingKeys.allCases.map(\.stringValue)),
            ids: ["id", "in_reply_to_status_id", "in_reply_to_user_id", "retweeted_status_id", "quoted_status_id"])
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try TwitterID.decode(c, .id)
        text = try c.decode(String.self, forKey: .text)
        guard !text.isEmpty, text.count <= Self.maxTextLength else {
            throw DecodingError.dataCorruptedError(
                forKey: .text, in: c, debugDescription: "text must be 1 to \(Self.maxTextLength) characters")
        }
        createdAt = try Timestamp.decode(c, .createdAt)
        user = try c.decode(User.self, forKey: .user)
        metrics = try c.decodeIfPresent(Metrics.self, forKey: .metrics) ?? Metrics()
        entities = try c.decodeIfPresent(Entities.self, forKey: .entities) ?? Entities(extractingFrom: text)
        geo = try c.decodeIfPresent(Geo.self, forKey: .geo)
        lang = try c.decodeIfPresent(String.self, forKey: .lang)
        if let lang, !Self.isLanguageTag(lang) {
            throw DecodingError.dataCorruptedError(
                forKey: .lang, in: c, debugDescription: "expected a BCP-47 language tag such as en or pt-BR")
        }
        inReplyToStatusID = try TwitterID.decodeIfPresent(c, .inReplyToStatusID)
        inReplyToUserID = try TwitterID.decodeIfPresent(c, .inReplyToUserID)
        retweetedStatusID = try TwitterID.decodeIfPresent(c, .retweetedStatusID)
        quotedStatusID = try TwitterID.decodeIfPresent(c, .quotedStatusID)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyCodingKey.self)
        try c.encodeID(id, as: "id", style: encoder.idStyle)
        try c.encode(text, forKey: .init("text"))
        try c.encode(user, forKey: .init("user"))
        try c.encode(Timestamp.format(createdAt), forKey: .init("created_at"))
        try c.encode(metrics, forKey: .init("metrics"))
        try c.encode(entities, forKey: .init("entities"))
        try c.encodeIfPresent(geo, forKey: .init("geo"))
        try c.encodeIfPresent(lang, forKey: .init("lang"))
        try c.encodeIDIfPresent(inReplyToStatusID, as: "in_reply_to_status_id", style: encoder.idStyle)
        try c.encodeIDIfPresent(inReplyToUserID, as: "in_reply_to_user_id", style: encoder.idStyle)
        try c.encodeIDIfPresent(retweetedStatusID, as: "retweeted_status_id", style: encoder.idStyle)
        try c.encodeIDIfPresent(quotedStatusID, as: "quoted_status_id", style: encoder.idStyle)
    }

    /// The primary language subtag, lower-cased (`pt` for `pt-BR`): what the `language` filter compares.
    public var primaryLanguage: String? {
        lang.map { String($0.prefix { $0 != "-" }).lowercased() }
    }

    /// A loose BCP-47 check: 2–3 letter primary subtag (or `und`), then alphanumeric subtags of 1–8.
    public static func isLanguageTag(_ tag: String) -> Bool {
        let parts = tag.split(separator: "-", omittingEmptySubsequences: false)
        guard let primary = parts.first, (2...3).contains(primary.count), primary.allSatisfy(\.isASCII),
            primary.allSatisfy(\.isLetter)
        else { return false }
        return parts.dropFirst().allSatisfy { (1...8).contains($0.count) && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }
    }
}

extension Substring {
    fileprivate func trimmingTrailing(while predicate: (Character) -> Bool) -> Substring {
        var end = endIndex
        while end > startIndex, predicate(self[index(before: end)]) { end = index(before: end) }
        return self[startIndex..<end]
    }
}
