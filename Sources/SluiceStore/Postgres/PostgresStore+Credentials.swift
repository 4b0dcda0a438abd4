import Foundation
import PostgresNIO
import SluiceCore

/// The `Credentials` role (the class conforms through `Store`).
extension PostgresStore {
    public func createAPIKey(_ key: APIKey) async throws {
        let limits = try JSONCoding.string(key.limits)
        _ = try await rows(
            """
            INSERT INTO api_keys (id, name, secret_hash, scopes, limits, created_at)
            VALUES (\(key.id), \(key.name), \(key.secretHash), \(key.scopesColumn), \(limits), \(Int64(key.createdAt.millisecondsSince1970)))
            """)
    }

    public func apiKey(id: String) async throws -> APIKey? {
        try await rows("SELECT * FROM api_keys WHERE id = \(id)").first?.apiKey()
    }

    public func apiKey(secretHash: String) async throws -> APIKey? {
        try await rows("SELECT * FROM api_keys WHERE secret_hash = \(secretHash)").first?.apiKey()
    }

    public func apiKeys() async throws -> [APIKey] {
        try await rows("SELECT * FROM api_keys ORDER BY created_at, id").map { try $0.apiKey() }
    }

    public func revokeAPIKey(id: String, at date: Date) async throws -> APIKey? {
        _ = try await rows("UPDATE api_keys SET revoked_at = \(Int64(date.millisecondsSince1970)) WHERE id = \(id) AND revoked_at IS NULL")
        return try await apiKey(id: id)
    }

    public func issueStreamToken(_ token: StreamToken, limit: Int) async throws -> TokenIssue {
        let since = Int64(token.createdAt.addingTimeInterval(-StreamToken.issueWindow).millisecondsSince1970)
        // Issues for one key take turns across nodes, so the window is counted exactly.
        return try await transaction(serializedOn: "tokens:" + token.keyID) { connection in
            let boundary = try await connection.query(
                """
                SELECT created_at FROM stream_tokens WHERE key_id = \(token.keyID) AND created_at > \(since)
                ORDER BY created_at DESC LIMIT 1 OFFSET \(Int64(limit - 1))
                """, logger: self.logger
            ).rows()
            if let oldest = boundary.first?.date("created_at") {
                let retry = oldest.addingTimeInterval(StreamToken.issueWindow).timeIntervalSince(token.createdAt)
                return .rateLimited(retryAfter: max(1, retry))
            }
            try await connection.query(
                """
                INSERT INTO stream_tokens (secret_hash, key_id, created_at, expires_at)
                VALUES (\(token.secretHash), \(token.keyID), \(Int64(token.createdAt.millisecondsSince1970)), \(Int64(token.expiresAt.millisecondsSince1970)))
                """, logger: self.logger)
            return .issued
        }
    }

    public func streamToken(secretHash: String) async throws -> StreamToken? {
        try await rows("SELECT * FROM stream_tokens WHERE secret_hash = \(secretHash)").first?.streamToken()
    }

    public func purgeStreamTokens(before date: Date) async throws -> Int {
        let cutoff = Int64(min(date, date.addingTimeInterval(-StreamToken.issueWindow)).millisecondsSince1970)
        return try await rows(
            """
            DELETE FROM stream_tokens WHERE (used_at IS NOT NULL OR expires_at < \(Int64(date.millisecondsSince1970))) AND created_at < \(cutoff)
            RETURNING secret_hash
            """
        ).count
    }
}
