import Foundation
import Hummingbird
import SluiceCore
import SluiceStore

/// `POST /sse/token`: a `stream` key buys a single-use stream token.
struct StreamTokenController {
    let issuer: StreamTokenIssuer

    @Sendable func issue(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        guard let key = context.apiKey else { throw APIError.missingCredentials }
        return try await issuer.issue(for: key, answering: request, route: "POST /sse/token")
    }
}
