import Foundation
import SluiceCore
import SluiceTestSupport
import Testing

/// A grant revoked between reading the grants and attaching the users keeps the user off the stream.
@Suite struct RevocationLogTests {
    static func hub() -> SiteStreamHub {
        SiteStreamHub(truth: SocialTruth(SocialState(users: [Fixtures.user(1), Fixtures.user(2)], follows: [], blocks: [], position: 0)))
    }

    static func connection(_ id: String = "s1") -> SiteStreamConnection {
        SiteStreamConnection(
            id: id, appID: "app", options: .init(), stringifyFriendIDs: false, format: .newline, stallWarnings: false, outboxLimit: 1 << 20,
            wake: {})
    }

    static func carried(_ hub: SiteStreamHub, _ stream: String = "s1") throws -> [Int64] {
        try hub.info(stream, appID: "app").users.map(\.id)
    }

    @Test func aRevocationAfterTheMarkKeepsTheUserOffAConnect() throws {
        let hub = Self.hub()
        let mark = hub.revocationMark()
        // The grants were read (both granted); then user 1 revokes before the stream opens.
        hub.revoke(appID: "app", appName: "app", user: 1, now: Date())
        hub.open(Self.connection(), users: [1, 2], checkedSince: mark)
        #expect(try Self.carried(hub) == [2])
    }

    @Test func aRevocationAfterTheMarkKeepsTheUserOffAnAddUser() throws {
        let hub = Self.hub()
        hub.open(Self.connection(), users: [2], checkedSince: hub.revocationMark())
        let mark = hub.revocationMark()
        hub.revoke(appID: "app", appName: "app", user: 1, now: Date())
        try hub.addUsers([1], to: "s1", appID: "app", checkedSince: mark)
        #expect(try Self.carried(hub) == [2])
    }

    @Test func revocationsBeforeTheMarkOrOfOtherAppsDoNotCount() throws {
        let hub = Self.hub()
        hub.revoke(appID: "app", appName: "app", user: 1, now: Date())
        hub.revoke(appID: "other", appName: "other", user: 2, now: Date())
        // Granted again after that revocation, then read: the user is attached.
        let mark = hub.revocationMark()
        hub.open(Self.connection(), users: [1, 2], checkedSince: mark)
        #expect(try Self.carried(hub) == [1, 2])
    }

    @Test func aMarkOlderThanTheRetentionRefusesRatherThanRisks() {
        var log = RevocationLog(retention: 60)
        let start = Date(timeIntervalSince1970: 1_000_000)
        let mark = log.mark(at: start)
        log.record(app: "app", user: 9, at: start.addingTimeInterval(1))
        #expect(log.revoked(app: "app", user: 9, since: mark, now: start.addingTimeInterval(2)))
        #expect(!log.revoked(app: "app", user: 8, since: mark, now: start.addingTimeInterval(2)))
        #expect(log.revoked(app: "app", user: 8, since: mark, now: start.addingTimeInterval(61)), "too old to tell: refused")
    }
}
