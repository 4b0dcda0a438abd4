import Foundation
import Hummingbird
import SluiceCore
import SluiceStore

/// `POST|GET /v1/admin/keys`, `DELETE /v1/admin/keys/{id}`: API key management for the admin.
struct KeysController {
    let keys: KeyAdministration

    func addRoutes(to group: RouterGroup<SluiceRequestContext>) {
        group.post(use: create)
        group.get(use: list)
        group.delete("{id}", use: revoke)
    }

    @Sendable func create(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let input = try await AppsController.decode(KeyRequest.self, from: request)
        let (key, secret) = try await keys.create(name: input.name, scopes: input.scopes, limits: input.limits)
        return try JSONResponse.ok(KeyResponse(key, secret: secret), status: .created)
    }

    @Sendable func list(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        try JSONResponse.ok(["keys": try await keys.list().map { KeyResponse($0) }])
    }

    @Sendable func revoke(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let key = try await keys.revoke(id: id) else { throw APIError.notFound("no API key \(id)") }
        return try JSONResponse.ok(KeyResponse(key))
    }

    struct KeyRequest: Decodable {
        var name: String
        var scopes: [String]
        var limits: StreamLimits?
    }

    /// A key as the API shows it; `key` (the secret) only in the response that created it.
    struct KeyResponse: Encodable {
        var id: String
        var key: String?
        var name: String
        var scopes: [String]
        var limits: StreamLimits
        var createdAt: String
        var revokedAt: String?

        init(_ key: APIKey, secret: String? = nil) {
            id = key.id
            self.key = secret
            name = key.name
            scopes = key.scopes.map(\.rawValue).sorted()
            limits = key.limits
            createdAt = Timestamp.format(key.createdAt)
            revokedAt = key.revokedAt.map(Timestamp.format)
        }

        enum CodingKeys: String, CodingKey {
            case id, key, name, scopes, limits
            case createdAt = "created_at"
            case revokedAt = "revoked_at"
        }
    }
}
