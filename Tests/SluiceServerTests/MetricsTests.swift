import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import SluiceClient
import SluiceCore
import SluiceTestSupport
import Testing

/// `GET /metrics`: Prometheus text whose figures follow what the server did.
@Suite struct MetricsTests {
    /// The value of one sample line (`name{labels} value`), if it is there.
    static func sample(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    static func scrape(_ server: LiveServer) async throws -> String {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: server.baseURL + "/metrics"), timeout: .seconds(30))
        #expect(response.status == .ok)
        #expect(response.headers.first(name: "content-type")?.hasPrefix("text/plain; version=0.0.4") == true)
        return String(buffer: try await response.body.collect(upTo: 1 << 20))
    }

    @Test func figuresFollowIngestTokensStreamsAndDeliveries() async throws {
        let app = try await TestApp.build()
        try await app.test(.live) { client in
            let server = LiveServer(port: client.port!)
            let before = try await Self.scrape(server)
            #expect(Self.sample(before, "sluice_events_ingested_total") == 0)
            #expect(Self.sample(before, #"sluice_open_connections{api="private_sse"}"#) == 0)

            let publisher = try await server.client(limits: ["events_per_second": 1000, "tokens_per_hour": 2])
            let author = Fixtures.user(1, "alice")
            _ = try await publisher.publish([.userUpdate(author)])
            let probes = [try await server.stream(publisher, "keywords=metrics"), try await server.stream(publisher, "keywords=metrics")]
            for probe in probes { try await probe.connected() }
            let refusal = await #expect(throws: SluiceAPIError.self) { _ = try await publisher.streamToken() }
            #expect(refusal?.code == "token_rate_limited", "two tokens an hour, and a third asked for")
            _ = try await publisher.publish((0..<3).map { .tweet(Fixtures.tweet(Int64(10 + $0), by: author, text: "metrics \($0)")) })
            for probe in probes { try await probe.wait("three tweets") { $0.tweetIDs.count == 3 } }

            let after = try await Self.scrape(server)
            #expect(Self.sample(after, "sluice_events_ingested_total") == 4)
            #expect(Self.sample(after, "sluice_store_append_seconds_count") == 2)
            #expect(Self.sample(after, #"sluice_stream_tokens_total{result="issued"}"#) == 2)
            #expect(Self.sample(after, #"sluice_stream_tokens_total{result="rate_limited"}"#) == 1)
            #expect(Self.sample(after, #"sluice_open_connections{api="private_sse"}"#) == 2)
            #expect(Self.sample(after, #"sluice_streams_opened_total{api="private_sse"}"#) == 2)
            #expect(Self.sample(after, #"sluice_deliveries_total{api="private_sse"}"#) == 6, "3 tweets to 2 streams")
            #expect(Self.sample(after, "sluice_log_position") == 4)
            // Counters exported at scrape time add only what happened since the last scrape.
            let again = try await Self.scrape(server)
            #expect(Self.sample(again, #"sluice_deliveries_total{api="private_sse"}"#) == 6)
            #expect(Self.sample(again, #"sluice_streams_opened_total{api="private_sse"}"#) == 2)
            // Streams that close leave the gauge, not the running total.
            for probe in probes { probe.close() }
            try await waitUntil("the gauge to fall") {
                Self.sample(try await Self.scrape(server), #"sluice_open_connections{api="private_sse"}"#) == 0
            }
            #expect(Self.sample(try await Self.scrape(server), #"sluice_streams_opened_total{api="private_sse"}"#) == 2)
        }
    }
}
