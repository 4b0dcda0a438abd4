import Foundation
import SQLiteNIO
import SluiceCore

/// The `Credentials` role (the class conforms through `Store`).
///
/// Reads come from `CredentialMirror`; every change is decided there and written as one statement
/// of the writer's next group before it is answered.
extension SQLiteStore {
    public func createAPIKey(_ key: APIKey) async throws {
        let limits = try JSONCoding.string(key.limits)
        try await writer.execute(
            "INSERT INTO api_keys (id, name, secret_hash, scopes, limits, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            [
                .text(key.id), .text(key.name), .text(key.secretHash), .text(key.scopesColumn), .text(limits),
                .integer(key.createdAt.millisecondsSince1970),
            ])
        credentials.add(key)
    }

    public func apiKey(secretHash: String) async throws -> APIKey? {
        try checkOpen()
        return credentials.key(secretHash: secretHash)
    }

    public func apiKey(id: String) async throws -> APIKey? {
        try checkOpen()
        return credentials.key(id: id)
    }

    public func apiKeys() async throws -> [APIKey] {
        try checkOpen()
        return credentials.keys()
    }

    public func revokeAPIKey(id: String, at date: Date) async throws -> APIKey? {
        let (key, changed) = credentials.revoke(id: id, at: date)
        guard changed else { return key }
        do {
            try await writer.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", [.integer(date.millisecondsSince1970), .text(id)])
        } catch {
            credentials.unrevoke(id: id)
            throw error
        }
        return key
    }

    public func issueStreamToken(_ token: StreamToken, limit: Int) async throws -> TokenIssue {
        try checkOpen()
        let issue = credentials.issue(token, limit: limit)
        guard issue == .issued else { return issue }
        do {
            try await writer.execute(
                "INSERT INTO stream_tokens (secret_hash, key_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                [
                    .text(token.secretHash), .text(token.keyID), .integer(token.createdAt.millisecondsSince1970),
                    .integer(token.expiresAt.millisecondsSince1970),
                ])
        } catch {
            credentials.unissue(token)
            throw error
        }
        return .issued
    }

    public func streamToken(secretHash: String) async throws -> StreamToken? {
        try checkOpen()
        return credentials.token(secretHash: secretHash)
    }

    public func purgeStreamTokens(before date: Date) async throws -> Int {
        // Kept for the issue window even when spent: they count towards the per-key limit.
        let cutoff = min(date, date.addingTimeInterval(-StreamToken.issueWindow))
        try await writer.execute(
            "DELETE FROM stream_tokens WHERE (used_at IS NOT NULL OR expires_at < ?) AND created_at < ?",
            [.integer(date.millisecondsSince1970), .integer(cutoff.millisecondsSince1970)])
        return credentials.purgeTokens(before: date, createdBefore: cutoff)
    }
}
