import Hummingbird
import SluiceCore

/// Admits requests bearing the admin token the server was started with.
///
/// With no admin token configured the admin API is off (403), rather than open.
struct AdminTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let adminToken: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let adminToken else {
            throw APIError(
                .forbidden, code: "admin_disabled",
                message: "the admin API is disabled: start the server with --admin-token or SLUICE_ADMIN_TOKEN")
        }
        guard let secret = request.bearerCredential else { throw APIError.missingCredentials }
        guard Secret.constantTimeEquals(secret, adminToken) else { throw APIError.invalidCredentials }
        return try await next(request, context)
    }
}
