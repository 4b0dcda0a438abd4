import Foundation

/// A Private SSE stream token: bought with an API key, good for one connection, ever.
///
/// Only the hash of the token is stored; the token itself is shown once, to the buyer.
public struct StreamToken: Sendable, Hashable {
    public var secretHash: String
    public var keyID: String
    public var createdAt: Date
    public var expiresAt: Date
    public var usedAt: Date?

    /// How long a token lives (the Private SSE document: 24 hours).
    public static let lifetime: TimeInterval = 24 * 3600
    /// The window of the per-key issue limit (10 per hour by default).
    public static let issueWindow: TimeInterval = 3600

    public init(secretHash: String, keyID: String, createdAt: Date, expiresAt: Date, usedAt: Date? = nil) {
        self.secretHash = secretHash
        self.keyID = keyID
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.usedAt = usedAt
    }
}

/// The outcome of asking for a token.
public enum TokenIssue: Sendable, Equatable {
    case issued
    /// The key already has its limit of tokens in the window; the next one is possible after `retryAfter` seconds.
    case rateLimited(retryAfter: TimeInterval)
}

/// The outcome of spending a token on a connection.
public enum TokenUse: Sendable, Equatable {
    case consumed(StreamToken, APIKey)
    case unknown
    case alreadyUsed
    case expired
    case keyRevoked
}

extension TokenUse {
    /// What spending `token` at `date` comes to, given its key as it stands (nil when it is gone).
    /// Stores decide with this while holding the token's row, and record the use only on `.consumed`.
    public static func of(_ token: StreamToken, key: APIKey?, at date: Date) -> TokenUse {
        guard let key, !key.isRevoked else { return .keyRevoked }
        guard token.usedAt == nil else { return .alreadyUsed }
        guard token.expiresAt > date else { return .expired }
        var used = token
        used.usedAt = date
        return .consumed(used, key)
    }
}
