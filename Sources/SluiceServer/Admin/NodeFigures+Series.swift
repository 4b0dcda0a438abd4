import Foundation
import SluiceAPI
import SluiceCore

extension NodeFigures {
    /// The headline figures of a node's `/metrics` series (by `name{labels}`; a family's samples
    /// summed where the figure is across APIs or results), and the log's last sequence.
    init(node: String, at date: Date, series: [String: Double], logHead: Int64) {
        func value(_ key: String) -> Int { Int(series[key] ?? 0) }
        func sum(_ family: String) -> Int {
            Int(series.reduce(0.0) { total, entry in entry.key == family || entry.key.hasPrefix(family + "{") ? total + entry.value : total })
        }
        self.init(
            node: node, at: Timestamp.format(date),
            privateStreams: value(#"sluice_open_connections{api="private_sse"}"#),
            siteStreams: value(#"sluice_open_connections{api="site_streams"}"#),
            userStreams: value(#"sluice_site_user_streams{api="site_streams"}"#),
            deliveries: sum("sluice_deliveries_total"),
            ingested: sum("sluice_events_ingested_total"),
            logPosition: Int64(series["sluice_log_position"] ?? 0),
            logHead: logHead,
            outboxBytes: sum("sluice_outbox_bytes"),
            slowReaderDisconnects: sum("sluice_slow_reader_disconnects_total"),
            tokensIssued: value(#"sluice_stream_tokens_total{result="issued"}"#),
            tokensRefused: value(#"sluice_stream_tokens_total{result="rate_limited"}"#),
            httpConnections: value("sluice_http_connections"))
    }
}
