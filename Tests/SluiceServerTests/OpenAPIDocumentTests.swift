import Configuration
import Foundation
import Logging
import SluiceCore
import SluiceStore
import SluiceTestSupport
import Testing

@testable import SluiceServer

/// `GET /v1/openapi.json` describes exactly the routes the server has. (That each response conforms
/// to it is checked by schemathesis against a live server: `Tests/Interop/test_openapi.py`.)
@Suite struct OpenAPIDocumentTests {
    /// The document's operations, `METHOD /path` with `{parameters}`.
    static func documented() throws -> Set<String> {
        let document = try JSONDecoder().decode(JSONValue.self, from: Data(OpenAPIDocument.json.utf8))
        #expect(document["openapi"] == .string("3.1.0"))
        let paths = try #require(document["paths"].flatMap { if case .object(let paths) = $0 { paths } else { nil } })
        var operations: Set<String> = []
        for (path, item) in paths {
            guard case .object(let methods) = item else { continue }
            for method in methods.keys where ["get", "post", "put", "delete", "patch"].contains(method) {
                operations.insert("\(method.uppercased()) \(path)")
            }
        }
        return operations
    }

    @Test func everyRouteIsDocumentedAndNothingElse() async throws {
        let logger = Logger(label: "test")
        let store = try await SQLiteStore.open(path: Fixtures.temporaryDatabasePath(), logger: logger)
        let settings = ServerSettings(reader: ConfigReader(provider: InMemoryProvider(values: [:])))
        let hub = PrivateSSEHub(position: 0, replayMemory: 1 << 20)
        let siteHub = SiteStreamHub(truth: SocialTruth(SocialState()))
        let metrics = ServerMetrics(hub: hub, siteHub: siteHub)
        let announcer = ClusterAnnouncer(bus: nil, store: store, hub: hub, siteHub: siteHub, view: ClusterView(), logger: logger)
        let leases = NodeLeases(store: store, node: "n", period: 15, logger: logger)
        let verifier = OAuthVerifier(store: store, nonces: OAuth1NonceWindow(window: 300), scheme: "http")
        let router = buildRouter(
            store: store, ingest: EventIngest(store: store), keys: KeyAdministration(store: store, announcer: announcer),
            apps: AppsController(store: store, announcer: announcer),
            control: ControlStreamController(
                executor: ControlExecutor(store: store, hub: siteHub, logger: logger),
                leases: leases, verifier: verifier, clusterBus: nil, logger: logger),
            settings: settings, metrics: metrics,
            console: ConsoleBackend(
                history: StatsHistory(),
                connections: ConnectionsController(
                    openStreams: OpenStreams(hub: hub, siteHub: siteHub, node: "n"), leases: leases, bus: nil, view: ClusterView(), logger: logger)))
        // Hummingbird writes a captured parameter as `{name}`, as OpenAPI does.
        var served = Set(router.routes.map { "\($0.method.rawValue) \($0.path.description.hasPrefix("/") ? "" : "/")\($0.path)" })
        // The streams are served ahead of the router (StreamChannelHandler).
        served.formUnion(["GET \(PrivateSSEStreams.path)", "GET \(SiteStreams.path)", "POST \(SiteStreams.path)"])
        let documented = try Self.documented()
        #expect(served.subtracting(documented).sorted() == [], "routes the document leaves out")
        #expect(documented.subtracting(served).sorted() == [], "documented operations the server does not have")
        try await store.close()
    }

    @Test func theDocumentIsServed() async throws {
        let app = try await TestApp.build()
        try await app.test(.router) { client in
            let served = try await client.execute(uri: "/v1/openapi.json", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                return String(buffer: response.body)
            }
            #expect(served == OpenAPIDocument.json)
        }
    }
}
