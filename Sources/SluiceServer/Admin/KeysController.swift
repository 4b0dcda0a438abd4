import Foundation
import Hummingbird
import SluiceAPI
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
        let input = try await KeyRequest.decode(from: request)
        let (key, secret) = try await keys.create(name: input.name, scopes: input.scopes, limits: input.limits)
        return try JSONResponse.ok(APIKeyDescription(key, secret: secret), status: .created)
    }

    @Sendable func list(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        try JSONResponse.ok(["keys": try await keys.list().map { APIKeyDescription($0) }])
    }

    @Sendable func revoke(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let key = try await keys.revoke(id: id) else { throw APIError.notFound("no API key \(id)") }
        return try JSONResponse.ok(APIKeyDescription(key))
    }

    struct KeyRequest: AdminRequestBody {
        var name: String
        var scopes: [String]
        var limits: StreamLimits?
        static let fields: Set<String> = ["name", "scopes", "limits"]
        static let nestedFields = ["limits": Set(StreamLimits.CodingKeys.allCases.map(\.rawValue))]
    }
}
