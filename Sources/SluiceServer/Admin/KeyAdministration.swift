import Foundation
import SluiceCore
import SluiceStore

/// Creating, listing and revoking API keys: the rules, shared by the admin API and the demo.
public struct KeyAdministration: Sendable {
    let store: any Credentials
    let announcer: ClusterAnnouncer

    init(store: any Credentials, announcer: ClusterAnnouncer) {
        self.store = store
        self.announcer = announcer
    }

    /// Creates a key; returns the stored record and the secret, which exists nowhere else afterwards.
    public func create(name: String, scopes: [String], limits: StreamLimits? = nil) async throws -> (APIKey, String) {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= APIKey.maxNameLength else {
            throw APIError.badRequest("invalid_request", "name must be 1 to \(APIKey.maxNameLength) characters")
        }
        guard !scopes.isEmpty else {
            throw APIError.badRequest(
                "invalid_request", "scopes must list at least one of: \(KeyScope.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var parsed: Set<KeyScope> = []
        for scope in scopes {
            guard let value = KeyScope(rawValue: scope) else {
                throw APIError.badRequest(
                    "invalid_request", "unknown scope \"\(scope.prefix(40))\" (known: \(KeyScope.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            parsed.insert(value)
        }
        let secret = Secret.generate(prefix: "sk_")
        let key = APIKey(
            id: Secret.generate(prefix: "key_", bytes: 9), name: trimmed, scopes: parsed, secretHash: Secret.hash(secret),
            limits: limits ?? .defaults, createdAt: Date().wholeMilliseconds)
        try await store.createAPIKey(key)
        return (key, secret)
    }

    public func key(id: String) async throws -> APIKey? {
        try await store.apiKey(id: id)
    }

    public func list() async throws -> [APIKey] {
        try await store.apiKeys()
    }

    /// Revokes at once: the key's open streams end on every node (saying why) and its unused tokens
    /// stop working. Nil when there is no such key.
    public func revoke(id: String) async throws -> APIKey? {
        let key = try await store.revokeAPIKey(id: id, at: Date().wholeMilliseconds)
        if key != nil { try await announcer.publish(.keyRevoked(keyID: id)) }
        return key
    }
}
