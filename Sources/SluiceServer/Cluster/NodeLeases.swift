import Foundation
import Logging
import ServiceLifecycle
import SluiceStore
import Synchronization

/// This node's places in the pools shared by every node (a key's concurrent streams, open site
/// streams), and the heartbeat that keeps them.
///
/// A place is held in the store until released or, if this node dies, until its lease runs out: at
/// most one `period` after the node's last heartbeat. The heartbeat renews every `period / 3`, so two
/// missed beats are survived. A release that fails (the database is down) is retried at each beat,
/// before the renewal.
final class NodeLeases: Service, Sendable {
    let store: any Store
    /// This node's name in the cluster (`cluster.node`), unique per process.
    let node: String
    let period: TimeInterval
    let logger: Logger
    private let unreleased = Mutex<Set<String>>([])

    init(store: any Store, node: String, period: TimeInterval, logger: Logger) {
        self.store = store
        self.node = node
        self.period = period
        self.logger = logger
    }

    /// Takes a place in `scope` (at most `limit` across the cluster) under `id`.
    func acquire(id: String, scope: String, limit: Int) async throws -> Bool {
        let now = Date()
        return try await store.acquireLease(Lease(id: id, scope: scope, node: node, expiresAt: now.addingTimeInterval(period)), limit: limit, now: now)
    }

    /// Gives the place back. Called from a connection's end, which cannot wait: the release runs on
    /// its own and, should it fail, is retried by the heartbeat.
    func release(id: String) {
        Task { await self.tryRelease(id) }
    }

    private func tryRelease(_ id: String) async {
        do {
            try await store.releaseLease(id: id)
            unreleased.withLock { _ = $0.remove(id) }
        } catch {
            unreleased.withLock { _ = $0.insert(id) }
        }
    }

    /// The node that holds the lease `id`, if it is live.
    func holder(of id: String) async throws -> String? {
        try await store.lease(id: id, now: Date())?.node
    }

    /// The heartbeat, until shutdown; then this node's places are given back at once.
    func run() async throws {
        let beat = Duration.milliseconds(Int64(period * 1000 / 3))
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: beat)
                for id in self.unreleased.withLock({ $0 }) { await self.tryRelease(id) }
                do {
                    try await self.store.renewLeases(node: self.node, until: Date().addingTimeInterval(self.period))
                } catch {
                    self.logger.warning("cannot renew this node's leases", metadata: ["error": "\(error)"])
                }
            }
        }
        // Services stop in reverse order: the server has ended its streams by now, and the store is
        // still open. Expiring what is left means clients reconnecting to other nodes are not refused
        // for a lease period (a rolling restart).
        do {
            try await store.renewLeases(node: node, until: Date())
        } catch {
            logger.warning("cannot give back this node's leases; they expire within \(Int(period)) s", metadata: ["error": "\(error)"])
        }
    }
}
