import Foundation
import Hummingbird
import SluiceAPI
import SluiceCore
import SluiceStore

/// `POST|GET /v1/admin/apps`, `POST /v1/admin/apps/{id}/grants`, `DELETE /v1/admin/apps/{id}/grants/{user_id}`:
/// Site Streams applications and the users who granted them access.
struct AppsController {
    let store: any SiteApps
    let announcer: ClusterAnnouncer

    func addRoutes(to group: RouterGroup<SluiceRequestContext>) {
        group.post(use: create)
        group.get(use: list)
        group.post("{id}/grants", use: grant)
        group.get("{id}/grants", use: grants)
        group.delete("{id}/grants/{user_id}", use: revokeGrant)
    }

    @Sendable func create(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let input = try await AppRequest.decode(from: request)
        let name = input.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 100 else { throw APIError.badRequest("invalid_request", "name must be 1 to 100 characters") }
        let app = SiteApp.generate(name: name)
        try await store.createApp(app)
        return try JSONResponse.ok(SiteAppDescription(app, withSecrets: true), status: .created)
    }

    @Sendable func list(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        try JSONResponse.ok(["apps": try await store.apps().map { SiteAppDescription($0, withSecrets: false) }])
    }

    @Sendable func grant(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let app = try await requireApp(context)
        let input = try await GrantRequest.decode(from: request)
        guard try await store.grant(appID: app.id, userID: input.userID, at: Date().wholeMilliseconds) else {
            throw APIError.notFound("no user \(input.userID): users come from ingested events")
        }
        return try JSONResponse.ok(GrantResponse(appID: app.id, userID: input.userID), status: .created)
    }

    /// The users who granted the app access, in id order: `after` (a user id, default 0) and `limit`
    /// (1 to 1,000, default 100) page through them; `next_after` is where the next page starts.
    @Sendable func grants(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let app = try await requireApp(context)
        let query = QueryString.parse(request.uri.string)
        let after = try APIError.integerParameter(query["after"], name: "after", default: 0, range: 0...Int64.max)
        let limit = try APIError.integerParameter(query["limit"], name: "limit", default: 100, range: 1...1000)
        let users = try await store.grants(appID: app.id, after: after, limit: Int(limit))
        let next = users.count == Int(limit) ? users.last : nil
        return try JSONResponse.ok(
            GrantList(appID: app.id, userIDs: users, userIDStrings: users.map(String.init), nextAfter: next, nextAfterString: next.map(String.init)))
    }

    /// Ids both ways, as everywhere (`user_ids_str`): a browser's numbers round ids above 2^53.
    struct GrantList: Encodable {
        var appID: String
        var userIDs: [Int64]
        var userIDStrings: [String]
        var nextAfter: Int64?
        var nextAfterString: String?
        enum CodingKeys: String, CodingKey {
            case appID = "app_id"
            case userIDs = "user_ids"
            case userIDStrings = "user_ids_str"
            case nextAfter = "next_after"
            case nextAfterString = "next_after_str"
        }
    }

    @Sendable func revokeGrant(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let app = try await requireApp(context)
        guard let raw = context.parameters.get("user_id"), let userID = Int64(raw) else {
            throw APIError.badRequest("invalid_parameter", "user_id must be a user id")
        }
        let revoked = try await store.revokeGrant(appID: app.id, userID: userID)
        // Open streams, on every node, hear of it at once and carry nothing more for the user. Announced
        // even when the grant was already gone: that is the retry of a revocation whose answer was lost
        // (it committed, then the announcement or the answer did not happen), and its streams must still end.
        try await announcer.publish(.grantRevoked(appID: app.id, appName: app.name, userID: userID))
        guard revoked else { throw APIError.notFound("user \(userID) has not granted app \(app.id) access") }
        return try JSONResponse.ok(GrantResponse(appID: app.id, userID: userID))
    }

    private func requireApp(_ context: SluiceRequestContext) async throws -> SiteApp {
        let id = try context.parameters.require("id")
        guard let app = try await store.app(id: id) else { throw APIError.notFound("no app \(id)") }
        return app
    }

    struct AppRequest: AdminRequestBody {
        var name: String
        static let fields: Set<String> = ["name"]
    }

    struct GrantRequest: AdminRequestBody {
        var userID: Int64
        static let fields: Set<String> = ["user_id"]
        enum CodingKeys: String, CodingKey { case userID = "user_id" }

        /// The id as a JSON number or a decimal string, as everywhere ids appear.
        init(from decoder: any Decoder) throws {
            userID = try TwitterID.decode(try decoder.container(keyedBy: CodingKeys.self), .userID)
        }
    }

    struct GrantResponse: Encodable {
        var appID: String
        var userID: Int64
        enum CodingKeys: String, CodingKey {
            case appID = "app_id"
            case userID = "user_id"
        }
    }
}
