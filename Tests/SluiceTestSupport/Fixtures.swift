import Foundation
import SluiceCore

/// Small, readable model values for tests.
public enum Fixtures {
    public static let created = Date(timeIntervalSince1970: 1_704_110_400)  // 2024-01-01T12:00:00Z

    public static func user(
        _ id: Int64, _ username: String? = nil, followers: Int = 100, verified: Bool = false, protected: Bool = false
    )
        -> User
    {
        User(
            id: id, username: username ?? "user\(id)", name: "User \(id)", verified: verified, protected: protected,
            followersCount: followers, followingCount: 10)
    }

    public static func tweet(_ id: Int64, by author: User, text: String = "hello #swift world", lang: String? = "en") -> Tweet {
        Tweet(
            id: id, text: text, createdAt: created, user: author, metrics: .init(retweets: 3, likes: 5, replies: 1, quotes: 0),
            geo: .init(place: "Lisbon, Portugal"), lang: lang)
    }

    /// A valid batch exercising every event kind, referring only to what it creates itself.
    public static func everyKind(base: Int64 = 1) -> [Event] {
        let alice = user(base, "alice\(base)", followers: 15000, verified: true)
        let bob = user(base + 1, "bob\(base)")
        let first = tweet(base * 1000 + 1, by: alice, text: "Complete text without truncation #technology @bob\(base) https://example.com")
        var reply = tweet(base * 1000 + 2, by: bob, text: "a reply")
        reply.inReplyToStatusID = first.id
        reply.inReplyToUserID = alice.id
        return [
            .userUpdate(alice), .userUpdate(bob), .tweet(first), .tweet(reply),
            .follow(.init(sourceID: bob.id, targetID: alice.id)),
            .favorite(.init(sourceID: bob.id, tweetID: first.id)),
            .unfavorite(.init(sourceID: bob.id, tweetID: first.id)),
            .directMessage(.init(id: base * 1000 + 3, senderID: alice.id, recipientID: bob.id, text: "psst", createdAt: created)),
            .block(.init(sourceID: alice.id, targetID: bob.id)),
            .unblock(.init(sourceID: alice.id, targetID: bob.id)),
            .unfollow(.init(sourceID: bob.id, targetID: alice.id)),
            .delete(.init(id: reply.id, userID: bob.id)),
        ]
    }

    /// A fresh path in a fresh temporary directory, for an SQLite file.
    public static func temporaryDatabasePath() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-test-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("sluice.db").path
    }
}

/// Waits for `condition` to hold, checking every few milliseconds, or fails after `timeout`.
public func waitUntil(
    timeout: Duration = .seconds(30), _ what: String = "condition", _ condition: @Sendable () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw TimedOut(what: what)
}

public struct TimedOut: Error, CustomStringConvertible {
    public var what: String
    public var description: String { "timed out waiting for \(what)" }
}

/// How many extra seeds the visibility tests' long runs take (`SLUICE_VISIBILITY_SEEDS`; 0 skips them).
public let visibilitySeeds = Int(ProcessInfo.processInfo.environment["SLUICE_VISIBILITY_SEEDS"] ?? "") ?? 0
