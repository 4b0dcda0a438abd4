import Foundation
import SluiceCore

/// Site Streams applications and the users who granted each access.
public protocol SiteApps: Sendable {
    func createApp(_ app: SiteApp) async throws
    func app(id: String) async throws -> SiteApp?
    /// The app whose consumer key this is.
    func app(consumerKey: String) async throws -> SiteApp?
    func apps() async throws -> [SiteApp]
    /// Records that `userID` authorized the app. False if the app or the user does not exist.
    func grant(appID: String, userID: Int64, at date: Date) async throws -> Bool
    /// Removes the grant; false if there was none.
    func revokeGrant(appID: String, userID: Int64) async throws -> Bool
    /// Every user who granted the app access, in id order, at most `limit` after `afterUserID`.
    func grants(appID: String, after afterUserID: Int64, limit: Int) async throws -> [Int64]
    /// The users among `userIDs` who granted the app access.
    func grantedUsers(appID: String, among userIDs: Set<Int64>) async throws -> Set<Int64>
}
