import Foundation
import Logging
import SluiceCore
import SluiceStore
import SluiceTestSupport
import Testing

/// The behaviour every `Store` must have. Each test runs against every store kind in `StoreKind`.
@Suite struct StoreContractTests {
    enum StoreKind: String, CaseIterable, CustomTestStringConvertible {
        case sqlite
        /// Runs when `SLUICE_TEST_POSTGRES_URL` names a server (`scripts/test` starts one).
        case postgres
        var testDescription: String { rawValue }

        static var allCases: [StoreKind] { TestDatabase.serverURL == nil ? [.sqlite] : [.sqlite, .postgres] }

        /// Opens a new store, or the one at `location` again.
        func open(at location: String? = nil) async throws -> (any Store, String) {
            switch self {
            case .sqlite:
                let path = location ?? Fixtures.temporaryDatabasePath()
                return (try await SQLiteStore.open(path: path, logger: Logger(label: "test")), path)
            case .postgres:
                let url: String
                if let location { url = location } else { url = try await TestDatabase.create() }
                // The contract is about outcomes, not speed: a machine loaded by the rest of the suite may
                // keep a dozen racing transactions past the production deadline of 5 s.
                return (try await PostgresStore.open(try PostgresLocation(url), operationDeadline: .seconds(60), logger: Logger(label: "test")), url)
            }
        }
    }

    func withStore(_ kind: StoreKind, _ body: (any Store) async throws -> Void) async throws {
        let (store, _) = try await kind.open()
        do {
            try await body(store)
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }

    @Test(arguments: StoreKind.allCases)
    func appendAssignsConsecutiveSequencesAndReadsBackInOrder(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            #expect(try await store.lastSequence() == 0)
            let events = Fixtures.everyKind()
            let range = try await store.append(events)
            #expect(range == 1...Int64(events.count))
            let more = try await store.append([.userUpdate(Fixtures.user(50))])
            #expect(more == Int64(events.count + 1)...Int64(events.count + 1))
            let stored = try await store.events(after: 0, limit: 100)
            #expect(stored.map(\.sequence) == Array(1...Int64(events.count + 1)))
            #expect(try stored.map { try $0.decoded() } == events + [.userUpdate(Fixtures.user(50))])
            #expect(try await store.events(after: 3, limit: 2).map(\.sequence) == [4, 5])
            #expect(try await store.events(after: 1000, limit: 10).isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func rejectedBatchStoresNothing(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            _ = try await store.append([.userUpdate(Fixtures.user(1))])
            let bad: [Event] = [
                .userUpdate(Fixtures.user(2)), .tweet(Fixtures.tweet(10, by: Fixtures.user(2))),
                .follow(.init(sourceID: 2, targetID: 404)),
            ]
            await #expect(throws: StoreError.rejected(.init(index: 2, code: .unknownReference, message: "data.target_id: unknown user 404"))) {
                try await store.append(bad)
            }
            #expect(try await store.lastSequence() == 1)
            #expect(try await store.user(id: 2) == nil)
            // The tweet id was not taken by the refused batch.
            let ok = try await store.append([.userUpdate(Fixtures.user(2)), .tweet(Fixtures.tweet(10, by: Fixtures.user(2)))])
            #expect(ok == 2...3)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func duplicateTweetIdIsRefusedAcrossBatches(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let alice = Fixtures.user(1)
            _ = try await store.append([.tweet(Fixtures.tweet(10, by: alice))])
            await #expect(throws: StoreError.rejected(.init(index: 0, code: .duplicateID, message: "data.id: tweet 10 already exists"))) {
                try await store.append([.tweet(Fixtures.tweet(10, by: alice))])
            }
            #expect(try await store.lastSequence() == 1)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func concurrentAppendsGetDisjointGapFreeRanges(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            _ = try await store.append([.userUpdate(Fixtures.user(1))])
            let ranges = try await withThrowingTaskGroup(of: ClosedRange<Int64>.self) { group in
                for client in 0..<20 {
                    group.addTask {
                        var mine: [ClosedRange<Int64>] = []
                        for n in 0..<10 {
                            let size = 1 + (client + n) % 5
                            let events = (0..<size).map { i in
                                Event.tweet(Fixtures.tweet(Int64(client * 10_000 + n * 100 + i + 100), by: Fixtures.user(1)))
                            }
                            mine.append(try await store.append(events))
                        }
                        return mine.first!.lowerBound...mine.last!.upperBound
                    }
                }
                var all: [ClosedRange<Int64>] = []
                for try await r in group { all.append(r) }
                return all
            }
            #expect(ranges.count == 20)
            let total = try await store.lastSequence()
            let log = try await store.events(after: 1, limit: 10_000)
            #expect(log.map(\.sequence) == Array(2...total), "gap-free")
            #expect(Set(log.map { try! $0.decoded() }).count == log.count, "no duplicates")
        }
    }

    /// Decodes an event as ingest does, from a producer's JSON (where fields may be missing).
    static func event(_ json: String) throws -> Event {
        try JSONDecoder().decode(Event.self, from: Data(json.utf8))
    }

    /// README, "Partial profiles": a missing field keeps its value; a new account without `protected` is
    /// protected; a tweet's embedded user never changes `protected` or `verified` of a known account.
    @Test(arguments: StoreKind.allCases)
    func profilesAreResolvedAtIngestAndTweetsNeverLoosenThem(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            _ = try await store.append([
                try Self.event(
                    #"{"type":"user_update","data":{"id":1,"username":"bob","name":"Bob","protected":true,"verified":true,"description":"hi"}}"#),
                try Self.event(#"{"type":"user_update","data":{"id":2,"username":"newcomer"}}"#),
            ])
            // A tweet whose user says public and unverified, with a new name; a profile update that leaves
            // protected out; a new account first seen in a tweet.
            _ = try await store.append([
                try Self.event(
                    #"{"type":"tweet","data":{"id":10,"text":"t","created_at":"2024-01-01T12:00:00Z","user":{"id":1,"username":"bob","name":"Bobby","protected":false,"verified":false}}}"#
                ),
                try Self.event(#"{"type":"user_update","data":{"id":1,"username":"bob","followers_count":7}}"#),
                try Self.event(
                    #"{"type":"tweet","data":{"id":11,"text":"t","created_at":"2024-01-01T12:00:00Z","user":{"id":3,"username":"carol"}}}"#),
            ])
            let bob = try #require(try await store.user(id: 1))
            #expect(bob.protected && bob.verified, "only a user_update changes protected and verified")
            #expect(bob.name == "Bobby" && bob.followersCount == 7 && bob.description == "hi", "display fields refresh; missing ones are kept")
            #expect(try await store.user(id: 2)?.protected == true, "a new account without protected is protected")
            #expect(try await store.user(id: 3)?.protected == true, "also when first seen in a tweet")
            // The log holds the resolved profile, so a replay or a restart reads the same decision.
            let stored = try await store.events(after: 0, limit: 10).map { try $0.decoded() }
            guard case .tweet(let tweet) = stored[2] else {
                Issue.record("not a tweet")
                return
            }
            #expect(tweet.user.protected && tweet.user.verified && tweet.user.name == "Bobby")
            #expect(try await store.socialGraph().users.first { $0.id == 1 } == bob)
        }
    }

    /// A tweet's author, what it retweets, whether it is deleted as of a log position (a deletion later
    /// in the log than the position asked about is not reported yet), and whether its author was
    /// protected when it was posted (README: such a tweet stays protected even after the account goes
    /// public).
    @Test(arguments: StoreKind.allCases)
    func tweetStatesGiveAuthorRetweetLivenessAndProtectionAtPosting(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let alice = Fixtures.user(1), carol = Fixtures.user(3, protected: true)
            var retweet = Fixtures.tweet(22, by: alice)
            retweet.retweetedStatusID = 21
            var carolPublic = carol
            carolPublic.protected = false
            let range = try await store.append([
                .userUpdate(alice), .userUpdate(Fixtures.user(2)), .userUpdate(carol),
                .tweet(Fixtures.tweet(20, by: alice)), .tweet(Fixtures.tweet(21, by: Fixtures.user(2))), .tweet(retweet),
                .tweet(Fixtures.tweet(23, by: carol)), .userUpdate(carolPublic), .tweet(Fixtures.tweet(24, by: carolPublic)),
                .delete(.init(id: 20, userID: 1)),
            ])
            let deletion = range.upperBound
            let after = try await store.tweetStates(ids: [20, 21, 22, 23, 24, 99], asOf: deletion)
            #expect(
                after == [
                    20: .init(authorID: 1, deleted: true, postedWhileProtected: false),
                    21: .init(authorID: 2, deleted: false, postedWhileProtected: false),
                    22: .init(authorID: 1, deleted: false, retweetOf: 21, postedWhileProtected: false),
                    23: .init(authorID: 3, deleted: false, postedWhileProtected: true),
                    24: .init(authorID: 3, deleted: false, postedWhileProtected: false),
                ])
            let before = try await store.tweetStates(ids: [20], asOf: deletion - 1)
            #expect(before == [20: .init(authorID: 1, deleted: false, postedWhileProtected: false)], "the deletion comes later in the log")
            #expect(try await store.tweetStates(ids: [], asOf: deletion).isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func oneBadBatchInAGroupDoesNotSinkTheOthers(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            _ = try await store.append([.userUpdate(Fixtures.user(1))])
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for i in 0..<30 {
                    group.addTask {
                        // Every third batch refers to an unknown user.
                        let event: Event =
                            i % 3 == 0
                            ? .follow(.init(sourceID: 1, targetID: 999))
                            : .tweet(Fixtures.tweet(Int64(500 + i), by: Fixtures.user(1)))
                        return (try? await store.append([event])) != nil
                    }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 20)
            #expect(try await store.lastSequence() == 21)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func usersAndGraphFollowTheLog(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            _ = try await store.append(Fixtures.everyKind())
            // The batch followed, unfollowed, blocked and unblocked: nothing remains.
            #expect(try await store.followers(of: 1).isEmpty)
            #expect(try await store.isBlocking(1, 2) == false)
            _ = try await store.append([
                .follow(.init(sourceID: 2, targetID: 1)), .follow(.init(sourceID: 1, targetID: 2)),
                .userUpdate(Fixtures.user(3)), .follow(.init(sourceID: 3, targetID: 1)),
            ])
            #expect(try await store.followers(of: 1) == [2, 3])
            #expect(try await store.following(of: 1) == [2])
            _ = try await store.append([.block(.init(sourceID: 1, targetID: 2))])
            #expect(try await store.followers(of: 1) == [3], "blocking removes follows both ways")
            #expect(try await store.following(of: 1).isEmpty)
            #expect(try await store.isBlocking(1, 2))

            var renamed = Fixtures.user(3, "carol", followers: 7, protected: true)
            renamed.description = "new bio"
            _ = try await store.append([.userUpdate(renamed)])
            #expect(try await store.user(id: 3) == renamed)
            var viaTweet = renamed
            viaTweet.followersCount = 8
            _ = try await store.append([.tweet(Fixtures.tweet(77, by: viaTweet))])
            #expect(try await store.user(id: 3)?.followersCount == 8, "a tweet's user object updates the user")

            let graph = try await store.socialGraph()
            #expect(graph.sequence == (try await store.lastSequence()), "the graph says which log position it reflects")
            #expect(Set(graph.follows) == [.init(3, 1)])
            #expect(Set(graph.blocks) == [.init(1, 2)])
            #expect(graph.users.first { $0.id == 3 }?.followersCount == 8)
            #expect(Set(graph.users.map(\.id)).isSuperset(of: [1, 2, 3]))
            _ = try await store.append([.delete(.init(id: 77, userID: 3))])
            let tweets = try await store.tweets(ids: [77, 12345])
            #expect(Array(tweets.keys) == [77], "deleted tweets are still found; unknown ids are left out")
            #expect(tweets[77]?.user.followersCount == 8)
        }
    }

    /// Credentials decided in memory (the SQLite store's `CredentialMirror`) are what the tables hold:
    /// after a reopen a spent token stays spent (single use, ever), a revocation stands, an unspent
    /// token is still good, and the hourly window still counts the tokens bought before.
    @Test(arguments: StoreKind.allCases)
    func credentialsSurviveReopening(kind: StoreKind) async throws {
        let (store, path) = try await kind.open()
        let now = store.clock.now().wholeMilliseconds
        let key = APIKey(id: "key_r", name: "r", scopes: [.stream], secretHash: Secret.hash("sk_r"), createdAt: now)
        let gone = APIKey(id: "key_g", name: "g", scopes: [.stream], secretHash: Secret.hash("sk_g"), createdAt: now)
        try await store.createAPIKey(key)
        try await store.createAPIKey(gone)
        func token(_ name: String, _ keyID: String = "key_r") -> StreamToken {
            StreamToken(secretHash: Secret.hash(name), keyID: keyID, createdAt: now, expiresAt: now.addingTimeInterval(3600))
        }
        for name in ["st_spent", "st_kept", "st_third"] { #expect(try await store.issueStreamToken(token(name), limit: 3) == .issued) }
        #expect(try await store.issueStreamToken(token("st_gone", "key_g"), limit: 3) == .issued)
        guard case .consumed = try await store.spendToken(secretHash: Secret.hash("st_spent"), at: now) else {
            Issue.record("a fresh token must be spendable")
            return
        }
        _ = try await store.revokeAPIKey(id: "key_g", at: now)
        try await store.close()

        let (reopened, _) = try await kind.open(at: path)
        #expect(try await reopened.apiKey(secretHash: Secret.hash("sk_r")) == key)
        #expect(try await reopened.apiKey(id: "key_g")?.isRevoked == true)
        #expect(try await reopened.streamToken(secretHash: Secret.hash("st_spent"))?.usedAt != nil)
        #expect(try await reopened.spendToken(secretHash: Secret.hash("st_spent"), at: now) == .alreadyUsed)
        #expect(try await reopened.spendToken(secretHash: Secret.hash("st_gone"), at: now) == .keyRevoked)
        if case .consumed = try await reopened.spendToken(secretHash: Secret.hash("st_kept"), at: now) {
        } else {
            Issue.record("an unspent token must still be good after a reopen")
        }
        // Three bought within the hour, limit 3: the fourth waits.
        guard case .rateLimited = try await reopened.issueStreamToken(token("st_fourth"), limit: 3) else {
            Issue.record("the hourly window must count tokens bought before the reopen")
            return
        }
        try await reopened.close()
    }

    @Test(arguments: StoreKind.allCases)
    func eventsSurviveReopening(kind: StoreKind) async throws {
        let (store, path) = try await kind.open()
        _ = try await store.append(Fixtures.everyKind())
        try await store.close()
        await #expect(throws: StoreError.closed) { try await store.append([.userUpdate(Fixtures.user(9))]) }
        let (reopened, _) = try await kind.open(at: path)
        #expect(try await reopened.lastSequence() == Int64(Fixtures.everyKind().count))
        let next = try await reopened.append([.userUpdate(Fixtures.user(9))])
        #expect(next.lowerBound == Int64(Fixtures.everyKind().count + 1))
        try await reopened.close()
    }

    /// A keyed batch is stored once however often it is sent, concurrently or after the store reopened
    /// (on PostgreSQL, by another node): the others get its range, `replayed`; another request under the
    /// same key is refused; keys of different publishers never meet.
    @Test(arguments: StoreKind.allCases)
    func idempotencyKeysStoreABatchOnce(kind: StoreKind) async throws {
        let (store, location) = try await kind.open()
        _ = try await store.append([.userUpdate(Fixtures.user(1)), .userUpdate(Fixtures.user(2))])
        let follow: [Event] = [.follow(.init(sourceID: 1, targetID: 2))]
        let key = IdempotencyKey(scope: "key_a", key: "k1", fingerprint: "f1")
        // Eight at once: some share a group commit, some come after it.
        let results = try await withThrowingTaskGroup(of: Appended.self) { group in
            for _ in 0..<8 { group.addTask { try await store.append(follow, idempotency: key) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(results.map(\.range)) == [3...3], "one range for all")
        #expect(results.filter { !$0.replayed }.count == 1, "stored by exactly one")
        await #expect(throws: StoreError.idempotencyKeyReused) {
            try await store.append(
                [.follow(.init(sourceID: 2, targetID: 1))], idempotency: IdempotencyKey(scope: "key_a", key: "k1", fingerprint: "f2"))
        }
        let otherPublisher = try await store.append(follow, idempotency: IdempotencyKey(scope: "key_b", key: "k1", fingerprint: "f1"))
        #expect(otherPublisher == Appended(range: 4...4, replayed: false))
        try await store.close()

        let (reopened, _) = try await kind.open(at: location)
        #expect(try await reopened.append(follow, idempotency: key) == Appended(range: 3...3, replayed: true))
        #expect(try await reopened.events(after: 0, limit: 10).count == 4)
        try await reopened.close()
    }

    /// A nonce recorded once stays recorded across a restart until it expires.
    @Test(arguments: StoreKind.allCases)
    func onceKeysOutliveReopening(kind: StoreKind) async throws {
        let (store, location) = try await kind.open()
        let now = Date()
        #expect(try await store.recordOnce("nonce-1", until: now.addingTimeInterval(300), now: now))
        #expect(try await store.recordOnce("nonce-1", until: now.addingTimeInterval(300), now: now) == false)
        try await store.close()
        let (reopened, _) = try await kind.open(at: location)
        #expect(try await reopened.recordOnce("nonce-1", until: now.addingTimeInterval(300), now: now.addingTimeInterval(10)) == false)
        #expect(
            try await reopened.recordOnce("nonce-1", until: now.addingTimeInterval(700), now: now.addingTimeInterval(301)), "expired: usable again")
        try await reopened.close()
    }

    @Test(arguments: StoreKind.allCases)
    func apiKeysAreStoredByHashAndRevocable(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let secret = Secret.generate(prefix: "sk_")
            let key = APIKey(
                id: "key_1", name: "ingester", scopes: [.ingest, .stream], secretHash: Secret.hash(secret),
                limits: .init(maxConnections: 5, eventsPerSecond: 9, tokensPerHour: 11, idleTimeoutSeconds: 60), createdAt: Fixtures.created)
            try await store.createAPIKey(key)
            #expect(try await store.apiKey(secretHash: Secret.hash(secret)) == key)
            #expect(try await store.apiKey(secretHash: Secret.hash("sk_other")) == nil)
            #expect(try await store.apiKeys() == [key])
            let revokedAt = Fixtures.created.addingTimeInterval(60)
            #expect(try await store.revokeAPIKey(id: "key_1", at: revokedAt)?.revokedAt == revokedAt)
            #expect(try await store.revokeAPIKey(id: "key_1", at: revokedAt.addingTimeInterval(60))?.revokedAt == revokedAt)
            #expect(try await store.revokeAPIKey(id: "key_nope", at: revokedAt) == nil)
            #expect(try await store.apiKey(secretHash: Secret.hash(secret))?.isRevoked == true)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aFailingWriteInAGroupFailsAlone(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            // Twenty concurrent creations, two with the same id: exactly one of those two fails.
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for n in 0..<20 {
                    group.addTask {
                        let key = APIKey(
                            id: n < 2 ? "key_same" : "key_\(n)", name: "k\(n)", scopes: [.stream], secretHash: "hash\(n)",
                            createdAt: Fixtures.created)
                        return (try? await store.createAPIKey(key)) != nil
                    }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { !$0 }.count == 1)
            let stored = try await store.apiKeys()
            #expect(stored.count == 19)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func streamTokensAreSingleUseEvenUnderRaces(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let now = Date()
            try await store.keyWithTokens("key_t", hashes: ["th"], at: now)
            let uses = await withTaskGroup(of: TokenUse.self) { group in
                for _ in 0..<10 { group.addTask { (try? await store.spendToken(secretHash: "th", at: now)) ?? .unknown } }
                return await group.reduce(into: [TokenUse]()) { $0.append($1) }
            }
            #expect(uses.filter { if case .consumed = $0 { true } else { false } }.count == 1)
            #expect(uses.filter { $0 == .alreadyUsed }.count == 9)
            #expect(try await store.spendToken(secretHash: "nope", at: now) == .unknown)

            let late = StreamToken(secretHash: "old", keyID: "key_t", createdAt: now, expiresAt: now.addingTimeInterval(1))
            #expect(try await store.issueStreamToken(late, limit: 10) == .issued)
            #expect(try await store.spendToken(secretHash: "old", at: now.addingTimeInterval(2)) == .expired)
            _ = try await store.revokeAPIKey(id: "key_t", at: now)
            let spare = StreamToken(secretHash: "spare", keyID: "key_t", createdAt: now, expiresAt: now.addingTimeInterval(60))
            #expect(try await store.issueStreamToken(spare, limit: 10) == .issued)
            #expect(try await store.spendToken(secretHash: "spare", at: now) == .keyRevoked)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func tokenIssueIsASlidingWindow(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            func token(_ n: Int, at offset: TimeInterval) -> StreamToken {
                StreamToken(
                    secretHash: "h\(n)", keyID: "key_w", createdAt: start.addingTimeInterval(offset), expiresAt: start.addingTimeInterval(90_000))
            }
            for n in 0..<3 {
                let issued = try await store.issueStreamToken(token(n, at: Double(n) * 600), limit: 3)
                #expect(issued == .issued)
            }
            // The 4th, at 40 minutes, waits until the first leaves the hour: 20 minutes.
            #expect(try await store.issueStreamToken(token(3, at: 2400), limit: 3) == .rateLimited(retryAfter: 1200))
            #expect(try await store.issueStreamToken(token(4, at: 3601), limit: 3) == .issued)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func appsAndGrants(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let app = SiteApp.generate(name: "push", now: Fixtures.created)
            try await store.createApp(app)
            #expect(try await store.app(id: app.id) == app)
            #expect(try await store.app(consumerKey: app.consumerKey) == app)
            #expect(try await store.app(consumerKey: "nope") == nil)
            #expect(try await store.apps() == [app])
            _ = try await store.append([.userUpdate(Fixtures.user(1)), .userUpdate(Fixtures.user(2))])

            #expect(try await store.grant(appID: app.id, userID: 1, at: Fixtures.created))
            #expect(try await store.grant(appID: app.id, userID: 1, at: Fixtures.created), "granting twice is fine")
            #expect(try await store.grant(appID: app.id, userID: 99, at: Fixtures.created) == false, "unknown user")
            #expect(try await store.grant(appID: "app_nope", userID: 2, at: Fixtures.created) == false, "unknown app")
            #expect(try await store.grantedUsers(appID: app.id, among: [1, 2, 99]) == [1])
            #expect(try await store.grant(appID: app.id, userID: 2, at: Fixtures.created))
            #expect(try await store.grants(appID: app.id, after: 0, limit: 10) == [1, 2], "every grant, in id order")
            #expect(try await store.grants(appID: app.id, after: 0, limit: 1) == [1], "at most the limit")
            #expect(try await store.grants(appID: app.id, after: 1, limit: 10) == [2], "after the cursor")
            #expect(try await store.grants(appID: "app_nope", after: 0, limit: 10).isEmpty)
            #expect(try await store.revokeGrant(appID: app.id, userID: 2))
            #expect(try await store.revokeGrant(appID: app.id, userID: 1))
            #expect(try await store.revokeGrant(appID: app.id, userID: 1) == false)
            #expect(try await store.grantedUsers(appID: app.id, among: [1, 2]).isEmpty)
        }
    }

    /// A read that starts after a write returned sees it, however many other reads run meanwhile, some
    /// of them holding a snapshot of their own (`socialGraph()` reads in one transaction). A revoked
    /// grant that still reads as present lets an app attach a user who took access back, and a fresh
    /// key that reads as absent refuses its owner.
    @Test(arguments: StoreKind.allCases)
    func readsAfterAWriteSeeItWhileOtherReadsHoldSnapshots(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let app = SiteApp.generate(name: "push", now: Fixtures.created)
            try await store.createApp(app)
            _ = try await store.append((1...20).map { .userUpdate(Fixtures.user($0)) })
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        // Until cancelled; what a read throws once cancelled does not matter.
                        while !Task.isCancelled {
                            _ = try? await store.socialGraph()
                            _ = try? await store.events(after: 0, limit: 50)
                        }
                    }
                }
                defer { group.cancelAll() }
                for round in 0..<150 {
                    let user = Int64(round % 20 + 1)
                    #expect(try await store.grant(appID: app.id, userID: user, at: Fixtures.created))
                    #expect(try await store.grantedUsers(appID: app.id, among: [user]) == [user], "round \(round): a fresh grant reads as absent")
                    #expect(try await store.revokeGrant(appID: app.id, userID: user))
                    let left = try await store.grantedUsers(appID: app.id, among: [user])
                    #expect(left.isEmpty, "round \(round): a revoked grant reads as present")
                    let key = APIKey(id: "key_\(round)", name: "k", scopes: [.stream], secretHash: "hash-\(round)", createdAt: Fixtures.created)
                    try await store.createAPIKey(key)
                    #expect(try await store.apiKey(secretHash: key.secretHash) == key, "round \(round): a fresh key reads as absent")
                    if !left.isEmpty { break }
                }
                group.cancelAll()
                try await group.waitForAll()
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func purgeRemovesOnlyTokensThatCanNoLongerMatter(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.createAPIKey(APIKey(id: "key_p", name: "p", scopes: [.stream], secretHash: "hp", createdAt: Fixtures.created))
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            func token(_ name: String, age: TimeInterval, life: TimeInterval) -> StreamToken {
                StreamToken(secretHash: name, keyID: "key_p", createdAt: now.addingTimeInterval(-age), expiresAt: now.addingTimeInterval(-age + life))
            }
            for t in [
                token("old-spent", age: 7200, life: 86400), token("old-expired", age: 7200, life: 60),
                token("old-unused", age: 7200, life: 86400), token("recent-spent", age: 60, life: 86400),
            ] {
                _ = try await store.issueStreamToken(t, limit: 100)
            }
            _ = try await store.spendToken(secretHash: "old-spent", at: now.addingTimeInterval(-7000))
            _ = try await store.spendToken(secretHash: "recent-spent", at: now.addingTimeInterval(-30))
            #expect(try await store.purgeStreamTokens(before: now) == 2)
            #expect(try await store.streamToken(secretHash: "old-unused") != nil, "still usable")
            #expect(try await store.streamToken(secretHash: "recent-spent") != nil, "still counts towards the hourly limit")
            #expect(try await store.streamToken(secretHash: "old-spent") == nil)
            #expect(try await store.streamToken(secretHash: "old-expired") == nil)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func closingFromACancelledTaskStillCloses(kind: StoreKind) async throws {
        let (store, path) = try await kind.open()
        _ = try await store.append([.userUpdate(Fixtures.user(1))])
        let closing = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await store.close()
        }
        try await closing.value
        await #expect(throws: StoreError.closed) { try await store.lastSequence() }
        // Everything was released: the file opens again, with its data.
        let (reopened, _) = try await kind.open(at: path)
        #expect(try await reopened.lastSequence() == 1)
        try await reopened.close()
    }

    @Test(arguments: StoreKind.allCases)
    func leasesLimitAPoolAndExpireUnlessRenewed(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let now = Date()
            func lease(_ id: String, _ scope: String = "connections:k1", node: String = "a", for seconds: Double = 15) -> Lease {
                Lease(id: id, scope: scope, node: node, expiresAt: now.addingTimeInterval(seconds))
            }
            for i in 0..<3 { #expect(try await store.acquireLease(lease("c\(i)"), limit: 3, now: now)) }
            #expect(try await !store.acquireLease(lease("c3"), limit: 3, now: now), "the pool is full")
            #expect(try await store.acquireLease(lease("x0", "connections:k2"), limit: 3, now: now), "pools are separate")
            #expect(try await store.acquireLease(lease("c1"), limit: 3, now: now), "taking a place one already holds is not a second place")
            #expect(try await store.lease(id: "c1", now: now)?.node == "a")
            try await store.releaseLease(id: "c0")
            #expect(try await store.lease(id: "c0", now: now) == nil)
            #expect(try await store.acquireLease(lease("c3", node: "b", for: 100), limit: 3, now: now), "a released place is free at once")

            // Node a stops renewing: its places free themselves when they expire; b's stays.
            let later = now.addingTimeInterval(20)
            #expect(try await store.lease(id: "c1", now: later) == nil)
            #expect(try await store.acquireLease(lease("c4", node: "b", for: 100), limit: 3, now: later))
            #expect(try await store.acquireLease(lease("c5", node: "b", for: 100), limit: 3, now: later))
            #expect(try await !store.acquireLease(lease("c6", node: "b", for: 100), limit: 3, now: later))

            // A renewed node keeps its places past their first expiry.
            #expect(try await store.acquireLease(lease("y0", "connections:k3", node: "c"), limit: 1, now: now))
            #expect(try await store.renewLeases(["y0"], node: "c", until: now.addingTimeInterval(60), now: now) == ["y0"])
            #expect(try await store.lease(id: "y0", now: later)?.node == "c")
            #expect(try await !store.acquireLease(lease("y1", "connections:k3", node: "d", for: 100), limit: 1, now: later))

            // Who holds places: a, b and c now; once a's expired, b and c (the operator's list asks them).
            #expect(try await store.leaseHolders(now: now) == ["a", "b", "c"])
            #expect(try await store.leaseHolders(now: later) == ["b", "c"])
        }
    }

    /// The fence's half in the store: a renewal renews only the places named, still held by the node,
    /// and unexpired; it reports which, so the node ends the streams of the others.
    @Test(arguments: StoreKind.allCases)
    func renewalReportsThePlacesANodeLost(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let now = Date()
            func lease(_ id: String, node: String, for seconds: Double, from start: Date = now) -> Lease {
                Lease(id: id, scope: "connections:fence", node: node, expiresAt: start.addingTimeInterval(seconds))
            }
            #expect(try await store.acquireLease(lease("a1", node: "a", for: 5), limit: 2, now: now))
            #expect(try await store.acquireLease(lease("a2", node: "a", for: 5), limit: 2, now: now))
            // Node a pauses past its leases; node b takes a place that a held.
            let later = now.addingTimeInterval(10)
            #expect(try await store.acquireLease(lease("b1", node: "b", for: 100, from: later), limit: 2, now: later))
            let renewed = try await store.renewLeases(["a1", "a2", "never-taken", "b1"], node: "a", until: later.addingTimeInterval(5), now: later)
            #expect(renewed.isEmpty, "expired places, places never taken and other nodes' places are not renewed: \(renewed)")
            #expect(try await store.lease(id: "b1", now: later)?.node == "b")
            // A place not named is not renewed, even the node's own: a row whose admission never answered expires.
            #expect(try await store.acquireLease(lease("a3", node: "a", for: 5, from: later), limit: 3, now: later))
            #expect(try await store.acquireLease(lease("a4", node: "a", for: 5, from: later), limit: 3, now: later))
            #expect(try await store.renewLeases(["a3"], node: "a", until: later.addingTimeInterval(60), now: later) == ["a3"])
            #expect(try await store.lease(id: "a4", now: later.addingTimeInterval(30)) == nil)
            #expect(try await store.lease(id: "a3", now: later.addingTimeInterval(30))?.node == "a")
        }
    }

    /// Admission is all or nothing: the token spent and the place taken together; abandoning it gives
    /// both back, and an admission under an abandoned lease id never commits afterwards.
    @Test(arguments: StoreKind.allCases)
    func streamAdmissionSpendsTheTokenAndTakesThePlaceTogether(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let now = Date()
            try await store.keyWithTokens("key_adm", hashes: ["t1", "t2", "t3"], at: now)
            func lease(_ id: String) -> Lease { Lease(id: id, scope: "connections:key_adm", node: "a", expiresAt: now.addingTimeInterval(30)) }
            guard case .admitted(let spent, _) = try await store.admitStream(tokenHash: "t1", lease: lease("l1"), limit: 1, now: now) else {
                Issue.record("the first admission is admitted")
                return
            }
            #expect(spent.usedAt != nil)
            #expect(try await store.admitStream(tokenHash: "t1", lease: lease("l9"), limit: 5, now: now) == .refused(.alreadyUsed))
            #expect(try await store.admitStream(tokenHash: "t2", lease: lease("l2"), limit: 1, now: now) == .full)
            #expect(try await store.streamToken(secretHash: "t2")?.usedAt == nil, "a full pool leaves the token unspent")
            #expect(try await store.admitStream(tokenHash: "nope", lease: lease("l3"), limit: 5, now: now) == .refused(.unknown))
            #expect(try await store.lease(id: "l3", now: now) == nil, "a refused token takes no place")

            // The client left before its stream opened: place and token come back.
            try await store.abandonAdmission(leaseID: "l1", scope: "connections:key_adm", tokenHash: "t1", now: now)
            #expect(try await store.lease(id: "l1", now: now) == nil)
            #expect(try await store.streamToken(secretHash: "t1")?.usedAt == nil)
            // An admission under that id that was still on its way never commits.
            await #expect(throws: StoreError.unavailable("the admission was abandoned")) {
                try await store.admitStream(tokenHash: "t3", lease: lease("l1"), limit: 5, now: now)
            }
            #expect(try await store.streamToken(secretHash: "t3")?.usedAt == nil)
            // Abandoning someone else's admission gives back neither its token nor its place.
            guard case .admitted = try await store.admitStream(tokenHash: "t1", lease: lease("l4"), limit: 1, now: now) else {
                Issue.record("the token given back is usable again")
                return
            }
            try await store.abandonAdmission(leaseID: "l5", scope: "connections:key_adm", tokenHash: "t1", now: now)
            #expect(try await store.streamToken(secretHash: "t1")?.usedAt != nil)
            #expect(try await store.lease(id: "l4", now: now) != nil)
            // Idempotent.
            try await store.abandonAdmission(leaseID: "l5", scope: "connections:key_adm", tokenHash: "t1", now: now)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func racingForTheLastPlacesExactlyTheLimitWins(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let now = Date()
            let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                for i in 0..<12 {
                    group.addTask {
                        try await store.acquireLease(
                            Lease(id: "r\(i)", scope: "connections:race", node: "n\(i % 3)", expiresAt: now.addingTimeInterval(30)), limit: 3,
                            now: now)
                    }
                }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(wins == 3)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func admitIsASlidingWindowPerScope(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let start = Date()
            for i in 0..<3 {
                #expect(try await store.admit(scope: "connects:app", limit: 3, window: 1, at: start.addingTimeInterval(Double(i) * 0.1)) == nil)
            }
            let wait = try await store.admit(scope: "connects:app", limit: 3, window: 1, at: start.addingTimeInterval(0.5))
            #expect(wait.map { abs($0 - 0.5) < 0.01 } == true, "the first attempt leaves the window 0.5 s later: \(String(describing: wait))")
            #expect(try await store.admit(scope: "connects:other", limit: 3, window: 1, at: start.addingTimeInterval(0.5)) == nil)
            #expect(try await store.admit(scope: "connects:app", limit: 3, window: 1, at: start.addingTimeInterval(1.01)) == nil)
            #expect(
                try await store.admit(scope: "connects:app", limit: 3, window: 1, at: start.addingTimeInterval(1.02)) != nil,
                "refused attempts are not counted, admitted ones are")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func recordOnceIsTrueOnceUntilTheRecordExpires(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let now = Date()
            #expect(try await store.recordOnce("nonce-a", until: now.addingTimeInterval(300), now: now))
            #expect(try await !store.recordOnce("nonce-a", until: now.addingTimeInterval(300), now: now.addingTimeInterval(10)), "a replay")
            #expect(try await store.recordOnce("nonce-b", until: now.addingTimeInterval(300), now: now))
            #expect(try await store.recordOnce("nonce-a", until: now.addingTimeInterval(900), now: now.addingTimeInterval(301)), "expired")
            let racers = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<10 { group.addTask { try await store.recordOnce("nonce-race", until: now.addingTimeInterval(60), now: now) } }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(racers == 1)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func purgeExpiredKeepsWhatStillCounts(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let now = Date()
            _ = try await store.acquireLease(
                Lease(id: "old", scope: "s-old", node: "a", expiresAt: now.addingTimeInterval(-1)), limit: 5, now: now.addingTimeInterval(-20))
            _ = try await store.acquireLease(Lease(id: "live", scope: "s", node: "a", expiresAt: now.addingTimeInterval(60)), limit: 5, now: now)
            _ = try await store.recordOnce("spent", until: now.addingTimeInterval(-1), now: now.addingTimeInterval(-100))
            _ = try await store.recordOnce("kept", until: now.addingTimeInterval(60), now: now)
            _ = try await store.admit(scope: "w-old", limit: 5, window: 1, at: now.addingTimeInterval(-7200))
            _ = try await store.admit(scope: "w", limit: 5, window: 1, at: now)
            #expect(try await store.purgeExpired(before: now) == 3)
            #expect(try await store.lease(id: "live", now: now) != nil)
            #expect(try await !store.recordOnce("kept", until: now.addingTimeInterval(60), now: now))
            #expect(try await store.recordOnce("spent", until: now.addingTimeInterval(60), now: now))
        }
    }
}

extension Store {
    /// Creates a stream key `id` and a token (valid a minute) for each of `hashes`.
    func keyWithTokens(_ id: String, hashes: [String], at now: Date) async throws {
        try await createAPIKey(APIKey(id: id, name: id, scopes: [.stream], secretHash: "secret-" + id, createdAt: Fixtures.created))
        for hash in hashes {
            #expect(
                try await issueStreamToken(StreamToken(secretHash: hash, keyID: id, createdAt: now, expiresAt: now.addingTimeInterval(60)), limit: 10)
                    == .issued)
        }
    }

    /// Spends a token the way a stream admission does (`admitStream`), in a pool with room to spare.
    func spendToken(secretHash: String, at date: Date) async throws -> TokenUse {
        let lease = Lease(id: UUID().uuidString, scope: "connections:spend", node: "test", expiresAt: date.addingTimeInterval(60))
        switch try await admitStream(tokenHash: secretHash, lease: lease, limit: .max, now: date) {
        case .admitted(let token, let key): return .consumed(token, key)
        case .refused(let use): return use
        case .full: return .unknown
        }
    }
}
