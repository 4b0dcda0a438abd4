import Foundation

/// A Site Streams application: its OAuth consumer credentials and its owner's access token.
///
/// Only the owner's token may open the app's streams. Unlike API keys, the secrets cannot be stored
/// as hashes: verifying an HMAC-SHA1 signature needs the secrets themselves.
public struct SiteApp: Sendable, Hashable {
    public var id: String
    public var name: String
    public var consumerKey: String
    public var consumerSecret: String
    public var accessToken: String
    public var accessTokenSecret: String
    public var createdAt: Date

    public init(
        id: String, name: String, consumerKey: String, consumerSecret: String, accessToken: String, accessTokenSecret: String,
        createdAt: Date
    ) {
        self.id = id
        self.name = name
        self.consumerKey = consumerKey
        self.consumerSecret = consumerSecret
        self.accessToken = accessToken
        self.accessTokenSecret = accessTokenSecret
        self.createdAt = createdAt
    }

    /// A new app with fresh random credentials.
    public static func generate(name: String, now: Date = Date().wholeMilliseconds) -> SiteApp {
        let owner = Secret.generate(prefix: "", bytes: 9)
        return SiteApp(
            id: Secret.generate(prefix: "app_", bytes: 9), name: name, consumerKey: Secret.generate(prefix: "", bytes: 18),
            consumerSecret: Secret.generate(prefix: "", bytes: 32), accessToken: "\(owner)-" + Secret.generate(prefix: "", bytes: 24),
            accessTokenSecret: Secret.generate(prefix: "", bytes: 32), createdAt: now)
    }
}
