import HTTPTypes
import Hummingbird
import SluiceCore

/// Refuses a query parameter a REST route does not take (`400 unknown_parameter`): a misspelt
/// `?dry_run=true` must not pass for a setting that took effect. Only the pages of the log and of an
/// app's grants (`after`, `limit`) and the console's charts (`minutes`) take any; control streams check theirs with their form (`ControlStreamController`), and streams are served
/// before the router (`StreamChannelHandler`).
struct UnknownQueryMiddleware<Context: RequestContext>: RouterMiddleware {
    static func known(for method: HTTPRequest.Method, path: String) -> Set<String>? {
        if path.hasPrefix("/1.1/site/c/") { return nil }
        guard method == .get else { return [] }
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        if trimmed == "/v1/events" || trimmed == "/v1/admin/events" { return ["after", "limit"] }
        if trimmed.hasPrefix("/v1/admin/apps/"), trimmed.hasSuffix("/grants") { return ["after", "limit"] }
        if trimmed.hasPrefix("/v1/admin/stats/charts/") { return ["minutes"] }
        return []
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let known = Self.known(for: request.method, path: request.uri.path) {
            // Names as a client means them: percent-decoded, and `&&` is no parameter at all.
            let names = QueryString.pairs(QueryString.query(of: request.uri.string)).map(\.0).filter { !$0.isEmpty }
            try APIError.refuseUnknown(parameters: names, known: known)
        }
        return try await next(request, context)
    }
}
