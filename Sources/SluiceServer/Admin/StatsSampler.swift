import Foundation
import Logging
import ServiceLifecycle
import SluiceAPI
import SluiceCore
import SluiceStore

/// Takes this node's figures once a second: keeps them (with the other nodes' latest) in the history
/// the console's charts draw, and, with a shared store, announces them to the other nodes, which is
/// also how every node learns which nodes are up (`ClusterView`).
struct StatsSampler: Service {
    let metrics: ServerMetrics
    let log: any EventLog
    let node: String
    let bus: (any ClusterBus)?
    let view: ClusterView
    let history: StatsHistory
    let logger: Logger
    var interval: Duration = .seconds(1)

    /// This node's figures now. The log's head is read from the store; if it cannot be, the fan-out's
    /// position stands in, so the figures still come (and show no lag rather than a false one).
    func figures() async -> NodeFigures {
        let series = StatsController.series(fromPrometheusText: metrics.render())
        let position = Int64(series["sluice_log_position"] ?? 0)
        let head = (try? await log.lastSequence()) ?? position
        return NodeFigures(node: node, at: Date(), series: series, logHead: max(head, position))
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await sample()
                try await Task.sleep(for: interval)
            }
        }
    }

    func sample() async {
        let own = await figures()
        view.heard(own)
        if let bus {
            do {
                try await bus.announce(try JSONCoding.string(ClusterAnnouncement.figures(own)))
            } catch {
                logger.debug("cannot announce this node's figures", metadata: ["error": "\(error)"])
            }
        }
        history.append(.init(at: Date(), nodes: view.current()))
    }
}
