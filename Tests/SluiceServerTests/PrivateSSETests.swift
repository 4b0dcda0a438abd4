import Configuration
import Foundation
import Hummingbird
import HummingbirdTesting
import SluiceClient
import SluiceCore
import SluiceTestSupport
import Testing

/// Private SSE against the real server on a real socket.
@Suite struct PrivateSSETests {
    static let author = Fixtures.user(1, "alice", followers: 5000, verified: true)
    static let small = Fixtures.user(2, "bob", followers: 10)
    static let locked = Fixtures.user(3, "carol", followers: 9000, verified: true, protected: true)

    func live(
        _ extra: [AbsoluteConfigKey: ConfigValue] = [:], _ body: @escaping @Sendable (LiveServer) async throws -> Void
    ) async throws {
        let app = try await TestApp.build(extra: extra)
        try await app.test(.live) { client in
            let server = LiveServer(port: client.port!)
            _ = try await server.admin.createKey(name: "warm-up", scopes: ["ingest"])
            try await body(server)
        }
    }

    func tweet(_ id: Int64, _ text: String, by user: User = author, lang: String = "en", retweets: Int = 0) -> Event {
        var t = Fixtures.tweet(id, by: user, text: text, lang: lang)
        t.metrics.retweets = retweets
        return .tweet(t)
    }

    @Test func tokenIsIssuedOnceUsedOnceAndStreamsTheDocumentShape() async throws {
        try await live { server in
            let client = try await server.client(limits: ["events_per_second": 100])
            _ = try await client.publish([.userUpdate(Self.author)])
            let token = try await client.streamToken()
            #expect(token.hasPrefix("st_") && token.count > 40)
            let probe = try await StreamProbe.open("\(server.baseURL)/sse/private?token=\(token)&keywords=swift")
            #expect(probe.status == 200)
            #expect(probe.header("Content-Type")?.hasPrefix("text/event-stream") == true)
            #expect(probe.header("Cache-Control") == "no-cache")
            #expect(probe.header("X-Accel-Buffering") == "no")
            #expect(probe.header("Connection") == "close", "the connection ends with the stream")
            try await probe.connected()
            let first = try #require(probe.statuses.first)
            #expect(first["filters"]?["keywords"] == .array([.string("swift")]))
            #expect(first["limits"]?["events_per_second"] == .int(100))
            #expect(first["limits"]?["max_connections"] == .int(3))

            let id: Int64 = 1_234_567_890_123_456_789
            let longText = "complete #swift text " + String(repeating: "long ", count: 200)
            _ = try await client.publish([tweet(id, longText)])
            try await probe.wait("the tweet") { $0.tweetIDs == [String(id)] }
            let event = try #require(probe.events.first { $0.type == "tweet" })
            let payload = try #require(probe.payloads.first)
            #expect(event.lastEventID == "2", "the SSE id is the log sequence")
            #expect(payload["data"]?["id"] == .string("1234567890123456789"), "ids as strings, as the document shows")
            #expect(payload["data"]?["user"]?["username"] == .string("alice"))
            #expect(payload["data"]?["user"]?["followers_count"] == .int(5000))
            #expect(payload["data"]?["metrics"]?["likes"] == .int(5))
            #expect(payload["data"]?["geo"]?["place"] == .string("Lisbon, Portugal"))
            #expect(payload["data"]?["text"] == .string(longText), "the whole text, never truncated")

            let again = try await StreamProbe.open("\(server.baseURL)/sse/private?token=\(token)")
            #expect(again.status == 401)
            #expect(again.errorCode == "token_used")
            for (query, code) in [("token=st_nope", "invalid_token"), ("keywords=x", "token_required")] {
                let refused = try await StreamProbe.open("\(server.baseURL)/sse/private?\(query)")
                #expect(refused.status == 401)
                #expect(refused.errorCode == code)
            }
        }
    }

    @Test func twoRacingConnectsWithOneTokenExactlyOneWins() async throws {
        try await live { server in
            let client = try await server.client()
            for _ in 0..<5 {
                let token = try await client.streamToken()
                let url = "\(server.baseURL)/sse/private?token=\(token)"
                async let a = StreamProbe.open(url)
                async let b = StreamProbe.open(url)
                let statuses = try await [a.status, b.status].sorted()
                #expect(statuses == [200, 401])
                try await a.close()
                try await b.close()
            }
        }
    }

    @Test func eleventhTokenInAnHourIsRefusedWithRetryAfter() async throws {
        try await live { server in
            let client = try await server.client()
            for _ in 0..<10 { _ = try await client.streamToken() }
            do {
                _ = try await client.streamToken()
                Issue.record("the 11th token was issued")
            } catch let error as SluiceAPIError {
                #expect(error.status == 429)
                #expect(error.code == "token_rate_limited")
                #expect((3000...3600).contains(error.retryAfterSeconds ?? 0))
            }
            let other = try await server.client(limits: ["tokens_per_hour": 2])
            _ = try await other.streamToken()
            _ = try await other.streamToken()
            let third = await #expect(throws: SluiceAPIError.self) { try await other.streamToken() }
            #expect(third?.code == "token_rate_limited", "a per-key limit of two an hour refuses the third")
        }
    }

    @Test func filtersDeliverExactlyTheMatchingPublicTweets() async throws {
        try await live { server in
            let client = try await server.client(limits: ["events_per_second": 1000])
            _ = try await client.publish([.userUpdate(Self.author), .userUpdate(Self.small), .userUpdate(Self.locked)])
            let probe = try await server.stream(client, "keywords=swift,%23rust&min_followers=1000&verified=true&language=en,pt")
            try await probe.connected()
            _ = try await client.publish([
                tweet(10, "I like Swift"),  // match
                tweet(11, "swiftly"),  // miss: not a whole word
                tweet(12, "swift", by: Self.small),  // miss: followers, verified
                tweet(13, "rust is fine"),  // miss: #rust needs the hashtag
                tweet(14, "#Rust is fine", lang: "pt-BR"),  // match
                tweet(15, "swift", lang: "de"),  // miss: language
                tweet(16, "swift secrets", by: Self.locked),  // miss: protected author
                .directMessage(.init(id: 17, senderID: 1, recipientID: 2, text: "swift dm", createdAt: Fixtures.created)),
                .follow(.init(sourceID: 2, targetID: 1)),
                tweet(99, "sentinel swift"),
            ])
            try await probe.wait("the sentinel") { $0.tweetIDs.last == "99" }
            #expect(probe.tweetIDs == ["10", "14", "99"])
            #expect(probe.payloads.allSatisfy { $0["type"] == .string("tweet") })
        }
    }

    @Test func retweetsOfProtectedTweetsAndProtectedProfilesNeverArrive() async throws {
        try await live { server in
            let client = try await server.client(limits: ["events_per_second": 1000])
            _ = try await client.publish([.userUpdate(Self.author), .userUpdate(Self.locked), tweet(20, "private thoughts", by: Self.locked)])
            let probe = try await server.stream(client, "users=alice,carol")
            try await probe.connected()
            var retweet = Fixtures.tweet(21, by: Self.author, text: "RT private thoughts")
            retweet.retweetedStatusID = 20
            var quote = Fixtures.tweet(22, by: Self.author, text: "look at this")
            quote.quotedStatusID = 20
            var publicReply = Fixtures.tweet(23, by: Self.author, text: "replying to myself")
            publicReply.inReplyToStatusID = 99
            var renamed = Self.locked
            renamed.name = "Carol (secret)"
            var alice = Self.author
            alice.name = "Alice Renamed"
            _ = try await client.publish([
                tweet(99, "public"), .tweet(retweet), .tweet(quote), .userUpdate(renamed), .tweet(publicReply), .userUpdate(alice),
            ])
            try await probe.wait("alice's profile update") { $0.payloads.contains { $0["type"] == .string("user") } }
            #expect(probe.tweetIDs == ["99", "23"])
            let users = probe.payloads.filter { $0["type"] == .string("user") }
            #expect(users.count == 1)
            #expect(users.first?["data"]?["name"] == .string("Alice Renamed"))
        }
    }

    @Test func unnamedEventsForOnMessageClients() async throws {
        try await live { server in
            let client = try await server.client()
            _ = try await client.publish([.userUpdate(Self.author)])
            let probe = try await server.stream(client, "event_names=false")
            try await probe.connected()
            _ = try await client.publish([tweet(30, "hello")])
            try await probe.wait("the tweet") { $0.tweetIDs == ["30"] }
            #expect(probe.events.allSatisfy { $0.type == "message" })
        }
    }

    @Test func malformedRequestsAreRefusedWithoutSpendingTheToken() async throws {
        try await live { server in
            let client = try await server.client()
            let token = try await client.streamToken()
            for (query, code) in [
                ("min_followers=abc", "invalid_filter"), ("verified=maybe", "invalid_filter"),
                ("keywords=" + (0..<1000).map { "k\($0)" }.joined(separator: ","), "invalid_filter"),
                ("keywords=" + String(repeating: "a", count: 10_000), "invalid_filter"),
                ("min_follower=5", "unknown_parameter"), ("event_names=nope", "invalid_parameter"),
                ("last_event_id=yesterday", "invalid_parameter"),
            ] {
                let probe = try await StreamProbe.open("\(server.baseURL)/sse/private?token=\(token)&\(query)")
                #expect(probe.status == 400, "\(query.prefix(40))")
                #expect(probe.errorCode == code, "\(query.prefix(40))")
            }
            let ok = try await StreamProbe.open("\(server.baseURL)/sse/private?token=\(token)&keywords=%23swift%2Cai")
            #expect(ok.status == 200, "the token still works")
            try await ok.connected()
            #expect(ok.statuses.first?["filters"]?["keywords"] == .array([.string("#swift"), .string("ai")]), "values are URL-decoded")
        }
    }

    /// A client that leaves while its `Last-Event-ID` replay runs leaves nothing behind in the hub (the
    /// soak test found such streams kept, with every matching event still routed to them).
    @Test func clientsThatLeaveDuringTheirReplayAreForgotten() async throws {
        try await live { server in
            let client = try await server.client(limits: ["tokens_per_hour": 1000, "max_connections": 100])
            _ = try await client.publish([.userUpdate(Self.author)])
            for batch in 0..<6 {
                _ = try await client.publish((0..<100).map { tweet(Int64(1000 + batch * 100 + $0), "replayed #swift") })
            }
            for _ in 0..<20 {
                let stream = try await server.stream(client, "keywords=swift", headers: ["Last-Event-ID": "1"], read: false)
                stream.close()
            }
            try await waitUntil(timeout: .seconds(60), "every stream to leave the hub") {
                MetricsTests.sample(try await MetricsTests.scrape(server), #"sluice_open_connections{api="private_sse"}"#) == 0
            }
        }
    }

    @Test func aFourthConcurrentConnectionIsRefusedUntilOneCloses() async throws {
        try await live { server in
            let client = try await server.client()
            var open: [StreamProbe] = []
            for _ in 0..<3 {
                let probe = try await server.stream(client)
                #expect(probe.status == 200)
                open.append(probe)
            }
            let token = try await client.streamToken()
            let fourth = try await StreamProbe.open("\(server.baseURL)/sse/private?token=\(token)")
            #expect(fourth.status == 429)
            #expect(fourth.errorCode == "too_many_connections")
            #expect(fourth.header("Retry-After") != nil)
            open.removeFirst().close()
            try await waitUntil("a slot to free up") {
                let probe = try await StreamProbe.open("\(server.baseURL)/sse/private?token=\(token)")
                return probe.status == 200
            }
        }
    }

    @Test func eventsPastFivePerSecondAreSkippedAndCounted() async throws {
        try await live { server in
            let client = try await server.client()
            _ = try await client.publish([.userUpdate(Self.author)])
            let probe = try await server.stream(client, "keywords=flood")
            try await probe.connected()
            // One batch arrives at once: the stream's full bucket (5 a second, so a burst of 5) takes the
            // first five, and the other 25 are skipped and counted in one notice, however the notice's
            // once-a-second clock falls.
            _ = try await client.publish((0..<30).map { tweet(Int64(100 + $0), "flood \($0)") })
            try await probe.wait("a limit notice") { $0.statuses.contains { $0["status"] == .string("limit") } }
            #expect(probe.tweetIDs == (100..<105).map(String.init), "the first five, in order")
            let notices = probe.statuses.filter { $0["status"] == .string("limit") }
            #expect(notices.count == 1)
            #expect(notices.first?["skipped"]?.int == 25, "every event is either delivered or counted")
            let metrics = try await MetricsTests.scrape(server)
            #expect(MetricsTests.sample(metrics, #"sluice_events_skipped_rate_limit_total{api="private_sse"}"#) == 25)
        }
    }

    @Test func idleStreamsCloseWithAReason() async throws {
        try await live { server in
            let client = try await server.client(limits: ["idle_timeout_seconds": 1])
            let probe = try await server.stream(client)
            try await probe.wait("the idle close", timeout: .seconds(60)) { $0.ended }
            #expect(probe.statuses.last?["status"] == .string("disconnected"))
            #expect(probe.statuses.last?["reason"] == .string("idle_timeout"))
            #expect(probe.failure == nil, "the body ended with its last chunk, after the notice")
        }
    }

    @Test func expiredTokensAreRefusedAndStreamsEndAtExpiry() async throws {
        // Long enough that a loaded machine still opens the stream before its token expires.
        try await live(["stream.tokenLifetimeSeconds": .init(.int(5), isSecret: false)]) { server in
            let client = try await server.client()
            let stale = try await client.streamToken()
            let probe = try await server.stream(client)
            try await probe.wait("the expiry close", timeout: .seconds(60)) { $0.ended }
            #expect(probe.statuses.last?["reason"] == .string("token_expired"))
            #expect(probe.failure == nil, "the body ended with its last chunk, after the notice")
            let refused = try await StreamProbe.open("\(server.baseURL)/sse/private?token=\(stale)")
            #expect(refused.status == 401)
            #expect(refused.errorCode == "token_expired")
        }
    }

    @Test func revokingAKeyEndsItsStreamsAndTokens() async throws {
        try await live { server in
            let key = try await server.admin.createKey(name: "doomed", scopes: ["stream"])
            let client = SluiceRESTClient(baseURL: server.baseURL, credential: key.key!)
            let spare = try await client.streamToken()
            let probe = try await server.stream(client)
            try await probe.connected()
            _ = try await server.admin.revokeKey(id: key.id)
            try await probe.wait("the revocation close") { $0.ended }
            #expect(probe.statuses.last?["reason"] == .string("key_revoked"))
            #expect(probe.failure == nil, "the body ended with its last chunk, after the notice")
            let refused = try await StreamProbe.open("\(server.baseURL)/sse/private?token=\(spare)")
            #expect(refused.status == 401)
            #expect(refused.errorCode == "key_revoked")
        }
    }

    @Test func aSlowReaderIsDisconnectedWhileAFastReaderKeepsItsStream() async throws {
        try await live(["stream.outboxBytes": .init(.int(256 * 1024), isSecret: false)]) { server in
            let client = try await server.client(limits: ["events_per_second": 100_000])
            _ = try await client.publish([.userUpdate(Self.author)])
            let fast = try await server.stream(client, "keywords=bulk")
            let slow = try await server.stream(client, "keywords=bulk", read: false)
            try await fast.connected()
            let text = "bulk " + String(repeating: "x", count: 20_000)
            // The fast reader paces the publisher: each batch (about 200 KB) fits its outbox, so only
            // a reader that stops reading can fall behind, however loaded the machine running the test.
            // The slow reader starts reading the moment the server counts it cut off, within the grace a
            // cut reader has to learn why: so the reason is checked where a client sees it, on the wire.
            let cut = #"sluice_slow_reader_disconnects_total{api="private_sse"}"#
            for batch in 0..<40 {
                _ = try await client.publish((0..<10).map { tweet(Int64(1000 + batch * 10 + $0), text) })
                try await fast.wait("batch \(batch)", timeout: .seconds(30)) { $0.tweetCount == (batch + 1) * 10 }
                if !slow.isReading, MetricsTests.sample(try await MetricsTests.scrape(server), cut) == 1 { slow.startReading() }
            }
            #expect(fast.tweetIDs == (0..<400).map { String(1000 + $0) }, "in order, none lost")
            #expect(slow.isReading, "400 tweets of 20 KB overflow a 256 KB outbox that nobody reads")
            try await slow.wait("the slow reader's stream to end", timeout: .seconds(30)) { $0.ended }
            #expect(slow.statuses.last?["status"] == .string("disconnected"))
            #expect(slow.statuses.last?["reason"] == .string("slow_reader"))
            #expect(slow.failure == nil, "the body ended with its last chunk, after the notice")
            #expect(slow.tweetIDs.count < 400, "the slow reader was cut off, not buffered without bound")
            #expect(slow.tweetIDs == Array(fast.tweetIDs.prefix(slow.tweetIDs.count)), "what it got came in order, without a gap")
            #expect(MetricsTests.sample(try await MetricsTests.scrape(server), cut) == 1, "one slow reader, counted once")
        }
    }

    /// From the log (no replay memory), from memory, and from both (memory for only the last few events).
    @Test(arguments: [0, 3000, 64 << 20])
    func resumingWithLastEventIDReplaysExactlyWhatWasMissed(replayMemoryBytes: Int) async throws {
        try await live(["stream.replayMemoryBytes": .init(.int(replayMemoryBytes), isSecret: false)]) { server in
            let client = try await server.client(limits: ["events_per_second": 1000])
            _ = try await client.publish([.userUpdate(Self.author)])
            let first = try await server.stream(client, "keywords=news")
            try await first.connected()
            _ = try await client.publish((0..<5).map { tweet(Int64(200 + $0), $0 % 2 == 0 ? "news \($0)" : "other \($0)") })
            try await first.wait("three tweets") { $0.tweetIDs.count == 3 }
            let lastID = try #require(first.events.last { $0.type == "tweet" }?.lastEventID)
            first.close()
            _ = try await client.publish((5..<10).map { tweet(Int64(200 + $0), $0 % 2 == 0 ? "news \($0)" : "other \($0)") })
            // Ingest keeps going while the client catches up.
            let writer = Task {
                for n in 10..<40 { _ = try await client.publish([tweet(Int64(200 + n), n % 2 == 0 ? "news \(n)" : "other \(n)")]) }
            }
            let second = try await server.stream(client, "keywords=news", headers: ["Last-Event-ID": lastID])
            try await writer.value
            try await second.wait("every missed and live tweet") { $0.tweetIDs.last == "238" }
            #expect(second.tweetIDs == stride(from: 206, through: 238, by: 2).map(String.init), "no gap, no duplicate")
            let ids = second.events.filter { $0.type == "tweet" }.compactMap { Int($0.lastEventID) }
            #expect(ids == ids.sorted())

            let future = try await server.stream(client, "keywords=news&last_event_id=999999")
            try await future.wait("the resume notice") { $0.statuses.contains { $0["status"] == .string("resume_ignored") } }
        }
    }

    @Test func resumingPastTheReplayWindowSaysSoThenStreamsLive() async throws {
        // A window of 0 s: every earlier event is too old to replay.
        try await live(["stream.replayWindowSeconds": .init(.int(0), isSecret: false)]) { server in
            let client = try await server.client(limits: ["events_per_second": 1000])
            _ = try await client.publish([.userUpdate(Self.author), tweet(300, "old news")])
            let probe = try await server.stream(client, "keywords=news", headers: ["Last-Event-ID": "1"])
            try await probe.wait("the replay notice") { $0.statuses.contains { $0["status"] == .string("replay_unavailable") } }
            _ = try await client.publish([tweet(301, "fresh news")])
            try await probe.wait("the live tweet") { $0.tweetIDs == ["301"] }
        }
    }
}
