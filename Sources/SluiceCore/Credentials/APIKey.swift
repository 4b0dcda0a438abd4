import Foundation

/// What an API key may do.
public enum KeyScope: String, Sendable, Hashable, Codable, CaseIterable {
    /// Buy stream tokens and open Private SSE streams.
    case stream
    /// Publish events.
    case ingest
    /// Read the whole event log (`GET /v1/events`), private events included: a trust level apart from
    /// publishing.
    case read
}

/// Per-key limits on Private SSE use. The defaults are the Private SSE document's.
public struct StreamLimits: Sendable, Hashable, Codable {
    public var maxConnections: Int
    public var eventsPerSecond: Int
    public var tokensPerHour: Int
    public var idleTimeoutSeconds: Int

    public static let defaults = StreamLimits(maxConnections: 3, eventsPerSecond: 5, tokensPerHour: 10, idleTimeoutSeconds: 1800)

    public init(maxConnections: Int, eventsPerSecond: Int, tokensPerHour: Int, idleTimeoutSeconds: Int) {
        self.maxConnections = maxConnections
        self.eventsPerSecond = eventsPerSecond
        self.tokensPerHour = tokensPerHour
        self.idleTimeoutSeconds = idleTimeoutSeconds
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case maxConnections = "max_connections"
        case eventsPerSecond = "events_per_second"
        case tokensPerHour = "tokens_per_hour"
        case idleTimeoutSeconds = "idle_timeout_seconds"
    }

    /// Decodes a partial object over the defaults, refusing values below 1.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self.defaults
        maxConnections = try c.decodeIfPresent(Int.self, forKey: .maxConnections) ?? d.maxConnections
        eventsPerSecond = try c.decodeIfPresent(Int.self, forKey: .eventsPerSecond) ?? d.eventsPerSecond
        tokensPerHour = try c.decodeIfPresent(Int.self, forKey: .tokensPerHour) ?? d.tokensPerHour
        idleTimeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .idleTimeoutSeconds) ?? d.idleTimeoutSeconds
        for (value, key) in [
            (maxConnections, CodingKeys.maxConnections), (eventsPerSecond, .eventsPerSecond),
            (tokensPerHour, .tokensPerHour), (idleTimeoutSeconds, .idleTimeoutSeconds),
        ] where value < 1 {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "must be at least 1")
        }
    }
}

/// An API key as stored: never the secret itself, only its hash.
public struct APIKey: Sendable, Hashable, Codable {
    /// Public identifier (`key_…`), safe to log and to show in listings.
    public var id: String
    public var name: String
    public var scopes: Set<KeyScope>
    /// SHA-256 of the secret, hex encoded.
    public var secretHash: String
    public var limits: StreamLimits
    public var createdAt: Date
    public var revokedAt: Date?

    public init(
        id: String, name: String, scopes: Set<KeyScope>, secretHash: String, limits: StreamLimits = .defaults,
        createdAt: Date, revokedAt: Date? = nil
    ) {
        self.id = id
        self.name = name
        self.scopes = scopes
        self.secretHash = secretHash
        self.limits = limits
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    public var isRevoked: Bool { revokedAt != nil }

    /// The longest key name accepted.
    public static let maxNameLength = 100
}
