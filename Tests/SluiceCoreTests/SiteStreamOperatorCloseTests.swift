import Foundation
import SluiceCore
import SluiceTestSupport
import Testing

/// The operator's list and close of Site Streams connections (`DELETE /v1/admin/connections/{id}`).
@Suite struct SiteStreamOperatorCloseTests {
    @Test func anOperatorClosesOneConnectionWithDisconnectCode3() throws {
        let hub = RevocationLogTests.hub()
        let closing = RevocationLogTests.connection("s1")
        let staying = RevocationLogTests.connection("s2")
        hub.open(closing, users: [1, 2], checkedSince: hub.revocationMark())
        hub.open(staying, users: [2], checkedSince: hub.revocationMark())
        let listed = Dictionary(uniqueKeysWithValues: hub.openConnections.map { ($0.connection.id, $0.users) })
        #expect(listed == ["s1": [1, 2], "s2": [2]])

        // A tweet by user 1 reaches the stream carrying user 1 (its author's own stream): one delivery.
        let tweet = Fixtures.tweet(10, by: Fixtures.user(1), text: "hello")
        hub.dispatch(.tweet(tweet), sequence: 1, acceptedAt: Date(), tweets: [:])
        #expect(closing.deliveries.delivered == 1 && staying.deliveries.delivered == 0)

        #expect(!hub.close(streamID: "s9"))
        #expect(hub.close(streamID: "s1"))
        _ = closing.outbox.take()
        guard case .end(let reason, let farewell)? = closing.outbox.take() else {
            Issue.record("no end")
            return
        }
        #expect(reason == .closedByOperator)
        let message = try JSONDecoder().decode(
            JSONValue.self, from: Data(String(buffer: try #require(farewell)).trimmingCharacters(in: .whitespacesAndNewlines).utf8))
        #expect(message["disconnect"]?["code"] == .int(3))
        #expect(message["disconnect"]?["stream_name"] == .string("site"))
        #expect(!staying.outbox.isClosed)
    }
}
