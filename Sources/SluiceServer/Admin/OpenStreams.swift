import Foundation
import SluiceAPI
import SluiceCore

/// The streams open on this node, as the operator sees them: listed, and closed one at a time with
/// the reason each API gives its clients (`disconnected` status `closed_by_operator`; `disconnect`
/// code 3).
struct OpenStreams: Sendable {
    let hub: PrivateSSEHub
    let siteHub: SiteStreamHub
    let node: String
    /// How many of a Site Streams connection's users the list names.
    static let usersListed = 20

    func list(now: Date = Date()) -> [ConnectionDescription] {
        let privateStreams = hub.openSubscriptions.map { subscription in
            describe(
                api: "private_sse", id: subscription.connectionID, deliveries: subscription.deliveries, queued: subscription.outbox.queuedBytes,
                now: now, keyID: subscription.keyID, filters: .object(subscription.spec.summary))
        }
        let siteStreams = siteHub.openConnections.map { open in
            describe(
                api: "site_streams", id: open.connection.id, deliveries: open.connection.deliveries, queued: open.connection.outbox.queuedBytes,
                now: now, appID: open.connection.appID, userCount: open.users.count, users: Array(open.users.sorted().prefix(Self.usersListed)))
        }
        return (privateStreams + siteStreams).sorted { ($0.openedAt, $0.id) < ($1.openedAt, $1.id) }
    }

    private func describe(
        api: String, id: String, deliveries: borrowing DeliveryRecord, queued: Int, now: Date, keyID: String? = nil, appID: String? = nil,
        filters: JSONValue? = nil, userCount: Int? = nil, users: [Int64]? = nil
    ) -> ConnectionDescription {
        ConnectionDescription(
            api: api, id: id, node: node, keyID: keyID, appID: appID, filters: filters, userCount: userCount, users: users,
            openedAt: Timestamp.format(deliveries.openedAt), ageSeconds: max(0, Int(now.timeIntervalSince(deliveries.openedAt))),
            delivered: deliveries.delivered, queuedBytes: queued, lastDeliveryAt: deliveries.lastDelivery.map(Timestamp.format))
    }

    /// Closes the stream `id` if it is open here.
    func close(id: String) -> Bool {
        hub.close(connectionID: id) || siteHub.close(streamID: id)
    }
}
