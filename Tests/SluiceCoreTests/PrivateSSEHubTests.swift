import Foundation
import SluiceCore
import SluiceTestSupport
import Testing

@Suite struct PrivateSSEHubTests {
    func subscription(_ hub: PrivateSSEHub, key: String = "key_a", keywords: String = "swift") throws -> PrivateSSESubscription {
        PrivateSSESubscription(
            id: hub.makeSubscriptionID(), keyID: key, spec: try FilterSpec.parse(["keywords": keywords]), eventNames: true,
            limits: .init(maxConnections: 3, eventsPerSecond: 100, tokensPerHour: 10, idleTimeoutSeconds: 60), expiresAt: .infinity,
            outboxLimit: 1 << 20, now: 0, wake: {})
    }

    func dispatch(_ hub: PrivateSSEHub, _ seq: Int64, _ text: String) throws {
        let event = Event.tweet(Fixtures.tweet(seq, by: Fixtures.user(1), text: text))
        hub.dispatch(sequence: seq, message: try PrivateSSEMessage(event, sequence: seq), isPublic: true, now: 0)
    }

    func frames(_ s: PrivateSSESubscription) -> [String] {
        guard case .frames(let frames)? = s.outbox.take() else { return [] }
        return frames.map { String(buffer: $0) }
    }

    @Test func registrationOnlySucceedsAtTheHubsPosition() throws {
        let hub = PrivateSSEHub(position: 10)
        let s = try subscription(hub)
        #expect(hub.register(s, at: 7) == 10, "behind: replay up to 10 first")
        try dispatch(hub, 11, "swift one")
        #expect(frames(s).isEmpty, "not registered yet")
        #expect(hub.register(s, at: 10) == 11)
        #expect(hub.register(s, at: 11) == nil)
        try dispatch(hub, 12, "swift two")
        try dispatch(hub, 13, "rust")
        #expect(frames(s).map { $0.contains("id: 12") } == [true])
    }

    @Test func aRevokedKeyCannotRegisterLater() throws {
        let hub = PrivateSSEHub(position: 0)
        let early = try subscription(hub)
        #expect(hub.register(early, at: 0) == nil)
        hub.close(keyID: "key_a", reason: .keyRevoked)
        #expect(early.outbox.isClosed)
        let late = try subscription(hub)
        #expect(hub.register(late, at: 0) == nil)
        #expect(late.outbox.isClosed, "admitted before the revocation, closed at registration")
        guard case .end(let reason, _)? = late.outbox.take() else {
            Issue.record("no end")
            return
        }
        #expect(reason == .keyRevoked)
        let other = try subscription(hub, key: "key_b")
        #expect(hub.register(other, at: 0) == nil)
        #expect(!other.outbox.isClosed)
    }

    /// The operator's list and close (`DELETE /v1/admin/connections/{id}`): one stream ends, with the
    /// `disconnected` status `closed_by_operator`; the others go on; deliveries are counted per stream.
    @Test func anOperatorClosesOneStreamAndItsClientIsToldWhy() throws {
        let hub = PrivateSSEHub(position: 0)
        let closing = try subscription(hub)
        let staying = try subscription(hub, keywords: "rust")
        #expect(hub.register(closing, at: 0) == nil && hub.register(staying, at: 0) == nil)
        try dispatch(hub, 1, "swift one")
        try dispatch(hub, 2, "swift two")
        #expect(closing.deliveries.delivered == 2 && staying.deliveries.delivered == 0)
        #expect(closing.deliveries.lastDelivery != nil && staying.deliveries.lastDelivery == nil)
        #expect(Set(hub.openSubscriptions.map(\.connectionID)) == [closing.connectionID, staying.connectionID])
        #expect(!hub.close(connectionID: "conn_unknown"))
        #expect(hub.close(connectionID: closing.connectionID))
        #expect(frames(closing).count == 2, "what was queued is still delivered")
        guard case .end(let reason, let farewell)? = closing.outbox.take() else {
            Issue.record("no end")
            return
        }
        #expect(reason == .closedByOperator)
        let status = String(buffer: try #require(farewell))
        #expect(status.contains(#""status":"disconnected""#) && status.contains(#""reason":"closed_by_operator""#))
        #expect(!staying.outbox.isClosed)
    }

    /// A resuming stream replays before it registers, for as long as its reader makes it: the operator
    /// sees it and closes it all the same, and it receives no live event meanwhile.
    @Test func aStreamStillReplayingIsListedAndClosable() throws {
        let hub = PrivateSSEHub(position: 5)
        let replaying = try subscription(hub)
        hub.track(replaying)
        try dispatch(hub, 6, "swift live")
        #expect(frames(replaying).isEmpty, "not registered: the live flow waits for the replay")
        #expect(hub.openSubscriptions.map(\.connectionID) == [replaying.connectionID])
        #expect(hub.close(connectionID: replaying.connectionID))
        guard case .end(let reason, _)? = replaying.outbox.take() else {
            Issue.record("no end")
            return
        }
        #expect(reason == .closedByOperator)
        hub.remove(replaying)
        #expect(hub.openSubscriptions.isEmpty)
    }

    /// A log that moved backwards: every stream ends with `log_rewound`, the replay memory (of events
    /// the log no longer holds) is forgotten, and a replay that began before cannot join after.
    @Test func aRewindClosesEveryStreamAndRefusesReplaysThatBeganBefore() throws {
        let hub = PrivateSSEHub(position: 0)
        let live = try subscription(hub)
        #expect(hub.register(live, at: 0) == nil)
        for seq in 1...5 { try dispatch(hub, Int64(seq), "swift \(seq)") }
        let replaying = try subscription(hub)
        let rewindsSeen = hub.rewinds
        hub.rewind(to: 3, closing: .logRewound)
        #expect(hub.position == 3)
        #expect(hub.rewinds == rewindsSeen + 1)
        #expect(live.outbox.isClosed)
        #expect(hub.recentMessages(after: 0, limit: 10) == nil, "the messages of the lost log are forgotten")
        #expect(hub.register(replaying, at: 3, rewinds: rewindsSeen) == nil)
        guard case .end(let reason, _)? = replaying.outbox.take() else {
            Issue.record("the late replay was not ended")
            return
        }
        #expect(reason == .logRewound)
        let fresh = try subscription(hub)
        #expect(hub.register(fresh, at: 3, rewinds: hub.rewinds) == nil)
        #expect(!fresh.outbox.isClosed)
    }

    @Test func eachFrameIsEncodedOnceAndShared() throws {
        let hub = PrivateSSEHub(position: 0)
        let a = try subscription(hub), b = try subscription(hub)
        _ = hub.register(a, at: 0)
        _ = hub.register(b, at: 0)
        try dispatch(hub, 1, "swift")
        guard case .frames(let fa)? = a.outbox.take(), case .frames(let fb)? = b.outbox.take() else {
            Issue.record("no frames")
            return
        }
        // The same storage: a ByteBuffer copy shares it until written to.
        fa[0].withUnsafeReadableBytes { pa in
            fb[0].withUnsafeReadableBytes { pb in #expect(pa.baseAddress == pb.baseAddress) }
        }
    }
}
