import HTTPTypes
import Hummingbird
import Logging
import SluiceStore

/// Turns every error a route throws into the one JSON error shape, so that clients never see
/// Hummingbird's plain-text errors or an unexplained 500.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError {
            throw Self.translate(status: error.status, detail: error.body)
        } catch let error as any HTTPResponseError {
            // Hummingbird's and NIO's own errors (NIOTooManyBytesError for an oversized body, …).
            throw Self.translate(status: error.status, detail: nil)
        } catch StoreError.unavailable(let detail) {
            throw APIError.storeUnavailable(detail)
        } catch StoreError.closed {
            throw APIError.storeUnavailable("shutting down")
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            throw APIError(.internalServerError, code: "internal_error", message: "internal error")
        }
    }

    static func translate(status: HTTPResponse.Status, detail: String?) -> APIError {
        switch status {
        case .notFound: .notFound(detail ?? "no such endpoint")
        case .contentTooLarge: APIError(.contentTooLarge, code: "payload_too_large", message: "the request body is larger than the server accepts")
        case .methodNotAllowed: APIError(.methodNotAllowed, code: "method_not_allowed", message: "method not allowed on this endpoint")
        default: APIError(status, code: "http_\(status.code)", message: detail ?? status.reasonPhrase)
        }
    }
}
