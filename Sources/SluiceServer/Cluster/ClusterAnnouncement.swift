import Foundation
import Logging
import SluiceAPI
import SluiceCore
import SluiceStore

/// What a node tells every other: an administrative change that must act on open streams on every
/// node, not only on the node that took the admin request (without it, a stream on another node would
/// outlive its key's revocation), or its figures of the last second (`StatsSampler`).
enum ClusterAnnouncement: Codable, Sendable, Equatable {
    case keyRevoked(keyID: String)
    case grantRevoked(appID: String, appName: String, userID: Int64)
    case figures(NodeFigures)

    /// Applies the change to this node's open streams. Idempotent: the node that took the request
    /// applies it at once and again when its own announcement comes back.
    func apply(hub: PrivateSSEHub, siteHub: SiteStreamHub) {
        switch self {
        case .keyRevoked(let keyID):
            hub.close(keyID: keyID, reason: .keyRevoked)
        case .grantRevoked(let appID, let appName, let userID):
            siteHub.revoke(appID: appID, appName: appName, user: userID, now: Date())
        case .figures:
            break
        }
    }
}

/// Applies administrative changes here and announces them to the other nodes, if there are any.
struct ClusterAnnouncer: Sendable {
    let bus: (any ClusterBus)?
    let store: any Credentials & SiteApps
    let hub: PrivateSSEHub
    let siteHub: SiteStreamHub
    /// Where the other nodes' figures go.
    let view: ClusterView
    let logger: Logger

    /// Applies `announcement` on this node, then tells the others. The change is already in the
    /// store, so a node that misses the announcement (it was down) refuses new streams anyway; only
    /// streams open on it could miss out, and a node that was down has none.
    func publish(_ announcement: ClusterAnnouncement) async throws {
        announcement.apply(hub: hub, siteHub: siteHub)
        guard let bus else { return }
        try await bus.announce(try JSONCoding.string(announcement))
    }

    /// What another node announced.
    func heard(_ message: String) {
        switch try? JSONDecoder().decode(ClusterAnnouncement.self, from: Data(message.utf8)) {
        case .figures(let figures): view.heard(figures)
        case let announcement?: announcement.apply(hub: hub, siteHub: siteHub)
        case nil: break
        }
    }

    /// Applies every revocation the store holds for the streams open here: what this node would have
    /// heard while it was not listening. Keys that are gone or revoked close their streams; users whose
    /// grant is gone get `access_revoked` and leave the streams that carry them.
    func recheckOpenStreams() async {
        do {
            for keyID in hub.keyIDs {
                let key = try await store.apiKey(id: keyID)
                if key?.isRevoked ?? true { ClusterAnnouncement.keyRevoked(keyID: keyID).apply(hub: hub, siteHub: siteHub) }
            }
            for (appID, users) in siteHub.carriedUsers {
                let granted = try await store.grantedUsers(appID: appID, among: users)
                let revoked = users.subtracting(granted)
                guard !revoked.isEmpty else { continue }
                let name = try await store.app(id: appID)?.name ?? appID
                for user in revoked.sorted() {
                    ClusterAnnouncement.grantRevoked(appID: appID, appName: name, userID: user).apply(hub: hub, siteHub: siteHub)
                }
            }
        } catch {
            logger.error("cannot re-check the open streams' keys and grants", metadata: ["error": "\(error)"])
        }
    }
}
