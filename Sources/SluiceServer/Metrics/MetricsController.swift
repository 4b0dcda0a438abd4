import Hummingbird
import NIOCore

/// `GET /metrics`: Prometheus' text format. Open like `/healthz`: it carries counts, never secrets or
/// ids, and scrapers rarely authenticate. Keep it off the public side of a load balancer.
struct MetricsController {
    let metrics: ServerMetrics

    @Sendable func scrape(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: metrics.render())))
    }
}
