import Hummingbird
import SluiceStore

/// `GET /healthz`: 200 while the store answers, 503 (with the reason) when it does not.
struct HealthController {
    let store: any Store

    @Sendable func health(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        do {
            let last = try await store.lastSequence()
            return try JSONResponse.ok(Health(status: "ok", store: "ok", lastSeq: last))
        } catch {
            return try JSONResponse.ok(Health(status: "unavailable", store: "\(error)", lastSeq: nil), status: .serviceUnavailable)
        }
    }

    struct Health: Encodable {
        var status: String
        var store: String
        var lastSeq: Int64?
        enum CodingKeys: String, CodingKey {
            case status, store
            case lastSeq = "last_seq"
        }
    }
}
