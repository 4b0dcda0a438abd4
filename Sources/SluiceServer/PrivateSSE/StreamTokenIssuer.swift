import Foundation
import Hummingbird
import SluiceCore
import SluiceStore

/// Issues single-use stream tokens for a key, within its hourly allowance: the one rule behind
/// `POST /sse/token` (the key's own secret) and `POST /v1/admin/keys/{id}/tokens` (the console's
/// stream viewer). Both count against the same allowance.
struct StreamTokenIssuer: Sendable {
    let store: any Credentials & SharedLimits
    let tokenLifetime: TimeInterval
    let metrics: ServerMetrics

    /// A token for `key`, answering `request`, which must have no body: nothing is read from one, so
    /// one that says something is refused, never ignored.
    func issue(for key: APIKey, answering request: Request, route: String) async throws -> Response {
        guard try await request.body.collect(upTo: 16 * 1024).readableBytes == 0 else {
            throw APIError(.unsupportedMediaType, code: "unsupported_media_type", message: "\(route) takes no body")
        }
        let secret = Secret.generate(prefix: "st_")
        let now = store.clock.now().wholeMilliseconds
        let token = StreamToken(secretHash: Secret.hash(secret), keyID: key.id, createdAt: now, expiresAt: now.addingTimeInterval(tokenLifetime))
        switch try await store.issueStreamToken(token, limit: key.limits.tokensPerHour) {
        case .issued:
            metrics.tokensIssued.increment()
            return try JSONResponse.ok(
                Issued(token: secret, expiresAt: Timestamp.format(token.expiresAt), streamURL: "/sse/private?token=\(secret)"),
                status: .created)
        case .rateLimited(let retryAfter):
            metrics.tokensRefused.increment()
            throw APIError(
                .tooManyRequests, code: "token_rate_limited",
                message: "this key may buy \(key.limits.tokensPerHour) stream tokens per hour; try again in \(Int(retryAfter.rounded(.up))) s",
                retryAfterSeconds: Int(retryAfter.rounded(.up)))
        }
    }

    struct Issued: Encodable {
        var token: String
        var expiresAt: String
        var streamURL: String
        enum CodingKeys: String, CodingKey {
            case token
            case expiresAt = "expires_at"
            case streamURL = "stream_url"
        }
    }
}
