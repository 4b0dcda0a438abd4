import Foundation
import SQLiteNIO
import SluiceCore

/// The `Credentials` role (the class conforms through `Store`).
extension SQLiteStore {
    public func createAPIKey(_ key: APIKey) async throws {
        let limits = try JSONCoding.string(key.limits)
        let binds: [SQLiteData] = [
            .text(key.id), .text(key.name), .text(key.secretHash), .text(key.scopesColumn),
            .text(limits), .integer(key.createdAt.millisecondsSince1970),
        ]
        try await writer.write { db in
            _ = try await db.query(
                "INSERT INTO api_keys (id, name, secret_hash, scopes, limits, created_at) VALUES (?, ?, ?, ?, ?, ?)", binds)
        }
    }

    public func apiKey(secretHash: String) async throws -> APIKey? {
        try await query("SELECT * FROM api_keys WHERE secret_hash = ?", [.text(secretHash)]).first?.apiKey()
    }

    public func apiKey(id: String) async throws -> APIKey? {
        try await query("SELECT * FROM api_keys WHERE id = ?", [.text(id)]).first?.apiKey()
    }

    public func apiKeys() async throws -> [APIKey] {
        try await query("SELECT * FROM api_keys ORDER BY created_at, id").map { try $0.apiKey() }
    }

    public func revokeAPIKey(id: String, at date: Date) async throws -> APIKey? {
        try await writer.write { db in
            _ = try await db.query(
                "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", [.integer(date.millisecondsSince1970), .text(id)])
        }
        return try await query("SELECT * FROM api_keys WHERE id = ?", [.text(id)]).first?.apiKey()
    }

    public func issueStreamToken(_ token: StreamToken, limit: Int) async throws -> TokenIssue {
        let since = token.createdAt.addingTimeInterval(-StreamToken.issueWindow).millisecondsSince1970
        return try await write { db in
            // The limit-th most recent token in the window, if there is one: one index probe.
            let boundary = try await db.query(
                "SELECT created_at FROM stream_tokens WHERE key_id = ? AND created_at > ? ORDER BY created_at DESC LIMIT 1 OFFSET ?",
                [.text(token.keyID), .integer(since), .integer(limit - 1)])
            if let oldest = boundary.first?.date("created_at") {
                // The window frees a place when the oldest of the last `limit` tokens leaves it.
                let retry = oldest.addingTimeInterval(StreamToken.issueWindow).timeIntervalSince(token.createdAt)
                return .rateLimited(retryAfter: max(1, retry))
            }
            _ = try await db.query(
                "INSERT INTO stream_tokens (secret_hash, key_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                [
                    .text(token.secretHash), .text(token.keyID), .integer(token.createdAt.millisecondsSince1970),
                    .integer(token.expiresAt.millisecondsSince1970),
                ])
            return .issued
        }
    }

    public func streamToken(secretHash: String) async throws -> StreamToken? {
        try await query("SELECT * FROM stream_tokens WHERE secret_hash = ?", [.text(secretHash)]).first?.streamToken()
    }

    public func purgeStreamTokens(before date: Date) async throws -> Int {
        // Kept for the issue window even when spent: they count towards the per-key limit.
        let cutoff = min(date, date.addingTimeInterval(-StreamToken.issueWindow)).millisecondsSince1970
        return try await write { db in
            try await db.query(
                "DELETE FROM stream_tokens WHERE (used_at IS NOT NULL OR expires_at < ?) AND created_at < ? RETURNING secret_hash",
                [.integer(date.millisecondsSince1970), .integer(cutoff)]
            ).count
        }
    }
}
