import Foundation
import Hummingbird
import SluiceAPI
import SluiceCore
import SluiceStore

/// `POST|GET /v1/admin/keys`, `DELETE /v1/admin/keys/{id}`: API key management for the admin.
struct KeysController {
    let keys: KeyAdministration
    let tokens: StreamTokenIssuer

    func addRoutes(to group: RouterGroup<SluiceRequestContext>) {
        group.post(use: create)
        group.get(use: list)
        group.delete("{id}", use: revoke)
        group.post("{id}/tokens", use: issueToken)
    }

    /// A stream token for the key, bought by the admin (the console's stream viewer): the key's own
    /// rules hold, its `stream` scope and its hourly allowance, which this purchase counts against.
    @Sendable func issueToken(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let key = try await keys.key(id: id) else { throw APIError.notFound("no API key \(id)") }
        guard !key.isRevoked else { throw APIError(.conflict, code: "key_revoked", message: "API key \(id) is revoked") }
        guard key.scopes.contains(.stream) else {
            throw APIError(.forbidden, code: "forbidden", message: "API key \(id) lacks the stream scope")
        }
        return try await tokens.issue(for: key, answering: request, route: "POST /v1/admin/keys/{id}/tokens")
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
