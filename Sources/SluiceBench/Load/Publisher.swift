import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// Where and how a benchmark publishes: one HTTP POST per message, its body rendered from a template.
public struct PublishEndpoint: Sendable {
    public var url: String
    public var headers: [(String, String)]
    public var body: BodyTemplate
    public var contentType: String

    public init(url: String, headers: [(String, String)] = [], body: BodyTemplate, contentType: String = "application/json") {
        self.url = url
        self.headers = headers
        self.body = body
        self.contentType = contentType
    }
}

/// Publishes marked messages at a fixed rate, each request in its own task so that a slow
/// acknowledgement never delays the schedule, and records acknowledgement latency.
public struct Publisher: Sendable {
    public struct Report: Codable, Sendable {
        public var published: Int
        public var failed: Int
        /// The first failure's status and body, to say why.
        public var firstFailure: String?
        public var acknowledgement: LatencySummary
    }

    let endpoint: PublishEndpoint
    let http: HTTPClient

    public init(endpoint: PublishEndpoint, http: HTTPClient) {
        self.endpoint = endpoint
        self.http = http
    }

    /// Sends one message; returns nil on success, or what went wrong.
    public func publish(_ values: [String: String]) async -> String? {
        var request = HTTPClientRequest(url: endpoint.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: endpoint.contentType)
        for (name, value) in endpoint.headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: endpoint.body.render(values)))
        do {
            let response = try await http.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 1 << 20)
            guard (200..<300).contains(response.status.code) else {
                return "\(response.status.code) \(String(buffer: body).prefix(300))"
            }
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// Publishes `rate` messages per second for `duration` seconds. `values(n, marker)` gives each message's
    /// placeholders beyond `marker`, `id` and `n`.
    public func run(
        rate: Double, duration: Double, idBase: Int64, values: @escaping @Sendable (Int) -> [String: String] = { _ in [:] }
    ) async -> Report {
        let state = Tally(RequestTally())
        let clock = ContinuousClock()
        let total = max(1, Int(rate * duration))
        let interval = Duration.seconds(1 / rate)
        var deadline = clock.now
        await withTaskGroup(of: Void.self) { group in
            for n in 0..<total {
                deadline = deadline.advanced(by: interval)
                try? await clock.sleep(until: deadline)
                group.addTask {
                    let sent = ProcessStats.wallNanoseconds()
                    var fields = values(n)
                    fields["marker"] = PublishMarker.make(at: sent)
                    fields["id"] = String(idBase + Int64(n))
                    fields["n"] = String(n)
                    let failure = await publish(fields)
                    let acked = ProcessStats.wallNanoseconds()
                    state.update { $0.record(failure: failure, nanoseconds: acked - sent) }
                }
            }
        }
        return state.update {
            Report(published: $0.succeeded, failed: $0.failed, firstFailure: $0.firstFailure, acknowledgement: $0.latency.summary)
        }
    }

    /// A fresh id base for tweet ids: time-based high bits, so runs against one log never collide.
    public static func idBase() -> Int64 { (Int64(Date().timeIntervalSince1970 * 1000) - 1_288_834_974_657) << 22 }
}
