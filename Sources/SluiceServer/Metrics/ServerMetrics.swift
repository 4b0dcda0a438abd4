import Foundation
import Metrics
import Prometheus
import SluiceCore
import Synchronization

/// What `GET /metrics` reports, in Prometheus' text format: swift-metrics objects made by a
/// swift-prometheus factory over this application's own registry (not the process-wide bootstrap, so
/// several applications in one process, as in tests, keep separate figures).
///
/// Request-path figures (ingest, tokens) are recorded where they happen. The stream machinery keeps
/// lock-free totals (`StreamCounters`) and queue sizes that are read only when metrics are scraped, so
/// leaving metrics on costs the fan-out nothing per delivery.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory

    /// Events accepted into the log.
    let eventsIngested: Metrics.Counter
    /// Time to append a batch durably (the store's latency as publishers see it).
    let appendLatency: Metrics.Timer
    /// Appends the store could not take (it was unavailable or closed): not batches refused for what
    /// they hold, which `ingestRefused(code:)` counts.
    let appendFailures: Metrics.Counter
    let tokensIssued: Metrics.Counter
    let tokensRefused: Metrics.Counter

    /// Connections open on every listener, and those refused or timed out (`ConnectionGuard`).
    let connections = ConnectionCensus()

    private let hub: PrivateSSEHub
    private let siteHub: SiteStreamHub
    /// What was last exported of each stream counter, to add only the difference at each scrape.
    private let exported = Mutex<[String: Int]>([:])

    init(hub: PrivateSSEHub, siteHub: SiteStreamHub) {
        self.hub = hub
        self.siteHub = siteHub
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5].map { Duration.seconds($0) }
        self.factory = factory
        eventsIngested = Metrics.Counter(label: "sluice_events_ingested_total", factory: factory)
        appendLatency = Metrics.Timer(label: "sluice_store_append_seconds", factory: factory)
        appendFailures = Metrics.Counter(label: "sluice_store_append_failures_total", factory: factory)
        tokensIssued = Metrics.Counter(label: "sluice_stream_tokens_total", dimensions: [("result", "issued")], factory: factory)
        tokensRefused = Metrics.Counter(label: "sluice_stream_tokens_total", dimensions: [("result", "rate_limited")], factory: factory)
    }

    /// A batch refused for what it holds (or how it was sent), by its error code: `sluice_ingest_refusals_total{code}`.
    func ingestRefused(code: String) {
        Metrics.Counter(label: "sluice_ingest_refusals_total", dimensions: [("code", code)], factory: factory).increment()
    }

    /// The figures, read now, in Prometheus' text exposition format.
    func render() -> [UInt8] {
        for (api, counters) in [("private_sse", hub.counters), ("site_streams", siteHub.counters)] {
            export(counters.value(.opened), as: "sluice_streams_opened_total", api: api)
            export(counters.value(.deliveries), as: "sluice_deliveries_total", api: api)
            export(counters.value(.slowReaderDisconnects), as: "sluice_slow_reader_disconnects_total", api: api)
        }
        export(hub.counters.value(.rateLimited), as: "sluice_events_skipped_rate_limit_total", api: "private_sse")
        gauge("sluice_open_connections", api: "private_sse").record(hub.subscriptionCount)
        gauge("sluice_open_connections", api: "site_streams").record(siteHub.connectionCount)
        gauge("sluice_site_user_streams", api: "site_streams").record(siteHub.userStreamCount)
        gauge("sluice_outbox_bytes", api: "private_sse").record(hub.queuedBytes)
        gauge("sluice_outbox_bytes", api: "site_streams").record(siteHub.queuedBytes)
        Metrics.Gauge(label: "sluice_log_position", factory: factory).record(hub.position)
        Metrics.Gauge(label: "sluice_http_connections", factory: factory).record(connections.openConnections)
        export(connections.refusedConnections, as: "sluice_http_connections_refused_total")
        export(connections.timedOutRequests, as: "sluice_http_request_timeouts_total")
        return registry.emitToBuffer()
    }

    private func gauge(_ name: String, api: String) -> Metrics.Gauge {
        Metrics.Gauge(label: name, dimensions: [("api", api)], factory: factory)
    }

    /// Brings a Prometheus counter up to `total`, a running total kept elsewhere.
    private func export(_ total: Int, as name: String, api: String? = nil) {
        let key = name + "{" + (api ?? "") + "}"
        // Totals only grow: a scrape that read an older total than one exported since (two renders at
        // once) adds nothing, rather than adding the difference again later.
        let delta = exported.withLock { exported -> Int in
            let previous = exported[key, default: 0]
            guard total > previous else { return 0 }
            exported[key] = total
            return total - previous
        }
        // Created on every scrape too, so that a counter still at zero is listed.
        Metrics.Counter(label: name, dimensions: api.map { [("api", $0)] } ?? [], factory: factory).increment(by: max(0, delta))
    }
}
