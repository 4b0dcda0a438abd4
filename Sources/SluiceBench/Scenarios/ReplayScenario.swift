import AsyncHTTPClient
import Foundation
import SluiceClient

/// `replay`: how fast one consumer catches up from the log. Publishes N tweets (batched), then opens one
/// stream with `last_event_id` just before them and times the stream until all N have arrived.
public struct ReplayScenario: Sendable {
    public var target: SluiceTarget
    public var events: Int

    public init(target: SluiceTarget, events: Int) {
        self.target = target
        self.events = events
    }

    public struct Report: Codable, Sendable {
        public var scenario = "replay"
        public var server: String
        public var events: Int
        /// Events that arrived with a log id: the `events` replayed and the sentinel published after them
        /// (so `events + 1` when nothing is lost), status notices aside.
        public var received: Int
        /// Events whose id was not above the one before: duplicates, or out of order (0 when correct).
        public var reordered: Int
        public var seconds: Double
        public var eventsPerSecond: Double
    }

    public func run(log: @escaping @Sendable (String) -> Void) async throws -> Report {
        try await HTTPClient.withLoadClient { http in
            let setup = try await SluiceSetup.make(target, http: http, connections: 1)
            let batch = 1000
            let endpoint = setup.batchEndpoint(batch)
            let idBase = Int64(Date().timeIntervalSince1970 * 1000) * 100
            let before = try await Self.logPosition(target.baseURL, http: http)
            let requests = (events + batch - 1) / batch
            let clock = ContinuousClock()
            var started = clock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for lane in 0..<4 {
                    group.addTask {
                        for n in stride(from: lane, to: requests, by: 4) {
                            if let failure = await Publisher(endpoint: endpoint, http: http).publish([
                                "id": String(idBase + Int64(n)), "marker": "replay",
                            ]) {
                                throw BenchError("publishing the events to replay failed: \(failure)")
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let published = requests * batch
            log(String(format: "published %d events in %.1f s", published, (clock.now - started) / .seconds(1)))

            // Replay is measured alone: first wait until the server has dispatched everything published
            // (a live stream receives one more tweet, published last), so that what follows is catch-up
            // only, not the server still taking in the batch.
            let address = try setup.streamAddress
            let live = StreamLoad()
            try await live.open(
                host: address.host, port: address.port, path: "/sse/private?keywords=sentinel&token=\(try await setup.client.streamToken())")
            let sentinel = Publisher(endpoint: setup.publishEndpoint, http: http)
            if let failure = await sentinel.publish([
                "id": String(idBase + Int64(requests) * 10_000), "marker": PublishMarker.make(), "words": "sentinel",
            ]) {
                throw BenchError("publishing the sentinel failed: \(failure)")
            }
            guard await StreamSet.wait(timeout: 600, until: { live.snapshot.messages >= 2 }) else {
                throw BenchError("the server did not deliver the events published within 600 s")
            }
            try await live.shutdown()
            log(String(format: "the server dispatched them all %.1f s after the first publish", (clock.now - started) / .seconds(1)))

            let token = try await setup.client.streamToken()
            let load = StreamLoad()
            started = clock.now
            try await load.open(host: address.host, port: address.port, path: "/sse/private?token=\(token)&last_event_id=\(before)")
            // Everything after `before` is ours unless other traffic runs: every tweet reaches an unfiltered stream.
            _ = await StreamSet.wait(timeout: 300) { load.snapshot.identified >= published + 1 }
            let seconds = (clock.now - started) / .seconds(1)
            let totals = load.snapshot
            try await load.shutdown()
            if totals.identified < published + 1 { log("only \(totals.identified) of \(published + 1) events arrived within 300 s") }
            if totals.reordered > 0 { log("\(totals.reordered) events arrived twice or out of order") }
            return Report(
                server: target.label, events: published, received: totals.identified, reordered: totals.reordered, seconds: seconds,
                eventsPerSecond: Double(totals.identified) / seconds)
        }
    }

    /// The log's last sequence number, from `/healthz`.
    static func logPosition(_ baseURL: String, http: HTTPClient) async throws -> Int64 {
        let response = try await http.execute(HTTPClientRequest(url: baseURL + "/healthz"), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 16)
        struct Health: Decodable { var last_seq: Int64 }
        return try JSONDecoder().decode(Health.self, from: Data(buffer: body)).last_seq
    }
}
