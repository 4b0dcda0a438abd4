import AsyncHTTPClient
import Foundation

/// `fanout` and `filtered`: C open streams, marked messages published at a fixed rate, and every
/// delivery's publish-to-receipt latency.
///
/// - `fanout`: every message goes to every stream.
/// - `filtered` (Sluice only): stream n follows keyword `kwn`; each message names `matches` distinct
///   keywords, so it is due on exactly that many streams, and the server's filter routing is what is measured.
public struct DeliveryScenario: Sendable {
    public enum Kind: String, Codable, Sendable {
        case fanout, filtered
    }

    public var kind: Kind
    public var target: BenchTarget
    public var connections: Int
    /// Messages published per second.
    public var rate: Double
    public var duration: Double
    /// Keywords per message (`filtered`).
    public var matches: Int
    public var sourceAddresses: Int
    /// The server's processes, to report their CPU use.
    public var serverPIDs: [Int32]

    public init(
        kind: Kind, target: BenchTarget, connections: Int, rate: Double, duration: Double, matches: Int = 3, sourceAddresses: Int = 4,
        serverPIDs: [Int32] = []
    ) {
        self.kind = kind
        self.target = target
        self.connections = connections
        self.rate = rate
        self.duration = duration
        self.matches = matches
        self.sourceAddresses = sourceAddresses
        self.serverPIDs = serverPIDs
    }

    public struct Report: Codable, Sendable {
        public var scenario: Kind
        public var server: String
        public var connections: Int
        public var connected: Int
        public var rate: Double
        public var duration: Double
        public var published: Int
        public var publishFailures: Int
        public var firstPublishFailure: String?
        public var expectedDeliveries: Int
        public var deliveries: Int
        /// Deliveries divided by the time from the first publish to the last receipt.
        public var deliveriesPerSecond: Double
        public var latency: LatencySummary
        public var acknowledgement: LatencySummary
        /// Streams that ended before the run was over (slow readers, among others).
        public var closedStreams: Int
        public var loadGeneratorCPUSeconds: Double
        public var serverCPUSeconds: Double?
        /// The latency distribution, for charts: [percentile, milliseconds] pairs.
        public var distribution: [[Double]]
    }

    public func run(log: @escaping @Sendable (String) -> Void) async throws -> Report {
        if case .generic = target, kind == .filtered {
            throw BenchError("filtered needs Sluice's filters; a generic server has no keyword routing to measure")
        }
        let connections = connections, matches = matches
        return try await HTTPClient.withLoadClient { http in
            let streams = try await StreamSet.open(
                target, connections: connections, sourceAddresses: sourceAddresses, http: http,
                query: { kind == .filtered ? "keywords=kw\($0)" : "" }, log: log)
            guard let publisher = streams.publisher else { throw BenchError("no publish URL: give --publish-url") }
            let meter = CPUMeter(serverPIDs: serverPIDs)
            streams.load.resetMessages()
            let started = ProcessStats.wallNanoseconds()
            let published = await publisher.run(rate: rate, duration: duration, idBase: Publisher.idBase()) { n in
                guard kind == .filtered else { return [:] }
                // Distinct keywords, spread over the streams: message n names kw(n·7919 + i·c/m) for i < m.
                let words = (0..<matches).map { "kw\((n &* 7919 + $0 * max(1, connections / matches)) % connections)" }
                return ["words": words.joined(separator: " ")]
            }
            let perMessage = kind == .fanout ? streams.opened : min(matches, connections)
            let expected = published.published * perMessage
            // Only marked messages count: a server may send others (Sluice's status events, a profile update).
            _ = await StreamSet.wait(timeout: 10) { streams.load.snapshot.latency.count >= expected }
            let totals = streams.load.snapshot
            let cpu = meter.ownSeconds
            let serverCPU = meter.serverSeconds
            try await streams.load.shutdown()
            let elapsed = Double(max(1, totals.lastMessageAt - started)) / 1e9
            if let failure = published.firstFailure { log("first publish failure: \(failure)") }
            return Report(
                scenario: kind, server: target.label, connections: connections, connected: streams.opened, rate: rate, duration: duration,
                published: published.published, publishFailures: published.failed, firstPublishFailure: published.firstFailure,
                expectedDeliveries: expected, deliveries: totals.latency.count, deliveriesPerSecond: Double(totals.latency.count) / elapsed,
                latency: totals.latency.summary, acknowledgement: published.acknowledgement, closedStreams: totals.closed,
                loadGeneratorCPUSeconds: cpu, serverCPUSeconds: serverCPU,
                distribution: totals.latency.distribution.map { [$0.percentile, $0.milliseconds] })
        }
    }
}
