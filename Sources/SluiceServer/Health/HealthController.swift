import Hummingbird
import SluiceStore

/// `GET /healthz`: 200 while the store answers, 503 (with the reason) when it does not.
///
/// Streams stay open while the store is away (they resume when it is back), but this node cannot
/// take events or admit new streams then, so a load balancer should send those elsewhere.
struct HealthController {
    let store: any Store
    let node: String
    /// Whether the log follower is starting over after the log moved backwards, and how often it did.
    let logStatus: @Sendable () -> (rewinding: Bool, rewinds: Int)

    @Sendable func health(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let shared = store.clusterBus != nil
        let log = logStatus()
        do {
            let last = try await store.lastSequence()
            if log.rewinding {
                return try JSONResponse.ok(
                    Health(
                        status: "log_rewound", store: "the event log moved backwards; this node is starting over at its head", node: node,
                        sharedStore: shared, lastSeq: last, logRewinds: log.rewinds), status: .serviceUnavailable)
            }
            return try JSONResponse.ok(Health(status: "ok", store: "ok", node: node, sharedStore: shared, lastSeq: last, logRewinds: log.rewinds))
        } catch {
            return try JSONResponse.ok(
                Health(status: "unavailable", store: "\(error)", node: node, sharedStore: shared, lastSeq: nil, logRewinds: log.rewinds),
                status: .serviceUnavailable)
        }
    }

    struct Health: Encodable {
        var status: String
        var store: String
        var node: String
        var sharedStore: Bool
        var lastSeq: Int64?
        /// How many times this node found the log moved backwards and started over.
        var logRewinds: Int
        enum CodingKeys: String, CodingKey {
            case status, store, node
            case sharedStore = "shared_store"
            case lastSeq = "last_seq"
            case logRewinds = "log_rewinds"
        }
    }
}
