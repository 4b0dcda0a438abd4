import Foundation
import PostgresNIO
import SluiceCore

/// The `SiteApps` role (the class conforms through `Store`).
extension PostgresStore {
    public func createApp(_ app: SiteApp) async throws {
        _ = try await rows(
            """
            INSERT INTO apps (id, name, consumer_key, consumer_secret, access_token, access_token_secret, created_at)
            VALUES (\(app.id), \(app.name), \(app.consumerKey), \(app.consumerSecret), \(app.accessToken), \(app.accessTokenSecret),
                \(Int64(app.createdAt.millisecondsSince1970)))
            """)
    }

    public func app(id: String) async throws -> SiteApp? {
        try await rows("SELECT * FROM apps WHERE id = \(id)").first?.siteApp()
    }

    public func app(consumerKey: String) async throws -> SiteApp? {
        try await rows("SELECT * FROM apps WHERE consumer_key = \(consumerKey)").first?.siteApp()
    }

    public func apps() async throws -> [SiteApp] {
        try await rows("SELECT * FROM apps ORDER BY created_at, id").map { try $0.siteApp() }
    }

    public func grant(appID: String, userID: Int64, at date: Date) async throws -> Bool {
        _ = try await rows(
            """
            INSERT INTO app_grants (app_id, user_id, granted_at)
            SELECT a.id, u.id, \(Int64(date.millisecondsSince1970)) FROM apps a, users u WHERE a.id = \(appID) AND u.id = \(userID)
            ON CONFLICT DO NOTHING
            """)
        return try await !rows("SELECT 1 FROM app_grants WHERE app_id = \(appID) AND user_id = \(userID)").isEmpty
    }

    public func revokeGrant(appID: String, userID: Int64) async throws -> Bool {
        try await !rows("DELETE FROM app_grants WHERE app_id = \(appID) AND user_id = \(userID) RETURNING user_id").isEmpty
    }

    public func grants(appID: String, after afterUserID: Int64, limit: Int) async throws -> [Int64] {
        try await rows("SELECT user_id FROM app_grants WHERE app_id = \(appID) AND user_id > \(afterUserID) ORDER BY user_id LIMIT \(limit)")
            .map { try $0.int64("user_id") }
    }

    public func grantedUsers(appID: String, among userIDs: Set<Int64>) async throws -> Set<Int64> {
        guard !userIDs.isEmpty else { return [] }
        return Set(
            try await rows("SELECT user_id FROM app_grants WHERE app_id = \(appID) AND user_id = ANY(\(Array(userIDs)))")
                .map { try $0.int64("user_id") })
    }
}
