import Foundation
import Hummingbird
import NIOCore
import ServiceLifecycle
import SluiceAPI
import SluiceCharts
import SluiceCore
import Synchronization

/// The admin API's live figures, which the operator console draws: the same series `/metrics` gives,
/// as JSON (`GET /v1/admin/stats`), or as a Server-Sent Events stream with one `stats` event a second
/// (`GET /v1/admin/stats/stream`). Admin only: a browser cannot put a header on an `EventSource`, so
/// the console reads the stream with `fetch`, its token in the `Authorization` header, never in a URL.
struct StatsController {
    let metrics: ServerMetrics
    let node: String
    /// The figures of the last minutes, every node's, as `StatsSampler` takes them.
    let history: StatsHistory
    /// How often the stream sends the figures.
    var interval: Duration = .seconds(1)
    /// How long one stream lasts (the console reconnects at once). Short enough that what a client
    /// that stopped reading can leave queued (about 2 KB a reading) stays under NIO's write buffer
    /// limit, so a write never waits on it: the stream ends on time, and with a graceful shutdown.
    var lifetime: Duration = .seconds(30)

    func addRoutes(to group: RouterGroup<SluiceRequestContext>) {
        group.get(use: snapshot)
        group.get("stream", use: stream)
        group.get("charts/{chart}", use: chart)
    }

    /// One reading: every series `/metrics` renders, by its name and labels, with this node's name;
    /// and the headline figures of every node up (this one included), as of the last second.
    struct Reading: Encodable {
        var node: String
        var at: String
        var series: [String: Double]
        var nodes: [NodeFigures]
    }

    func reading() -> Reading {
        Reading(
            node: node, at: Timestamp.format(Date()), series: Self.series(fromPrometheusText: metrics.render()),
            nodes: history.latest?.nodes ?? [])
    }

    /// The samples of Prometheus' text format, by series (`name{labels}`); comments are skipped.
    static func series(fromPrometheusText text: [UInt8]) -> [String: Double] {
        var series: [String: Double] = [:]
        for line in String(decoding: text, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            series[String(line[..<space])] = value
        }
        return series
    }

    @Sendable func snapshot(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        var response = try JSONResponse.ok(reading())
        response.headers[.cacheControl] = "no-store"
        return response
    }

    @Sendable func stream(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let (interval, lifetime, controller) = (self.interval, self.lifetime, self)
        var headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-store"]
        headers[.connection] = "close"
        return Response(
            status: .ok, headers: headers,
            body: .init { writer in
                // Ends after its lifetime, with the server's graceful shutdown (within one interval), or
                // when the client goes (a write fails).
                let stopping = Mutex(false)
                let end = ContinuousClock.now + lifetime
                try await withGracefulShutdownHandler {
                    while !stopping.withLock({ $0 }), !Task.isCancelled, ContinuousClock.now < end {
                        let json = try JSONCoding.string(controller.reading())
                        try await writer.write(SSEEncoder.event(name: "stats", id: nil, data: json))
                        try? await Task.sleep(for: interval)
                    }
                } onGracefulShutdown: {
                    stopping.withLock { $0 = true }
                }
                try await writer.finish(nil)
            })
    }

    /// `GET /v1/admin/stats/charts/{chart}?minutes=N`: one of the console's charts of the last `N`
    /// minutes (1 to 10, default 5), drawn as SVG by the shared `LineChart`.
    @Sendable func chart(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let name = try context.parameters.require("chart")
        guard let kind = StatsChart(rawValue: name) else {
            throw APIError.notFound("no chart \(name); the charts are \(StatsChart.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let query = QueryString.parse(request.uri.string)
        let minutes = try APIError.integerParameter(query["minutes"], name: "minutes", default: 5, range: 1...10)
        let now = Date()
        let svg = kind.draw(history.samples(since: now.addingTimeInterval(-60 * Double(minutes))), now: now, minutes: Int(minutes))
        var headers: HTTPFields = [.contentType: "image/svg+xml", .cacheControl: "no-store"]
        headers[.xContentTypeOptions] = "nosniff"
        // An SVG opened on its own is a document: it may run nothing and load nothing.
        headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: svg)))
    }
}
