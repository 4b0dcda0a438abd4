import Foundation

/// An account on the platform, as the platform last described it.
///
/// Users are created by their first `user_update` (or by the full `user` object every tweet carries)
/// and kept current by later ones. `protected` decides who may see their tweets (see `Visibility`).
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

    enum CodingKeys: String, CodingKey {
        case id, username, name, verified, protected, description, location, url
        case followersCount = "followers_count"
        case followingCount = "following_count"
        case profileImageURL = "profile_image_url"
        case createdAt = "created_at"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try TwitterID.decode(c, .id)
        username = try c.decode(String.self, forKey: .username)
        guard Self.isValidUsername(username) else {
            throw DecodingError.dataCorruptedError(
                forKey: .username, in: c, debugDescription: "usernames are 1 to 50 letters, digits or underscores")
        }
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? username
        verified = try c.decodeIfPresent(Bool.self, forKey: .verified) ?? false
        protected = try c.decodeIfPresent(Bool.self, forKey: .protected) ?? false
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

    /// Usernames as the platform allows them; case-insensitive when matched.
    public static func isValidUsername(_ name: String) -> Bool {
        (1...50).contains(name.utf8.count) && name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F
        }
    }
}
