import Configuration
import Foundation
import Logging
import SluiceCore

/// Everything `buildApplication` reads from configuration, with its defaults.
///
/// Keys are relative to the reader given (the CLI scopes it to `sluice`, so `store` is also
/// `SLUICE_STORE` in the environment, `admin.token` is `SLUICE_ADMIN_TOKEN`, …).
public struct ServerSettings: Sendable {
    /// `store`: where the data lives (`sqlite:./sluice.db`).
    public var store: String
    /// `admin.token`: bearer token of the admin API; the admin API is off without one.
    public var adminToken: String?
    /// `ingest.maxBodyBytes`: the largest ingest body accepted (413 beyond).
    public var maxIngestBodyBytes: Int
    /// `ingest.maxEventBytes`: the largest event accepted, in bytes of its JSON (413 `event_too_large` beyond).
    public var maxEventBytes: Int
    /// `demo.enabled`: seed a demo population and publish live synthetic traffic.
    public var demo: Bool
    /// `demo.rate`: synthetic events per second.
    public var demoRate: Double
    /// `log.level`.
    public var logLevel: Logger.Level
    /// `stream.heartbeatSeconds`: interval of `: keepalive` comments on streams.
    public var heartbeatSeconds: Int
    /// `stream.outboxBytes`: bytes queued per connection before it is closed as a slow reader.
    public var outboxBytes: Int
    /// `stream.replayWindowSeconds`: how old an event a resuming client may still be replayed.
    public var replayWindowSeconds: Int
    /// `stream.replayMemoryBytes`: recent messages kept in memory so that resuming clients are replayed
    /// without reading the log (an estimate of their size).
    public var replayMemoryBytes: Int
    /// `stream.tokenLifetimeSeconds`: how long a stream token lives (24 h).
    public var tokenLifetimeSeconds: Int
    /// `stream.port`: also serve streams on a dedicated listener at this port (on the HTTP host).
    public var streamPort: Int?
    /// `siteStreams.keepaliveSeconds`: interval of blank keep-alive lines on Site Streams (Twitter: 30).
    public var siteKeepaliveSeconds: Int
    /// `siteStreams.connectsPerSecond`: new connections per app per second (Twitter: 25).
    public var siteConnectsPerSecond: Int
    /// `siteStreams.maxUsers`: users one connection may carry (Twitter: 1,000).
    public var siteMaxUsers: Int
    /// `siteStreams.tweetMemory`: recent tweets whose recipients are remembered (for deletes).
    public var siteTweetMemory: Int
    /// `oauth.windowSeconds`: how far a signed request's timestamp may be from the server's clock.
    public var oauthWindowSeconds: Int
    /// `cluster.node`: this node's name among the nodes sharing a PostgreSQL store (a random suffix is
    /// added, so a restarted node never inherits the places of its previous life).
    public var node: String
    /// `cluster.leaseSeconds`: how long the connections of a node that died keep their places in
    /// cross-node limits (renewed every quarter of it while the node lives).
    public var leaseSeconds: Int
    /// `test.clockSkewSeconds` (`SLUICE_TEST_CLOCK_SKEW_SECONDS`): for tests only, not documented as a
    /// setting: plays a node whose wall clock is this far off, which the shared store's clock corrects.
    public var testClockSkewSeconds: TimeInterval
    /// `test.followerDelayMilliseconds`: for tests only: plays a node whose log follower lags.
    public var testFollowerDelayMilliseconds: Int
    /// `http.trustForwardedProto`: behind a proxy that terminates TLS and sets `X-Forwarded-Proto`,
    /// take the scheme clients used from it (OAuth signatures cover it).
    public var trustForwardedProto: Bool
    /// `http.headTimeoutSeconds`, `http.bodyTimeoutSeconds`, `http.idleTimeoutSeconds` and
    /// `http.maxConnections` (default: the open-file limit less 1,000): see `ConnectionLimits`.
    public var connectionLimits: ConnectionLimits
    /// `tls.certificate` and `tls.key`: PEM files; with both, every listener speaks HTTPS only.
    public var tlsCertificate: String?
    public var tlsKey: String?

    /// What this process may open at most: its hard limit (`sluice serve` raises the soft one to it;
    /// below it, a refused `accept` is NIO's to handle, not the cap's).
    static var openFileLimit: Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 20_000 }
        return Int(clamping: min(limit.rlim_max, 1 << 20))
    }

    public init(reader: ConfigReader) {
        store = reader.string(forKey: "store", isSecret: true, default: "sqlite:./sluice.db")
        adminToken = reader.string(forKey: "admin.token", isSecret: true).flatMap { $0.isEmpty ? nil : $0 }
        maxIngestBodyBytes = reader.int(forKey: "ingest.maxBodyBytes", default: 8 * 1024 * 1024)
        maxEventBytes = reader.int(forKey: "ingest.maxEventBytes", default: Event.defaultMaxStoredBytes)
        demo = reader.bool(forKey: "demo.enabled", default: false)
        demoRate = reader.double(forKey: "demo.rate", default: 5)
        logLevel = reader.string(forKey: "log.level").flatMap(Logger.Level.init(rawValue:)) ?? .info
        heartbeatSeconds = reader.int(forKey: "stream.heartbeatSeconds", default: 15)
        outboxBytes = reader.int(forKey: "stream.outboxBytes", default: 256 * 1024)
        replayWindowSeconds = reader.int(forKey: "stream.replayWindowSeconds", default: 24 * 3600)
        replayMemoryBytes = reader.int(forKey: "stream.replayMemoryBytes", default: 64 << 20)
        tokenLifetimeSeconds = reader.int(forKey: "stream.tokenLifetimeSeconds", default: Int(StreamToken.lifetime))
        streamPort = reader.int(forKey: "stream.port")
        siteKeepaliveSeconds = reader.int(forKey: "siteStreams.keepaliveSeconds", default: 30)
        siteConnectsPerSecond = reader.int(forKey: "siteStreams.connectsPerSecond", default: 25)
        siteMaxUsers = reader.int(forKey: "siteStreams.maxUsers", default: 1000)
        siteTweetMemory = reader.int(forKey: "siteStreams.tweetMemory", default: 500_000)
        oauthWindowSeconds = reader.int(forKey: "oauth.windowSeconds", default: 300)
        let name = reader.string(forKey: "cluster.node", default: ProcessInfo.processInfo.hostName)
        node = String(name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }.prefix(40)) + "-" + Secret.generate(prefix: "", bytes: 3)
        leaseSeconds = reader.int(forKey: "cluster.leaseSeconds", default: 15)
        trustForwardedProto = reader.bool(forKey: "http.trustForwardedProto", default: false)
        testClockSkewSeconds = TimeInterval(reader.int(forKey: "test.clockSkewSeconds", default: 0))
        testFollowerDelayMilliseconds = reader.int(forKey: "test.followerDelayMilliseconds", default: 0)
        connectionLimits = ConnectionLimits(
            headTimeout: .seconds(Int64(reader.int(forKey: "http.headTimeoutSeconds", default: 10))),
            bodyTimeout: .seconds(Int64(reader.int(forKey: "http.bodyTimeoutSeconds", default: 60))),
            idleTimeout: .seconds(Int64(reader.int(forKey: "http.idleTimeoutSeconds", default: 60))),
            maxConnections: reader.int(
                forKey: "http.maxConnections", default: ConnectionLimits.defaultMaxConnections(fileLimit: Self.openFileLimit)))
        tlsCertificate = reader.string(forKey: "tls.certificate")
        tlsKey = reader.string(forKey: "tls.key")
    }
}
