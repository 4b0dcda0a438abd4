import AsyncHTTPClient
import Configuration
import Foundation
import NIOCore
import SluiceClient
import SluiceCore
import SluiceTestSupport
import Testing

/// Site Streams against the real server on a real socket: OAuth, the wire format, routing, control
/// streams, limits and slow readers.
@Suite struct SiteStreamsTests {
    static let alice = Fixtures.user(1, "alice")
    static let bob = Fixtures.user(2, "bob")
    static let carol = Fixtures.user(3, "carol", protected: true)
    static let dave = Fixtures.user(4, "dave")

    /// A live server with alice, bob, carol (protected) and dave; alice follows bob and carol, bob
    /// follows alice; one app that alice, bob and carol granted access.
    func live(
        _ extra: [AbsoluteConfigKey: ConfigValue] = [:], _ body: @escaping @Sendable (LiveServer, SluiceRESTClient, TestSiteApp) async throws -> Void
    ) async throws {
        let app = try await TestApp.build(extra: extra)
        try await app.test(.live) { client in
            let server = LiveServer(port: client.port!)
            let publisher = try await server.client()
            _ = try await publisher.publish([
                .userUpdate(Self.alice), .userUpdate(Self.bob), .userUpdate(Self.carol), .userUpdate(Self.dave),
                .follow(.init(sourceID: 1, targetID: 2)), .follow(.init(sourceID: 1, targetID: 3)), .follow(.init(sourceID: 2, targetID: 1)),
            ])
            let info = try await server.admin.createApp(name: "test app")
            for user: Int64 in [1, 2, 3] { try await server.admin.grant(appID: info.id, userID: user) }
            try await body(server, publisher, TestSiteApp(info: info, baseURL: server.baseURL))
        }
    }

    func follow(_ ids: [Int64], _ more: [(String, String)] = []) -> [(String, String)] {
        [("follow", ids.map(String.init).joined(separator: ","))] + more
    }

    @Test func controlMessagePreamblesAndWrappedMessagesReachExactlyTheirUsers() async throws {
        try await live { _, publisher, app in
            let stream = try await SiteStreamProbe.open(app.request("GET", "/1.1/site.json", follow([1, 2, 4], [("with", "followings")])))
            #expect(stream.status == 200)
            try await stream.wait("the preambles") { $0.messages.count >= 3 }
            #expect(stream.controlPath?.hasPrefix("/1.1/site/c/") == true, "the first message is the control message")
            #expect(stream.messages(for: 1).first == .object(["friends": .array([.int(2), .int(3)])]))
            #expect(stream.messages(for: 2).first == .object(["friends": .array([.int(1)])]))
            #expect(stream.messages(for: 4).isEmpty, "dave never granted the app access")

            var secret = Fixtures.tweet(101, by: Self.carol, text: "secret for @bob")
            secret.createdAt = Fixtures.created
            _ = try await publisher.publish([
                .tweet(Fixtures.tweet(100, by: Self.bob, text: "hello from bob")),
                .tweet(secret),
                .directMessage(.init(id: 102, senderID: 2, recipientID: 4, text: "psst", createdAt: Fixtures.created)),
                .favorite(.init(sourceID: 1, tweetID: 100)),
                .follow(.init(sourceID: 4, targetID: 1)),
                .delete(.init(id: 100, userID: 2)),
                .tweet(Fixtures.tweet(103, by: Self.dave, text: "dave talks to nobody")),
            ])
            try await stream.wait("alice's deletion notice") { $0.messages(for: 1).contains { $0["delete"] != nil } }
            try await stream.wait("bob's deletion notice") { $0.messages(for: 2).contains { $0["delete"] != nil } }

            func kinds(_ user: Int64) -> [String] {
                stream.messages(for: user).dropFirst().map { message in
                    if case .string(let event)? = message["event"] { return event }
                    if case .string(let id)? = message["id_str"] { return "tweet \(id)" }
                    return message.objectKeys.first ?? "?"
                }
            }
            #expect(kinds(1) == ["tweet 100", "tweet 101", "favorite", "follow", "delete"])
            #expect(kinds(2) == ["tweet 100", "direct_message", "favorite", "delete"], "bob may not see carol's tweet though it mentions him")
            let wrapped = stream.raw.filter { $0.hasPrefix(#"{"for_user":1,"#) }
            #expect(wrapped.allSatisfy { $0.hasPrefix(#"{"for_user":1,"message":{"#) }, "for_user first, no spaces")
            let like = try #require(stream.messages(for: 2).first { $0["event"] == .string("favorite") })
            #expect(like["source"]?["screen_name"] == .string("alice"))
            #expect(like["target_object"]?["id_str"] == .string("100"))
            #expect(stream.messages(for: 1)[1]["user"]?["id_str"] == .string("2"))
        }
    }

    @Test func lengthDelimitedAndEventStreamFormats() async throws {
        try await live { _, publisher, app in
            let length = try await SiteStreamProbe.open(
                app.request("POST", "/1.1/site.json", follow([1], [("delimited", "length"), ("stringify_friend_ids", "true")]), placement: .form),
                lengthPrefixed: true)
            var sseRequest = app.request("GET", "/1.1/site.json", follow([1]))
            sseRequest.headers.add(name: "Accept", value: "text/event-stream")
            let response = try await streamHTTP.execute(sseRequest, deadline: .distantFuture)
            #expect(response.headers.first(name: "Content-Type")?.hasPrefix("text/event-stream") == true)
            let sse = Task {
                var parser = SSEParser()
                var events: [SSEEvent] = []
                for try await chunk in response.body {
                    events += parser.feed(chunk.readableBytesView)
                    if events.contains(where: { $0.data.contains("tweet from bob") }) { return events }
                }
                return events
            }
            try await length.wait("the preamble") { $0.messages.count >= 2 }
            #expect(length.messages(for: 1).first == .object(["friends_str": .array([.string("2"), .string("3")])]))
            _ = try await publisher.publish([.tweet(Fixtures.tweet(200, by: Self.bob, text: "tweet from bob @alice"))])
            try await length.wait("the tweet") { $0.messages(for: 1).count == 2 }
            #expect(length.failure == nil, "every length prefix matched its message")
            let events = try await sse.value
            let tweet = try #require(events.last)
            #expect(Int64(tweet.lastEventID) != nil, "SSE events carry the log's sequence numbers")
            #expect(tweet.data.hasPrefix(#"{"for_user":1,"message":"#))
        }
    }

    @Test func oauthIsCheckedWhereverItsParametersCome() async throws {
        try await live { server, _, app in
            for placement: TestSiteApp.Placement in [.header, .query, .form] {
                let stream = try await SiteStreamProbe.open(
                    app.request(placement == .form ? "POST" : "GET", "/1.1/site.json", follow([1]), placement: placement))
                #expect(stream.status == 200, "oauth parameters in the \(placement)")
                stream.close()
            }
            var wrongSecret = app.signer
            wrongSecret.consumerSecret = "not-the-secret"
            var otherToken = app.signer
            otherToken.token = "12345-someone-else"
            let other = try await server.admin.createApp(name: "other")
            let otherApp = TestSiteApp(info: other, baseURL: server.baseURL).signer
            var tampered = app.request("GET", "/1.1/site.json", follow([1]), placement: .query)
            tampered.url = tampered.url.replacingOccurrences(of: "follow=1", with: "follow=2")
            let stale = app.request("GET", "/1.1/site.json", follow([1]), timestamp: Int(Date().timeIntervalSince1970) - 3600)
            for (what, request) in [
                ("a wrong consumer secret", app.request("GET", "/1.1/site.json", follow([1]), signer: wrongSecret)),
                ("a token other than the owner's", app.request("GET", "/1.1/site.json", follow([1]), signer: otherToken)),
                (
                    "another app's credentials for this one's key",
                    app.request(
                        "GET", "/1.1/site.json", follow([1]),
                        signer: OAuth1Signer(
                            consumerKey: app.info.consumerKey, consumerSecret: otherApp.consumerSecret, token: otherApp.token,
                            tokenSecret: otherApp.tokenSecret))
                ),
                ("a parameter changed after signing", tampered),
                ("a timestamp an hour old", stale),
                ("no credentials", HTTPClientRequest(url: server.baseURL + "/1.1/site.json?follow=1")),
            ] {
                let refused = try await SiteStreamProbe.open(request)
                #expect(refused.status == 401, "\(what)")
                #expect(refused.errorCode == "unauthorized", "\(what)")
            }
            let nonce = UUID().uuidString
            let first = try await SiteStreamProbe.open(app.request("GET", "/1.1/site.json", follow([1]), nonce: nonce))
            #expect(first.status == 200)
            let replayed = try await SiteStreamProbe.open(app.request("GET", "/1.1/site.json", follow([1]), nonce: nonce))
            #expect(replayed.status == 401, "a nonce is good once")
        }
    }

    /// A request signed for `https://…` (as behind a TLS-terminating proxy) sent over plain HTTP with
    /// `X-Forwarded-Proto: https`; returns the status (404 for the unknown stream means "signature accepted").
    static func forwardedStatus(_ app: TestSiteApp, proto: String) async throws -> Int {
        let path = "/1.1/site/c/nosuchstream/info.json"
        let signedURL = app.baseURL.replacingOccurrences(of: "http://", with: "https://") + path
        var request = HTTPClientRequest(url: app.baseURL + path)
        request.headers.add(
            name: "Authorization", value: OAuth1Signer.authorizationHeader(app.signer.oauthParameters(method: "GET", url: signedURL, parameters: [])))
        request.headers.add(name: "X-Forwarded-Proto", value: proto)
        return Int(try await streamHTTP.execute(request, timeout: .seconds(30)).status.code)
    }

    @Test func forwardedProtoIsTrustedOnlyWhenConfigured() async throws {
        try await live { _, _, app in
            let untrusted = try await Self.forwardedStatus(app, proto: "https")
            #expect(untrusted == 401, "off by default: a client could pick the scheme")
        }
        try await live(["http.trustForwardedProto": .init(.bool(true), isSecret: false)]) { _, _, app in
            let trusted = try await Self.forwardedStatus(app, proto: "https")
            #expect(trusted == 404, "signature accepted; the stream is unknown")
            let bogus = try await Self.forwardedStatus(app, proto: "gopher")
            #expect(bogus == 401, "only http and https are taken")
        }
    }

    @Test func badParametersGetTwittersStatusCodes() async throws {
        try await live(["siteStreams.connectsPerSecond": .init(.int(3), isSecret: false)]) { _, _, app in
            let track = try await SiteStreamProbe.open(app.request("GET", "/1.1/site.json", follow([1], [("track", "swift")])))
            #expect(track.status == 406)
            let many = try await SiteStreamProbe.open(app.request("GET", "/1.1/site.json", follow(Array(1...101))))
            #expect(many.status == 413)
            #expect(many.errorCode == "too_many_users")
            for (name, value) in [("with", "everyone"), ("follow", "alice"), ("delimited", "yes"), ("stall_warnings", "maybe"), ("colour", "red")] {
                let bad = try await SiteStreamProbe.open(
                    app.request("GET", "/1.1/site.json", name == "follow" ? [(name, value)] : follow([1], [(name, value)])))
                #expect(bad.status == 400, "\(name)=\(value)")
            }
            let none = try await SiteStreamProbe.open(app.request("GET", "/1.1/site.json", []))
            #expect(none.status == 400)
            // Past 3 new connections within a second (as configured), the app is told to calm down. Each
            // attempt's outcome is checked against the rule, whatever the machine's speed: the server decided
            // at some instant between the attempt's start and its answer, so an attempt is refused only if
            // three admissions could lie within the second before it, and admitted only if three cannot.
            var attempts: [(start: ContinuousClock.Instant, end: ContinuousClock.Instant, status: Int)] = []
            while attempts.count < 60, !attempts.contains(where: { $0.status == 420 }) {
                let start = ContinuousClock.now
                let attempt = try await SiteStreamProbe.open(app.request("GET", "/1.1/site.json", follow([1])))
                attempts.append((start, ContinuousClock.now, attempt.status))
                #expect([200, 420].contains(attempt.status), "\(attempt.status) \(String(describing: attempt.errorBody))")
                if attempt.status == 420 {
                    #expect(attempt.errorCode == "enhance_your_calm")
                    #expect(Int(attempt.retryAfter ?? "").map { $0 >= 1 } == true, "Retry-After: \(attempt.retryAfter ?? "none")")
                }
                attempt.close()
            }
            #expect(attempts.contains { $0.status == 420 }, "a burst of back-to-back connects met the limit")
            #expect(attempts.prefix(3).allSatisfy { $0.status == 200 }, "the first three fit in an empty window")
            for (j, attempt) in attempts.enumerated() {
                let admittedBefore = attempts.prefix(j).filter { $0.status == 200 }
                if attempt.status == 420 {
                    let couldBeInWindow = admittedBefore.filter { attempt.start - $0.end < .seconds(1) }.count
                    #expect(couldBeInWindow >= 3, "attempt \(j) refused with only \(couldBeInWindow) admissions possibly within the second")
                } else {
                    let surelyInWindow = admittedBefore.filter { attempt.end - $0.start < .seconds(1) }.count
                    #expect(surelyInWindow < 3, "attempt \(j) admitted with \(surelyInWindow) admissions surely within the second")
                }
            }
        }
    }

    @Test func controlStreamsAddRemoveAndDescribeUsers() async throws {
        try await live(["siteStreams.maxUsers": .init(.int(3), isSecret: false)]) { server, publisher, app in
            let stream = try await SiteStreamProbe.open(app.request("GET", "/1.1/site.json", follow([1])))
            try await stream.wait("the preamble") { $0.messages.count >= 2 }
            let control = try #require(stream.controlPath)

            let (added, addBody) = try await app.control("POST", control + "/add_user.json", [("user_id", "2,4")])
            #expect(added == 200)
            #expect(addBody?["added"] == .array([.int(2)]), "dave never granted access: skipped")
            try await stream.wait("bob's preamble") { !$0.messages(for: 2).isEmpty }
            #expect(stream.messages(for: 2).first == .object(["friends": .array([.int(1)])]))

            let (infoStatus, info) = try await app.control("GET", control + "/info.json", [])
            #expect(infoStatus == 200)
            let users = info?["info"]?["users"]
            #expect(
                users
                    == .array([
                        .object(["id": .int(1), "id_str": .string("1"), "name": .string("alice"), "dm": .bool(true)]),
                        .object(["id": .int(2), "id_str": .string("2"), "name": .string("bob"), "dm": .bool(true)]),
                    ]))
            #expect(info?["info"]?["with"] == .string("user"))

            let (friendsStatus, friends) = try await app.control("GET", control + "/friends/ids.json", [("user_id", "1")])
            #expect(friendsStatus == 200)
            #expect(friends?["follow"]?["friends"] == .array([.int(2), .int(3)]))
            #expect(friends?["follow"]?["user"]?["screen_name"] == .string("alice"))
            #expect(friends?["follow"]?["user"]?["friends_count"] == .int(2), "the count of the list it pages through")
            let (unknownStatus, unknownBody) = try await app.control("GET", control + "/friends/ids.json", [("user_id", "1"), ("count", "5")])
            #expect(unknownStatus == 400 && unknownBody?["error"]?["code"] == .string("unknown_parameter"), "unknown parameters are refused here too")
            // A body that is not a form cannot be read: refused, never ignored. So is an OAuth parameter RFC 5849 does not define.
            var json = app.request("POST", control + "/add_user.json", [("user_id", "3")])
            json.headers.add(name: "Content-Type", value: "application/json")
            json.body = .bytes(ByteBuffer(string: #"{"user_id":999}"#))
            #expect(try await HTTPClient.shared.execute(json, timeout: .seconds(30)).status.code == 415)
            let (bogusOAuth, bogusBody) = try await app.control("GET", control + "/info.json", [("oauth_bogus", "1")])
            #expect(bogusOAuth == 400 && bogusBody?["error"]?["code"] == .string("unknown_parameter"), "\(String(describing: bogusBody))")
            #expect(friends?["next_cursor"] == .int(0))

            let (removed, _) = try await app.control("POST", control + "/remove_user.json", [("user_id", "2")])
            #expect(removed == 200)
            _ = try await publisher.publish([.tweet(Fixtures.tweet(300, by: Self.bob, text: "bob here, @alice"))])
            try await stream.wait("alice's copy") { $0.messages(for: 1).count == 2 }
            #expect(stream.messages(for: 2).count == 1, "nothing for bob after his removal")

            let (tooMany, _) = try await app.control("POST", control + "/add_user.json", [("user_id", "2,3")])
            #expect(tooMany == 200, "three users fit")
            try await server.admin.grant(appID: app.info.id, userID: 4)
            let (overLimit, overBody) = try await app.control("POST", control + "/add_user.json", [("user_id", "4")])
            #expect(overLimit == 413, "a fourth user passes the configured 3 per connection")
            #expect(overBody?["error"]?["code"] == .string("too_many_users"))
            let (perCall, _) = try await app.control(
                "POST", control + "/add_user.json", [("user_id", (1...101).map(String.init).joined(separator: ","))])
            #expect(perCall == 413)

            let other = TestSiteApp(info: try await server.admin.createApp(name: "other"), baseURL: server.baseURL)
            let (foreign, _) = try await other.control("GET", control + "/info.json", [])
            #expect(foreign == 404, "another app cannot see this stream")
            let (unknown, _) = try await app.control("GET", "/1.1/site/c/nosuchstream/info.json", [])
            #expect(unknown == 404)
            var unsigned = HTTPClientRequest(url: server.baseURL + control + "/info.json")
            unsigned.method = .GET
            #expect(try await streamHTTP.execute(unsigned, timeout: .seconds(30)).status.code == 401)
        }
    }

    @Test func revokingAGrantSendsAccessRevokedAndStopsTheUser() async throws {
        try await live { server, publisher, app in
            let stream = try await SiteStreamProbe.open(app.request("GET", "/1.1/site.json", follow([1, 2])))
            try await stream.wait("the preambles") { $0.messages.count >= 3 }
            try await server.admin.revokeGrant(appID: app.info.id, userID: 2)
            try await stream.wait("access_revoked") { $0.messages(for: 2).contains { $0["event"] == .string("access_revoked") } }
            _ = try await publisher.publish([.tweet(Fixtures.tweet(400, by: Self.bob, text: "bob again @alice"))])
            try await stream.wait("alice's copy") { $0.messages(for: 1).count == 2 }
            #expect(stream.messages(for: 2).count == 2, "the preamble and access_revoked, nothing after")
        }
    }

    @Test func aStalledClientIsWarnedThenCutOffWhileAFastOneKeepsUp() async throws {
        try await live(["stream.outboxBytes": .init(.int(256 * 1024), isSecret: false)]) { server, publisher, app in
            let fast = try await SiteStreamProbe.open(app.request("GET", "/1.1/site.json", follow([2])))
            let slow = try await SiteStreamProbe.open(app.request("GET", "/1.1/site.json", follow([2], [("stall_warnings", "true")])), read: false)
            try await fast.wait("the preamble") { $0.messages.count >= 2 }
            let text = "bulk " + String(repeating: "x", count: 20_000)
            // The fast reader paces the publisher, so only the stalled one can fall behind.
            // Until the stalled one is cut; it then reads again (within the farewell's grace period).
            for batch in 0..<40 {
                _ = try await publisher.publish((0..<10).map { .tweet(Fixtures.tweet(Int64(1000 + batch * 10 + $0), by: Self.bob, text: text)) })
                try await fast.wait("batch \(batch)", timeout: .seconds(30)) { $0.raw.count == 2 + (batch + 1) * 10 }
                let metrics = try await MetricsTests.scrape(server)
                if (MetricsTests.sample(metrics, #"sluice_slow_reader_disconnects_total{api="site_streams"}"#) ?? 0) >= 1 { break }
            }
            slow.startReading()
            try await slow.wait("the stalled stream to end", timeout: .seconds(30)) { $0.ended }
            let messages = slow.messages
            let warning = try #require(messages.first { $0["warning"] != nil }, "a FALLING_BEHIND warning came first")
            #expect(warning["warning"]?["code"] == .string("FALLING_BEHIND"))
            #expect((warning["warning"]?["percent_full"]?.int ?? 0) >= 60)
            #expect(messages.last?["disconnect"]?["code"] == .int(4))
            #expect(messages.count < 402, "cut off, not buffered without bound")
            #expect(!fast.ended)
            let metrics = try await MetricsTests.scrape(server)
            #expect(MetricsTests.sample(metrics, #"sluice_slow_reader_disconnects_total{api="site_streams"}"#) == 1, "one cut, counted once")
            #expect(MetricsTests.sample(metrics, #"sluice_slow_reader_disconnects_total{api="private_sse"}"#) == 0)
            #expect(MetricsTests.sample(metrics, #"sluice_streams_opened_total{api="site_streams"}"#) == 2)
        }
    }
}

extension JSONValue {
    var objectKeys: [String] {
        if case .object(let o) = self { return o.keys.sorted() }
        return []
    }
}
