import Configuration
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOSSL
import SluiceCore
import SluiceStore

/// Builds the Sluice application from configuration (see `ServerSettings` for the keys).
///
/// The store is opened and migrated here, so a misconfigured store fails at start-up, not on the
/// first request.
public func buildApplication(reader: ConfigReader) async throws -> some ApplicationProtocol {
    let settings = ServerSettings(reader: reader)
    var logger = Logger(label: "sluice")
    logger.logLevel = settings.logLevel
    logger[metadataKey: "node"] = "\(settings.node)"
    let store = try await StoreLocation(settings.store).open(
        maxEventBytes: settings.maxEventBytes, clockSkew: settings.testClockSkewSeconds, logger: logger)
    // The graph and the hub start from the same log position, read in one snapshot: the follower
    // then applies every later event exactly once.
    let graph = try await store.socialGraph()
    let hub = PrivateSSEHub(position: graph.sequence, replayMemory: settings.replayMemoryBytes)
    // The one current truth for who may see what, shared by both APIs (tweets are learned on demand).
    let truth = SocialTruth(
        SocialState(
            users: graph.users, follows: graph.follows, blocks: graph.blocks, tweetMemory: settings.siteTweetMemory, position: graph.sequence))
    let siteHub = SiteStreamHub(truth: truth, maxUsersPerConnection: settings.siteMaxUsers)
    let leases = NodeLeases(store: store, node: settings.node, period: TimeInterval(settings.leaseSeconds), logger: logger)
    let feed = PrivateSSEFeed(store: store, truth: truth)
    let follower = LogFollower(
        feed: feed, consumers: [SiteStreamsLogConsumer(hub: siteHub), PrivateSSELogConsumer(hub: hub, feed: feed)],
        pollInterval: store.clusterBus == nil ? nil : .seconds(1),
        beforeDelivery: { leases.fenceIfStale() },
        testDelay: settings.testFollowerDelayMilliseconds > 0 ? .milliseconds(settings.testFollowerDelayMilliseconds) : nil,
        startingAfter: graph.sequence, last: graph.last, logger: logger)
    let metrics = ServerMetrics(hub: hub, siteHub: siteHub)
    let ingest = EventIngest(store: store, metrics: metrics, appended: follower.notify)
    let view = ClusterView()
    let announcer = ClusterAnnouncer(bus: store.clusterBus, store: store, hub: hub, siteHub: siteHub, view: view, logger: logger)
    let keys = KeyAdministration(store: store, announcer: announcer)
    let streams = PrivateSSEStreams(
        store: store, hub: hub, feed: feed, leases: leases, outboxBytes: settings.outboxBytes,
        replayWindow: TimeInterval(settings.replayWindowSeconds),
        heartbeatSeconds: settings.heartbeatSeconds, logger: logger)

    let tls = try settings.tlsConfiguration()
    var verifier = OAuthVerifier(
        store: store, nonces: OAuth1NonceWindow(window: TimeInterval(settings.oauthWindowSeconds)), scheme: tls == nil ? "http" : "https")
    verifier.trustForwardedProto = settings.trustForwardedProto
    let siteStreams = SiteStreams(
        store: store, hub: siteHub, leases: leases, verifier: verifier, connectsPerSecond: settings.siteConnectsPerSecond,
        outboxBytes: settings.outboxBytes, logger: logger)
    let controlExecutor = ControlExecutor(store: store, hub: siteHub, logger: logger)
    let endpoints: [any StreamEndpoint] = [streams, siteStreams]
    let openStreams = OpenStreams(hub: hub, siteHub: siteHub, node: settings.node)
    let history = StatsHistory()

    let router = buildRouter(
        store: store, ingest: ingest, keys: keys, apps: AppsController(store: store, announcer: announcer),
        control: ControlStreamController(
            executor: controlExecutor, leases: leases, verifier: verifier, clusterBus: store.clusterBus, logger: logger), settings: settings,
        metrics: metrics,
        console: ConsoleBackend(
            history: history,
            connections: ConnectionsController(openStreams: openStreams, leases: leases, bus: store.clusterBus, view: view, logger: logger)),
        logStatus: { follower.logStatus })
    // Streams are served by a channel handler ahead of Hummingbird's responder (see StreamChannelHandler).
    // Every connection first passes the deadlines and the cap (ConnectionGuard), on both listeners.
    let limits = settings.connectionLimits
    let census = metrics.connections
    // A connection whose first request is a stream never gets Hummingbird's task (StreamingHTTP1Channel).
    var server = HTTPServerBuilder { responder in
        StreamingHTTP1Channel(responder: responder, endpoints: endpoints, limits: limits, census: census)
    }
    if let tls { server = try .tls(server, tlsConfiguration: tls) }
    let address = ServerAddress()
    var app = Application(
        router: router,
        server: server,
        configuration: ApplicationConfiguration(reader: reader.scoped(to: "http")),
        onServerRunning: { channel in
            // Always printed, whatever the log level: scripts and tests read the port from it (`--port 0`).
            let bound = channel.localAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "?"
            address.set(bound)
            FileHandle.standardOutput.write(Data("sluice listening on \(bound)\n".utf8))
        },
        logger: logger)
    // Shut down in reverse: the server ends streams (saying why) and finishes requests, then the demo
    // stops, the ticker ends every stream left, the drain waits for their connections to close, the
    // follower stops, and the store closes last.
    app.addServices(
        StoreService(store: store), StoreJanitor(store: store, interval: .seconds(600), logger: logger), leases, follower,
        ConnectionDrain(census: census, limit: .nanoseconds(StreamChannelHandler.farewellGrace.nanoseconds) + .seconds(1)),
        HubTicker(hub: hub, siteHub: siteHub, heartbeatEvery: settings.heartbeatSeconds, siteKeepaliveEvery: settings.siteKeepaliveSeconds),
        StatsSampler(metrics: metrics, log: store, node: settings.node, bus: store.clusterBus, view: view, history: history, logger: logger))
    if let bus = store.clusterBus {
        app.addServices(
            ClusterListener(
                bus: bus, node: settings.node, follower: follower,
                requests: ClusterRequestHandler(executor: controlExecutor, openStreams: openStreams), announcer: announcer))
    }
    if let streamPort = settings.streamPort {
        let host = reader.string(forKey: ServerSettings.Key.httpHost.configKey, default: "127.0.0.1")
        app.addServices(
            StreamListener(
                host: host, port: streamPort, tls: try tls.map(NIOSSLContext.init(configuration:)), endpoints: endpoints, limits: limits,
                census: census,
                closeAll: {
                    hub.closeAll(.shutdown)
                    siteHub.closeAll(.shutdown, reason: "the server is shutting down; reconnect")
                }, logger: logger))
    }
    if settings.demo {
        let scheme = tls == nil ? "http" : "https"
        let keyFile: String
        if case .sqlite(let path) = try StoreLocation(settings.store) { keyFile = path + ".demo-key" } else { keyFile = "sluice-demo.key" }
        app.addServices(
            DemoTraffic(
                ingest: ingest, keys: keys, rate: settings.demoRate, baseURL: { "\(scheme)://\(try await address.value())" }, keyFile: keyFile,
                logger: logger))
    }
    return app
}

/// Every REST route (the streams are served ahead of the router, by `StreamChannelHandler`); each is
/// described in `OpenAPIDocument`, which a test keeps true.
func buildRouter(
    store: any Store, ingest: EventIngest, keys: KeyAdministration, apps: AppsController, control: ControlStreamController,
    settings: ServerSettings, metrics: ServerMetrics, console: ConsoleBackend,
    logStatus: @escaping @Sendable () -> (rewinding: Bool, rewinds: Int) = { (false, 0) }
) -> Router<SluiceRequestContext> {
    let router = Router(context: SluiceRequestContext.self)
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: UnknownQueryMiddleware())
    router.get("healthz", use: HealthController(store: store, node: settings.node, logStatus: logStatus).health)
    router.get("metrics", use: MetricsController(metrics: metrics).scrape)

    let tokens = StreamTokenIssuer(store: store, tokenLifetime: TimeInterval(settings.tokenLifetimeSeconds), metrics: metrics)
    router.group("sse/token").add(middleware: APIKeyMiddleware(store: store, scope: .stream)).post(use: StreamTokenController(issuer: tokens).issue)

    let ingestController = IngestController(ingest: ingest, store: store, maxBodyBytes: settings.maxIngestBodyBytes)
    ingestController.addRoutes(to: router.group("v1/events"))
    router.get("v1/openapi.json") { _, _ in JSONResponse.ok(raw: OpenAPIDocument.json) }

    let admin = router.group("v1/admin").add(middleware: AdminTokenMiddleware(adminToken: settings.adminToken))
    KeysController(keys: keys, tokens: tokens).addRoutes(to: admin.group("keys"))
    StatsController(metrics: metrics, node: settings.node, history: console.history).addRoutes(to: admin.group("stats"))
    apps.addRoutes(to: admin.group("apps"))
    console.connections.addRoutes(to: admin.group("connections"))
    // The log as `GET /v1/events` gives it to a `read` key, for the console's log browser.
    admin.group("events").get(use: ingestController.read)
    control.addRoutes(to: router)
    ConsoleController().addRoutes(to: router)
    return router
}
