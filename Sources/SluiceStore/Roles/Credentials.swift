import Foundation
import SluiceCore

/// API keys and the stream tokens they buy (Private SSE's credentials), stored by hash only.
public protocol Credentials: Sendable {
    func createAPIKey(_ key: APIKey) async throws
    func apiKey(id: String) async throws -> APIKey?
    /// The key whose secret hashes to `secretHash`, revoked or not.
    func apiKey(secretHash: String) async throws -> APIKey?
    func apiKeys() async throws -> [APIKey]
    /// Marks the key revoked; returns it, or nil if there is no such key. Revoking twice keeps the first time.
    func revokeAPIKey(id: String, at date: Date) async throws -> APIKey?

    /// Records a new stream token unless the key already has `limit` tokens issued within
    /// `StreamToken.issueWindow` before the token's `createdAt` (a sliding window).
    func issueStreamToken(_ token: StreamToken, limit: Int) async throws -> TokenIssue
    /// The token with this hash, used or not.
    func streamToken(secretHash: String) async throws -> StreamToken?
    /// Tokens that are already spent or expired before `date` are no longer needed; returns how many were removed.
    func purgeStreamTokens(before date: Date) async throws -> Int
}
