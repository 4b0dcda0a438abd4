import Foundation

/// An account on the platform, as the platform last described it.
///
/// Users are created by their first `user_update` (or by the `user` object every tweet carries) and
/// kept current by later ones, field by field: see `resolved(over:from:)` for the rule, which keeps a
/// partial object from loosening who may see what. `protected` decides who may see their tweets
/// (see `Visibility`).
public struct User: Sendable, Hashable, Codable {
    public var id: Int64
    public var username: String
    public var name: String
    public var verified: Bool
    public var protected: Bool
    public var followersCount: Int
    public var followingCount: Int
    public var description: String?
    public var location: String?
    public var url: String?
    public var profileImageURL: String?
    public var createdAt: Date?
    /// The optional fields the producer stated, when decoded from an event; every field otherwise.
    /// Bookkeeping for `resolved(over:from:)`, not part of the profile: equality ignores it.
    public var stated: Fields = .all

    /// The fields of a profile that a producer may leave out (`id` and `username` are required).
    public struct Fields: OptionSet, Sendable, Hashable {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }

        public static let name = Fields(rawValue: 1 << 0)
        public static let verified = Fields(rawValue: 1 << 1)
        public static let protected = Fields(rawValue: 1 << 2)
        public static let followersCount = Fields(rawValue: 1 << 3)
        public static let followingCount = Fields(rawValue: 1 << 4)
        public static let description = Fields(rawValue: 1 << 5)
        public static let location = Fields(rawValue: 1 << 6)
        public static let url = Fields(rawValue: 1 << 7)
        public static let profileImageURL = Fields(rawValue: 1 << 8)
        public static let createdAt = Fields(rawValue: 1 << 9)
        public static let all = Fields(rawValue: (1 << 10) - 1)
        /// What decides who may see what, or what a filter trusts: only a `user_update` changes them.
        public static let guarded: Fields = [.protected, .verified]
    }

    public init(
        id: Int64, username: String, name: String? = nil, verified: Bool = false, protected: Bool = false,
        followersCount: Int = 0, followingCount: Int = 0, description: String? = nil, location: String? = nil,
        url: String? = nil, profileImageURL: String? = nil, createdAt: Date? = nil
    ) {
        self.id = id
        self.username = username
        self.name = name ?? username
        self.verified = verified
        self.protected = protected
        self.followersCount = followersCount
        self.followingCount = followingCount
        self.description = description
        self.location = location
        self.url = url
        self.profileImageURL = profileImageURL
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, username, name, verified, protected, description, location, url
        case followersCount = "followers_count"
        case followingCount = "following_count"
        case profileImageURL = "profile_image_url"
        case createdAt = "created_at"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownFields(Set(CodingKeys.allCases.map(\.stringValue)), ids: ["id"])
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try TwitterID.decode(c, .id)
        username = try c.decode(String.self, forKey: .username)
        guard Self.isValidUsername(username) else {
            throw DecodingError.dataCorruptedError(
                forKey: .username, in: c, debugDescription: "usernames are 1 to 50 letters, digits or underscores")
        }
        var stated: Fields = []
        for (key, field) in Self.optionalKeys where c.contains(key) { stated.insert(field) }
        self.stated = stated
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? username
        // Deny by default: an account whose protection was never stated is protected (see `resolved`).
        verified = try c.decodeIfPresent(Bool.self, forKey: .verified) ?? false
        protected = try c.decodeIfPresent(Bool.self, forKey: .protected) ?? true
        followersCount = try c.decodeIfPresent(Int.self, forKey: .followersCount) ?? 0
        followingCount = try c.decodeIfPresent(Int.self, forKey: .followingCount) ?? 0
        guard followersCount >= 0, followingCount >= 0 else {
            throw DecodingError.dataCorruptedError(
                forKey: followersCount < 0 ? .followersCount : .followingCount, in: c,
                debugDescription: "counts cannot be negative")
        }
        description = try c.decodeIfPresent(String.self, forKey: .description)
        location = try c.decodeIfPresent(String.self, forKey: .location)
        url = try c.decodeIfPresent(String.self, forKey: .url)
        profileImageURL = try c.decodeIfPresent(String.self, forKey: .profileImageURL)
        createdAt = try c.contains(.createdAt) && !c.decodeNil(forKey: .createdAt) ? Timestamp.decode(c, .createdAt) : nil
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyCodingKey.self)
        try c.encodeID(id, as: "id", style: encoder.idStyle)
        try c.encode(username, forKey: .init("username"))
        try c.encode(name, forKey: .init("name"))
        try c.encode(verified, forKey: .init("verified"))
        try c.encode(protected, forKey: .init("protected"))
        try c.encode(followersCount, forKey: .init("followers_count"))
        try c.encode(followingCount, forKey: .init("following_count"))
        try c.encodeIfPresent(description, forKey: .init("description"))
        try c.encodeIfPresent(location, forKey: .init("location"))
        try c.encodeIfPresent(url, forKey: .init("url"))
        try c.encodeIfPresent(profileImageURL, forKey: .init("profile_image_url"))
        try c.encodeIfPresent(createdAt.map(Timestamp.format), forKey: .init("created_at"))
    }

    private static let optionalKeys: [(CodingKeys, Fields)] = [
        (.name, .name), (.verified, .verified), (.protected, .protected), (.followersCount, .followersCount),
        (.followingCount, .followingCount), (.description, .description), (.location, .location), (.url, .url),
        (.profileImageURL, .profileImageURL), (.createdAt, .createdAt),
    ]

    /// Where a profile object came from: a `user_update`, or the `user` embedded in a tweet.
    public enum Source: Sendable {
        case profileUpdate
        case tweetAuthor
    }

    /// This profile as it stands after applying it to `current`, the account's profile so far (nil for
    /// an account never seen). The one rule for partial objects, applied at ingest, so the log and every
    /// state derived from it hold complete profiles:
    /// - a field the object does not state keeps its current value (for a new account: `protected`
    ///   true, `verified` false, the rest empty);
    /// - a tweet's embedded `user` may refresh display fields (name, counts, description, …) but never
    ///   `username`, `protected` or `verified` of a known account: only a `user_update` changes those
    ///   (a stale username in an old tweet must not take a name back, which mentions are routed by).
    public func resolved(over current: User?, from source: Source) -> User {
        guard let current else {
            var new = self
            new.stated = .all
            return new
        }
        let keep = source == .tweetAuthor ? stated.subtracting(.guarded) : stated
        var merged = current
        if source == .profileUpdate { merged.username = username }
        if keep.contains(.name) { merged.name = name }
        if keep.contains(.verified) { merged.verified = verified }
        if keep.contains(.protected) { merged.protected = protected }
        if keep.contains(.followersCount) { merged.followersCount = followersCount }
        if keep.contains(.followingCount) { merged.followingCount = followingCount }
        if keep.contains(.description) { merged.description = description }
        if keep.contains(.location) { merged.location = location }
        if keep.contains(.url) { merged.url = url }
        if keep.contains(.profileImageURL) { merged.profileImageURL = profileImageURL }
        if keep.contains(.createdAt) { merged.createdAt = createdAt }
        merged.stated = .all
        return merged
    }

    public static func == (a: User, b: User) -> Bool {
        a.id == b.id && a.username == b.username && a.name == b.name && a.verified == b.verified && a.protected == b.protected
            && a.followersCount == b.followersCount && a.followingCount == b.followingCount && a.description == b.description
            && a.location == b.location && a.url == b.url && a.profileImageURL == b.profileImageURL && a.createdAt == b.createdAt
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(username)
        hasher.combine(protected)
    }

    /// Usernames as the platform allows them; case-insensitive when matched.
    public static func isValidUsername(_ name: String) -> Bool {
        (1...50).contains(name.utf8.count)
            && name.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F
            }
    }
}
