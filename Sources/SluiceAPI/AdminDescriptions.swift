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

/// One open stream as the admin API lists it (`GET /v1/admin/connections`), on whichever node holds it.
public struct ConnectionDescription: Codable, Sendable, Equatable {
    /// `private_sse` or `site_streams`.
    public var api: String
    /// The stream's place in the cluster: `conn_…` (Private SSE) or the Site Streams stream id.
    public var id: String
    public var node: String
    /// The API key (Private SSE) or the app (Site Streams) the stream belongs to.
    public var keyID: String?
    public var appID: String?
    /// Private SSE: the filters, as the `connected` status reports them.
    public var filters: JSONValue?
    /// Site Streams: how many users the stream carries, and the first of them.
    public var userCount: Int?
    public var users: [Int64]?
    /// `users` as strings (a browser's numbers round ids above 2^53).
    public var usersStrings: [String]?
    public var openedAt: String
    public var ageSeconds: Int
    /// Messages queued for the client (events; not statuses, control messages or heartbeats).
    public var delivered: Int
    public var queuedBytes: Int
    public var lastDeliveryAt: String?

    public init(
        api: String, id: String, node: String, keyID: String? = nil, appID: String? = nil, filters: JSONValue? = nil, userCount: Int? = nil,
        users: [Int64]? = nil, openedAt: String, ageSeconds: Int, delivered: Int, queuedBytes: Int, lastDeliveryAt: String?
    ) {
        self.api = api
        self.id = id
        self.node = node
        self.keyID = keyID
        self.appID = appID
        self.filters = filters
        self.userCount = userCount
        self.users = users
        self.usersStrings = users?.map(String.init)
        self.openedAt = openedAt
        self.ageSeconds = ageSeconds
        self.delivered = delivered
        self.queuedBytes = queuedBytes
        self.lastDeliveryAt = lastDeliveryAt
    }

    enum CodingKeys: String, CodingKey {
        case api, id, node, filters, users, delivered
        case keyID = "key_id"
        case appID = "app_id"
        case userCount = "user_count"
        case usersStrings = "users_str"
        case openedAt = "opened_at"
        case ageSeconds = "age_seconds"
        case queuedBytes = "queued_bytes"
        case lastDeliveryAt = "last_delivery_at"
    }
}

/// One node's headline figures, taken from the series `/metrics` gives (`GET /v1/admin/stats`): what
/// the console shows per node and adds up for the cluster. Counters are totals since the node started.
public struct NodeFigures: Codable, Sendable, Equatable {
    public var node: String
    public var at: String
    public var privateStreams: Int
    public var siteStreams: Int
    public var userStreams: Int
    public var deliveries: Int
    public var ingested: Int
    /// The last sequence this node's fan-out handled, and the log's last sequence when it looked.
    public var logPosition: Int64
    public var logHead: Int64
    public var outboxBytes: Int
    public var slowReaderDisconnects: Int
    public var tokensIssued: Int
    public var tokensRefused: Int
    public var httpConnections: Int

    public init(
        node: String, at: String, privateStreams: Int = 0, siteStreams: Int = 0, userStreams: Int = 0, deliveries: Int = 0,
        ingested: Int = 0, logPosition: Int64 = 0, logHead: Int64 = 0, outboxBytes: Int = 0, slowReaderDisconnects: Int = 0,
        tokensIssued: Int = 0, tokensRefused: Int = 0, httpConnections: Int = 0
    ) {
        self.node = node
        self.at = at
        self.privateStreams = privateStreams
        self.siteStreams = siteStreams
        self.userStreams = userStreams
        self.deliveries = deliveries
        self.ingested = ingested
        self.logPosition = logPosition
        self.logHead = logHead
        self.outboxBytes = outboxBytes
        self.slowReaderDisconnects = slowReaderDisconnects
        self.tokensIssued = tokensIssued
        self.tokensRefused = tokensRefused
        self.httpConnections = httpConnections
    }

    /// How many events of the log this node's fan-out has still to handle.
    public var lag: Int64 { max(0, logHead - logPosition) }

    enum CodingKeys: String, CodingKey {
        case node, at, deliveries, ingested
        case privateStreams = "private_streams"
        case siteStreams = "site_streams"
        case userStreams = "user_streams"
        case logPosition = "log_position"
        case logHead = "log_head"
        case outboxBytes = "outbox_bytes"
        case slowReaderDisconnects = "slow_reader_disconnects"
        case tokensIssued = "tokens_issued"
        case tokensRefused = "tokens_refused"
        case httpConnections = "http_connections"
    }
}
