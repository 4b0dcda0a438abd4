import Foundation
import SluiceBench
import Testing

/// `sluice bench` against a real server: its scenarios set Sluice up through the admin API, and count
/// exactly what the server delivers (a load generator that miscounts would make every figure wrong).
@Suite struct BenchScenarioTests {
    func live(_ body: @escaping @Sendable (SluiceTarget) async throws -> Void) async throws {
        let app = try await TestApp.build()
        try await app.test(.live) { client in
            try await body(SluiceTarget(baseURL: "http://127.0.0.1:\(client.port!)", adminToken: TestApp.adminToken))
        }
    }

    @Test func fanoutDeliversEveryMessageToEveryStreamAndTimesEach() async throws {
        try await live { target in
            let report = try await DeliveryScenario(
                kind: .fanout, target: .sluice(target), connections: 5, rate: 20, duration: 1, sourceAddresses: 1
            ).run(log: { _ in })
            #expect(report.connected == 5)
            #expect(report.published == 20 && report.publishFailures == 0)
            #expect(report.expectedDeliveries == 100)
            #expect(report.deliveries == 100)
            #expect(report.latency.count == 100, "every delivery carried its publish time")
            #expect(report.latency.p50 > 0 && report.latency.p50 <= report.latency.p99)
            #expect(report.closedStreams == 0)
        }
    }

    @Test func filteredDeliversEachMessageOnlyToTheStreamsItMatches() async throws {
        try await live { target in
            let report = try await DeliveryScenario(
                kind: .filtered, target: .sluice(target), connections: 12, rate: 20, duration: 1, matches: 3, sourceAddresses: 1
            ).run(log: { _ in })
            #expect(report.connected == 12)
            #expect(report.expectedDeliveries == report.published * 3)
            #expect(report.deliveries == report.expectedDeliveries, "three streams each, no more, no fewer")
        }
    }

    @Test func siteStreamsDeliverEachTweetToItsAuthorAndFollowersStreams() async throws {
        try await live { target in
            let report = try await SiteStreamsScenario(
                target: target, connections: 2, usersPerConnection: 10, follows: 3, rate: 10, duration: 1, sourceAddresses: 1
            ).run(log: { _ in })
            #expect(report.connected == 2)
            #expect(report.published == 10 && report.publishFailures == 0)
            #expect(report.expectedDeliveries >= 10, "at least each author's own stream")
            #expect(report.deliveries == report.expectedDeliveries, "exactly the author and its followers, per the generated graph")
        }
    }

    @Test func connectCountsAuthenticatedStreamsOpened() async throws {
        try await live { target in
            let report = try await ConnectScenario(target: .sluice(target), lanes: 4, duration: 1, sourceAddresses: 1).run(log: { _ in })
            #expect(report.connects > 0)
            #expect(report.refused == 0, "\(report.firstRefusal ?? "")")
            #expect(report.latency.count == report.connects)
        }
    }

    @Test func replayCountsTheEventsOneConsumerCatchesUpOn() async throws {
        try await live { target in
            let report = try await ReplayScenario(target: target, events: 2000).run(log: { _ in })
            #expect(report.events == 2000)
            #expect(report.received >= 2000)
            #expect(report.eventsPerSecond > 0)
        }
    }

    @Test func filteredRefusesAServerWithoutSluicesFilters() async throws {
        await #expect(throws: BenchError.self) {
            _ = try await DeliveryScenario(
                kind: .filtered, target: .generic(GenericTarget(subscribeURL: "http://127.0.0.1:1/sub", publishURL: nil)), connections: 1,
                rate: 1, duration: 1
            ).run(log: { _ in })
        }
    }
}
