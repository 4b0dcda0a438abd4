import SluiceCore

/// An API key as the admin API shows it; `key` (the secret) only in the answer that created it.
public struct APIKeyDescription: Codable, Sendable, Equatable {
    public var id: String
    public var key: String?
    public var name: String
    public var scopes: [String]
    public var limits: StreamLimits
    public var createdAt: String
    public var revokedAt: String?

    public init(_ key: APIKey, secret: String? = nil) {
        id = key.id
        self.key = secret
        name = key.name
        scopes = key.scopes.map(\.rawValue).sorted()
        limits = key.limits
        createdAt = Timestamp.format(key.createdAt)
        revokedAt = key.revokedAt.map(Timestamp.format)
    }

    enum CodingKeys: String, CodingKey {
        case id, key, name, scopes, limits
        case createdAt = "created_at"
        case revokedAt = "revoked_at"
    }
}

/// A Site Streams app as the admin API shows it; the secrets only in the answer that created it.
public struct SiteAppDescription: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var consumerKey: String
    public var consumerSecret: String?
    public var accessToken: String
    public var accessTokenSecret: String?
    public var createdAt: String

    public init(_ app: SiteApp, withSecrets: Bool) {
        id = app.id
        name = app.name
        consumerKey = app.consumerKey
        consumerSecret = withSecrets ? app.consumerSecret : nil
        accessToken = app.accessToken
        accessTokenSecret = withSecrets ? app.accessTokenSecret : nil
        createdAt = Timestamp.format(app.createdAt)
    }

    enum CodingKeys: String, CodingKey {
        case id, name
        case consumerKey = "consumer_key"
        case consumerSecret = "consumer_secret"
        case accessToken = "access_token"
        case accessTokenSecret = "access_token_secret"
        case createdAt = "created_at"
    }
}
