import Hummingbird
import SluiceCore
import SluiceStore

/// Admits requests carrying a live API key with `scope`, and records the key in the context.
///
/// Missing or unknown or revoked key → 401; a valid key without the scope → 403.
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = SluiceRequestContext
    let store: any Credentials
    let scope: KeyScope

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let secret = request.bearerCredential else { throw APIError.missingCredentials }
        guard let key = try await store.apiKey(secretHash: Secret.hash(secret)), !key.isRevoked else {
            throw APIError.invalidCredentials
        }
        guard key.scopes.contains(scope) else {
            throw APIError(.forbidden, code: "forbidden", message: "this key lacks the \(scope.rawValue) scope")
        }
        var context = context
        context.apiKey = key
        return try await next(request, context)
    }
}
