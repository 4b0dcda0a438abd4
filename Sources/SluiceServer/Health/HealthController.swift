import Hummingbird
import SluiceStore

/// `GET /healthz`: 200 while the store answers, 503 (with the reason) when it does not.
///
/// Streams stay open while the store is away (they resume when it is back), but this node cannot
/// take events or admit new streams then, so a load balancer should send those elsewhere.
struct HealthController {
    let store: any Store
    let node: String

    @Sendable func health(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let shared = store.clusterBus != nil
        do {
            let last = try await store.lastSequence()
            return try JSONResponse.ok(Health(status: "ok", store: "ok", node: node, sharedStore: shared, lastSeq: last))
        } catch {
            return try JSONResponse.ok(
                Health(status: "unavailable", store: "\(error)", node: node, sharedStore: shared, lastSeq: nil), status: .serviceUnavailable)
        }
    }

    struct Health: Encodable {
        var status: String
        var store: String
        var node: String
        var sharedStore: Bool
        var lastSeq: Int64?
        enum CodingKeys: String, CodingKey {
            case status, store, node
            case sharedStore = "shared_store"
            case lastSeq = "last_seq"
        }
    }
}
