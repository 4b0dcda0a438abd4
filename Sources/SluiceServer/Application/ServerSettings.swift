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
        store = reader.string(forKey: ServerSettings.Key.store.configKey, isSecret: true, default: "sqlite:./sluice.db")
        adminToken = reader.string(forKey: ServerSettings.Key.adminToken.configKey, isSecret: true).flatMap { $0.isEmpty ? nil : $0 }
        maxIngestBodyBytes = reader.int(forKey: ServerSettings.Key.ingestMaxBodyBytes.configKey, default: 8 * 1024 * 1024)
        maxEventBytes = reader.int(forKey: ServerSettings.Key.ingestMaxEventBytes.configKey, default: Event.defaultMaxStoredBytes)
        demo = reader.bool(forKey: ServerSettings.Key.demoEnabled.configKey, default: false)
        demoRate = reader.double(forKey: ServerSettings.Key.demoRate.configKey, default: 5)
        logLevel = reader.string(forKey: ServerSettings.Key.logLevel.configKey).flatMap(Logger.Level.init(rawValue:)) ?? .info
        heartbeatSeconds = reader.int(forKey: ServerSettings.Key.streamHeartbeatSeconds.configKey, default: 15)
        outboxBytes = reader.int(forKey: ServerSettings.Key.streamOutboxBytes.configKey, default: 256 * 1024)
        replayWindowSeconds = reader.int(forKey: ServerSettings.Key.streamReplayWindowSeconds.configKey, default: 24 * 3600)
        replayMemoryBytes = reader.int(forKey: ServerSettings.Key.streamReplayMemoryBytes.configKey, default: 64 << 20)
        tokenLifetimeSeconds = reader.int(forKey: ServerSettings.Key.streamTokenLifetimeSeconds.configKey, default: Int(StreamToken.lifetime))
        streamPort = reader.int(forKey: ServerSettings.Key.streamPort.configKey)
        siteKeepaliveSeconds = reader.int(forKey: ServerSettings.Key.siteStreamsKeepaliveSeconds.configKey, default: 30)
        siteConnectsPerSecond = reader.int(forKey: ServerSettings.Key.siteStreamsConnectsPerSecond.configKey, default: 25)
        siteMaxUsers = reader.int(forKey: ServerSettings.Key.siteStreamsMaxUsers.configKey, default: 1000)
        siteTweetMemory = reader.int(forKey: ServerSettings.Key.siteStreamsTweetMemory.configKey, default: 500_000)
        oauthWindowSeconds = reader.int(forKey: ServerSettings.Key.oauthWindowSeconds.configKey, default: 300)
        let name = reader.string(forKey: ServerSettings.Key.clusterNode.configKey, default: ProcessInfo.processInfo.hostName)
        node = String(name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }.prefix(40)) + "-" + Secret.generate(prefix: "", bytes: 3)
        leaseSeconds = reader.int(forKey: ServerSettings.Key.clusterLeaseSeconds.configKey, default: 15)
        trustForwardedProto = reader.bool(forKey: ServerSettings.Key.httpTrustForwardedProto.configKey, default: false)
        testClockSkewSeconds = TimeInterval(reader.int(forKey: ServerSettings.Key.testClockSkewSeconds.configKey, default: 0))
        testFollowerDelayMilliseconds = reader.int(forKey: ServerSettings.Key.testFollowerDelayMilliseconds.configKey, default: 0)
        connectionLimits = ConnectionLimits(
            headTimeout: .seconds(Int64(reader.int(forKey: ServerSettings.Key.httpHeadTimeoutSeconds.configKey, default: 10))),
            bodyTimeout: .seconds(Int64(reader.int(forKey: ServerSettings.Key.httpBodyTimeoutSeconds.configKey, default: 60))),
            idleTimeout: .seconds(Int64(reader.int(forKey: ServerSettings.Key.httpIdleTimeoutSeconds.configKey, default: 60))),
            maxConnections: reader.int(
                forKey: ServerSettings.Key.httpMaxConnections.configKey,
                default: ConnectionLimits.defaultMaxConnections(fileLimit: Self.openFileLimit)))
        tlsCertificate = reader.string(forKey: ServerSettings.Key.tlsCertificate.configKey)
        tlsKey = reader.string(forKey: ServerSettings.Key.tlsKey.configKey)
    }
}

extension ServerSettings {
    /// Every setting `sluice serve` reads, by its configuration key (scoped to `sluice`): the environment
    /// variable names in `sluice serve --help` are derived from this list, so the two cannot drift.
    public enum Key: String, CaseIterable, Sendable {
        case adminToken = "admin.token"
        case clusterLeaseSeconds = "cluster.leaseSeconds"
        case clusterNode = "cluster.node"
        case demoEnabled = "demo.enabled"
        case demoRate = "demo.rate"
        case httpBodyTimeoutSeconds = "http.bodyTimeoutSeconds"
        case httpHeadTimeoutSeconds = "http.headTimeoutSeconds"
        case httpHost = "http.host"
        case httpIdleTimeoutSeconds = "http.idleTimeoutSeconds"
        case httpMaxConnections = "http.maxConnections"
        case httpPort = "http.port"
        case httpTrustForwardedProto = "http.trustForwardedProto"
        case ingestMaxBodyBytes = "ingest.maxBodyBytes"
        case ingestMaxEventBytes = "ingest.maxEventBytes"
        case logLevel = "log.level"
        case oauthWindowSeconds = "oauth.windowSeconds"
        case siteStreamsConnectsPerSecond = "siteStreams.connectsPerSecond"
        case siteStreamsKeepaliveSeconds = "siteStreams.keepaliveSeconds"
        case siteStreamsMaxUsers = "siteStreams.maxUsers"
        case siteStreamsTweetMemory = "siteStreams.tweetMemory"
        case store = "store"
        case streamHeartbeatSeconds = "stream.heartbeatSeconds"
        case streamOutboxBytes = "stream.outboxBytes"
        case streamPort = "stream.port"
        case streamReplayMemoryBytes = "stream.replayMemoryBytes"
        case streamReplayWindowSeconds = "stream.replayWindowSeconds"
        case streamTokenLifetimeSeconds = "stream.tokenLifetimeSeconds"
        case testClockSkewSeconds = "test.clockSkewSeconds"
        case testFollowerDelayMilliseconds = "test.followerDelayMilliseconds"
        case tlsCertificate = "tls.certificate"
        case tlsKey = "tls.key"

        /// For tests only: not listed anywhere a user looks.
        public var isForTests: Bool { rawValue.hasPrefix("test.") }

        /// The environment variable that sets it, as swift-configuration's environment provider names
        /// it: `SLUICE_`, then each part of the key in upper case, words of a camelCase part joined by `_`.
        public var environmentVariable: String {
            ("sluice." + rawValue).split(separator: ".").map { part in
                var word = ""
                var previous: Character?
                for character in part {
                    if let previous, previous.isLowercase, character.isUppercase { word.append("_") }
                    word.append(character)
                    previous = character
                }
                return word.uppercased()
            }.joined(separator: "_")
        }
    }

    /// The environment variables a user may set (`Key`, less those for tests).
    public static var environmentVariables: [String] {
        Key.allCases.filter { !$0.isForTests }.map(\.environmentVariable)
    }
}

extension ServerSettings.Key {
    var configKey: ConfigKey { ConfigKey(rawValue) }
}
