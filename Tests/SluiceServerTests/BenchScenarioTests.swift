import Foundation
import SluiceBench
import SluiceClient
import SluiceCore
import Testing

/// `sluice bench` against a real server: its scenarios set Sluice up through the admin API, and count
/// exactly what the server delivers (a load generator that miscounts would make every figure wrong). The
/// expected figures come from the scenario's parameters and from what the server itself recorded (its log
/// and its metrics), never from the bench's own arithmetic.
@Suite struct BenchScenarioTests {
    func live(_ body: @escaping @Sendable (SluiceTarget, LiveServer) async throws -> Void) async throws {
        let app = try await TestApp.build()
        try await app.test(.live) { client in
            let server = LiveServer(port: client.port!)
            try await body(SluiceTarget(baseURL: server.baseURL, adminToken: TestApp.adminToken), server)
        }
    }

    /// A server-side figure, from `/metrics`.
    func metric(_ server: LiveServer, _ series: String) async throws -> Int {
        Int(try #require(MetricsTests.sample(try await MetricsTests.scrape(server), series)))
    }

    /// Every event in the server's log, read with a key of its own.
    func log(_ server: LiveServer) async throws -> [Event] {
        let reader = SluiceRESTClient(baseURL: server.baseURL, credential: try await server.admin.createKey(name: "audit", scopes: ["read"]).key!)
        var events: [Event] = []
        var cursor: Int64 = 0
        while true {
            let page = try await reader.events(after: cursor, limit: 1000)
            guard !page.events.isEmpty else { return events }
            events += try page.events.map { try $0.decoded() }
            cursor = page.lastSeq
        }
    }

    func tweets(_ events: [Event]) -> [Tweet] {
        events.compactMap { if case .tweet(let t) = $0 { t } else { nil } }
    }

    /// 20 messages a second for a second, to 5 streams: 100 deliveries, as the server counted them too.
    @Test func fanoutDeliversEveryMessageToEveryStreamAndTimesEach() async throws {
        try await live { target, server in
            let report = try await DeliveryScenario(
                kind: .fanout, target: .sluice(target), connections: 5, rate: 20, duration: 1, sourceAddresses: 1
            ).run(log: { _ in })
            #expect(report.connected == 5)
            #expect(report.published == 20 && report.publishFailures == 0)
            #expect(tweets(try await log(server)).count == 20, "the log holds what the bench says it published")
            #expect(report.deliveries == 100)
            #expect(try await metric(server, #"sluice_deliveries_total{api="private_sse"}"#) == 100)
            #expect(report.latency.count == 100, "every delivery carried its publish time")
            #expect(report.latency.p50 > 0 && report.latency.p50 <= report.latency.p99)
            #expect(report.closedStreams == 0)
        }
    }

    /// 12 streams, each message matching 3 of them: 20 messages make 60 deliveries, no more, no fewer.
    @Test func filteredDeliversEachMessageOnlyToTheStreamsItMatches() async throws {
        try await live { target, server in
            let report = try await DeliveryScenario(
                kind: .filtered, target: .sluice(target), connections: 12, rate: 20, duration: 1, matches: 3, sourceAddresses: 1
            ).run(log: { _ in })
            #expect(report.connected == 12)
            #expect(report.published == 20 && report.publishFailures == 0)
            #expect(tweets(try await log(server)).count == 20)
            #expect(report.deliveries == 60, "three streams each")
            #expect(try await metric(server, #"sluice_deliveries_total{api="private_sse"}"#) == 60)
        }
    }

    /// Each tweet is due once on its author's user stream and once on each follower's (`with=followings`),
    /// counted here from the follows and tweets in the server's log.
    @Test func siteStreamsDeliverEachTweetToItsAuthorAndFollowersStreams() async throws {
        try await live { target, server in
            let report = try await SiteStreamsScenario(
                target: target, connections: 2, usersPerConnection: 10, follows: 3, rate: 10, duration: 1, sourceAddresses: 1
            ).run(log: { _ in })
            #expect(report.connected == 2)
            #expect(report.published == 10 && report.publishFailures == 0)
            let events = try await log(server)
            var followers: [Int64: Set<Int64>] = [:]
            var users = Set<Int64>()
            for event in events {
                switch event {
                // The scenario's users are `bench0`, `bench1`…; the Private SSE setup's author is not streamed.
                case .userUpdate(let user) where user.username.wholeMatch(of: /bench[0-9]+/) != nil: users.insert(user.id)
                case .follow(let relation): followers[relation.targetID, default: []].insert(relation.sourceID)
                case .unfollow(let relation): followers[relation.targetID]?.remove(relation.sourceID)
                default: break
                }
            }
            #expect(users.count == 20, "two connections of ten users each carry every user")
            let published = tweets(events)
            #expect(published.count == 10)
            let due = published.reduce(0) { $0 + 1 + (followers[$1.user.id]?.intersection(users).count ?? 0) }
            #expect(due > 10, "the graph has follows")
            #expect(report.deliveries == due, "exactly the author and its followers")
            #expect(try await metric(server, #"sluice_deliveries_total{api="site_streams"}"#) == due)
        }
    }

    /// Each connect buys a token and opens a stream: the server issued exactly as many tokens, and opened
    /// exactly as many streams, as the bench counted connects, and refused none.
    @Test func connectCountsAuthenticatedStreamsOpened() async throws {
        try await live { target, server in
            let report = try await ConnectScenario(target: .sluice(target), lanes: 4, duration: 1, sourceAddresses: 1).run(log: { _ in })
            #expect(report.refused == 0, "\(report.firstRefusal ?? "")")
            #expect(report.connects >= 4, "each of four lanes connected at least once in a second")
            #expect(try await metric(server, #"sluice_stream_tokens_total{result="issued"}"#) == report.connects)
            #expect(try await metric(server, #"sluice_streams_opened_total{api="private_sse"}"#) == report.connects)
            #expect(report.latency.count == report.connects)
        }
    }

    /// 2,000 events replayed, then the sentinel: 2,001 events with log ids, each once and in order;
    /// status notices are not counted as events.
    @Test func replayCountsTheEventsOneConsumerCatchesUpOn() async throws {
        try await live { target, server in
            let report = try await ReplayScenario(target: target, events: 2000).run(log: { _ in })
            #expect(report.events == 2000)
            #expect(tweets(try await log(server)).count == 2001, "the log holds the events and the sentinel")
            #expect(report.received == 2001)
            #expect(report.reordered == 0)
            #expect(report.seconds > 0)
        }
    }

    @Test func filteredRefusesAServerWithoutSluicesFilters() async throws {
        let refusal = await #expect(throws: BenchError.self) {
            _ = try await DeliveryScenario(
                kind: .filtered, target: .generic(GenericTarget(subscribeURL: "http://127.0.0.1:1/sub", publishURL: nil)), connections: 1,
                rate: 1, duration: 1
            ).run(log: { _ in })
        }
        #expect(refusal?.description.contains("filtered needs Sluice's filters") == true, "refused for the reason, not for the unreachable port")
    }
}
