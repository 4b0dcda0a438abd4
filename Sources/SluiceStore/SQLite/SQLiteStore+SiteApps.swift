import Foundation
import SQLiteNIO
import SluiceCore

/// The `SiteApps` role (the class conforms through `Store`).
extension SQLiteStore {
    public func createApp(_ app: SiteApp) async throws {
        let binds: [SQLiteData] = [
            .text(app.id), .text(app.name), .text(app.consumerKey), .text(app.consumerSecret), .text(app.accessToken),
            .text(app.accessTokenSecret), .integer(app.createdAt.millisecondsSince1970),
        ]
        try await writer.write { db in
            _ = try await db.query(
                """
                INSERT INTO apps (id, name, consumer_key, consumer_secret, access_token, access_token_secret, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, binds)
        }
    }

    public func app(id: String) async throws -> SiteApp? {
        try await query("SELECT * FROM apps WHERE id = ?", [.text(id)]).first?.siteApp()
    }

    public func app(consumerKey: String) async throws -> SiteApp? {
        try await query("SELECT * FROM apps WHERE consumer_key = ?", [.text(consumerKey)]).first?.siteApp()
    }

    public func apps() async throws -> [SiteApp] {
        try await query("SELECT * FROM apps ORDER BY created_at, id").map { try $0.siteApp() }
    }

    public func grant(appID: String, userID: Int64, at date: Date) async throws -> Bool {
        return try await write { db in
            let rows = try await db.query(
                """
                INSERT OR IGNORE INTO app_grants (app_id, user_id, granted_at)
                SELECT a.id, u.id, ? FROM apps a, users u WHERE a.id = ? AND u.id = ?
                RETURNING user_id
                """, [.integer(date.millisecondsSince1970), .text(appID), .integer(Int(userID))])
            let exists = try await db.query(
                "SELECT 1 FROM app_grants WHERE app_id = ? AND user_id = ?", [.text(appID), .integer(Int(userID))])
            return !rows.isEmpty || !exists.isEmpty
        }
    }

    public func revokeGrant(appID: String, userID: Int64) async throws -> Bool {
        return try await write { db in
            try await !db.query(
                "DELETE FROM app_grants WHERE app_id = ? AND user_id = ? RETURNING user_id", [.text(appID), .integer(Int(userID))]
            ).isEmpty
        }
    }

    public func grants(appID: String, after afterUserID: Int64, limit: Int) async throws -> [Int64] {
        try await query(
            "SELECT user_id FROM app_grants WHERE app_id = ? AND user_id > ? ORDER BY user_id LIMIT ?",
            [.text(appID), .integer(Int(afterUserID)), .integer(limit)]
        ).map { try $0.int64("user_id") }
    }

    public func grantedUsers(appID: String, among userIDs: Set<Int64>) async throws -> Set<Int64> {
        guard !userIDs.isEmpty else { return [] }
        return Set(
            try await selectIn(
                "SELECT user_id FROM app_grants WHERE app_id = ? AND user_id IN (%@)", leading: [.text(appID)], ids: userIDs
            ).map { try $0.int64("user_id") })
    }
}
