import Foundation
import Logging
import ServiceLifecycle
import SluiceCore
import SluiceStore
import Synchronization

/// This node's places in the pools shared by every node (a key's concurrent streams, open site
/// streams), the heartbeat that keeps them, and the fence that ends the streams of places it may
/// have lost.
///
/// A place is held in the store until released or, if this node dies or pauses, until its lease runs
/// out: one `period` after the node's last renewal, by the store's clock. Other nodes may then give
/// the place to someone else, so this node must have stopped using it by then. Two rules make sure:
///
/// - **Renewal names its leases and reports the lost.** The heartbeat (every `period / 4`) renews only
///   the leases this node holds, by id, and the store answers which it still had. A lease the store
///   no longer has (it expired and was taken over) ends its stream at once. A row this node does not
///   know (an admission whose answer never came) is not renewed, so it expires by itself.
/// - **The fence.** When no renewal was confirmed for a whole period (less a margin), this node may
///   have lost every place: it ends every stream they cover, before delivering another event (the
///   follower asks, `fenceIfStale`) and on a timer of its own (a node cut off from the database).
///   Elapsed time is measured on the monotonic clock, which a paused process does not stop.
///
/// Admissions whose outcome is unknown, or whose client left before the stream opened, are undone
/// (`Store.abandonAdmission`), retried at each beat until the store confirms.
final class NodeLeases: Service, Sendable {
    let store: any SharedLimits
    /// This node's name in the cluster (`cluster.node`).
    let node: String
    let period: TimeInterval
    let logger: Logger

    private struct Abandoned: Hashable {
        var scope: String
        var tokenHash: String?
    }
    /// A place this node holds.
    private struct Place {
        /// When the store last confirmed it (the admission or the renewal began then): it lasts at least one period from then.
        var since: ContinuousClock.Instant
        /// Ends the stream that uses it (set when the stream opens).
        var onLost: (@Sendable () -> Void)?
    }
    private struct State {
        var held: [String: Place] = [:]
        /// Releases and abandonments the store has not confirmed yet.
        var unreleased: Set<String> = []
        var abandoned: [String: Abandoned] = [:]
        /// No place held was last confirmed before this: the fence's fast path (one comparison).
        var renewedAll = ContinuousClock.now

        /// Removes and returns the places unconfirmed for `limit` at `now`.
        mutating func stale(after limit: Duration, at now: ContinuousClock.Instant) -> [String: Place] {
            let stale = held.filter { now - $0.value.since >= limit }
            for id in stale.keys { held[id] = nil }
            unreleased.formUnion(stale.keys)
            return stale
        }
    }
    private let state = Mutex(State())

    init(store: any SharedLimits, node: String, period: TimeInterval, logger: Logger) {
        self.store = store
        self.node = node
        self.period = period
        self.logger = logger
    }

    /// How long after the last confirmed renewal the fence closes: the period, less a margin for the
    /// other nodes' estimate of the database's clock and for the time the fence itself takes.
    var fenceAfter: Duration {
        .milliseconds(Int64(period * 1000 - min(1000, period * 100)))
    }

    private var now: Date { store.clock.now() }

    private func lease(_ id: String, scope: String) -> Lease {
        Lease(id: id, scope: scope, node: node, expiresAt: now.addingTimeInterval(period))
    }

    /// Takes a place in `scope` (at most `limit` across the cluster) under `id`. On an error the
    /// outcome is unknown (the work may still commit), so the admission is abandoned.
    func acquire(id: String, scope: String, limit: Int) async throws -> Bool {
        let started = ContinuousClock.now
        do {
            let taken = try await store.acquireLease(lease(id, scope: scope), limit: limit, now: now)
            if taken { try hold(id, since: started) }
            return taken
        } catch {
            await abandonNow(id: id, scope: scope, tokenHash: nil)
            throw error
        }
    }

    /// Spends a stream token and takes a place for it, together (`Store.admitStream`); abandoned on error.
    func admit(tokenHash: String, id: String, scope: String, limit: Int) async throws -> StreamAdmissionOutcome {
        let started = ContinuousClock.now
        do {
            let outcome = try await store.admitStream(tokenHash: tokenHash, lease: lease(id, scope: scope), limit: limit, now: now)
            if case .admitted = outcome { try hold(id, since: started) }
            return outcome
        } catch {
            // Undone before the client hears of it, so that a retry with the same token works.
            await abandonNow(id: id, scope: scope, tokenHash: tokenHash)
            throw error
        }
    }

    /// Records a place the store just gave, counted from when its admission began (its expiry was
    /// set then). An admission that waited (for the key's lock, for a connection) as long as the fence
    /// allows got a place that may already have expired and gone to someone else: refused.
    private func hold(_ id: String, since: ContinuousClock.Instant) throws {
        guard ContinuousClock.now - since < fenceAfter else {
            throw StoreError.unavailable("the admission took longer than a lease period; try again")
        }
        state.withLock { state in
            state.held[id] = Place(since: since)
            // Older than the last renewal if the admission began before it: the fence's fast path must know.
            state.renewedAll = min(state.renewedAll, since)
        }
    }

    /// Tells how to end the stream that uses place `id` should the place be lost. False if it already
    /// was (fenced between admission and opening): the caller ends the stream itself.
    func attach(id: String, onLost: @escaping @Sendable () -> Void) -> Bool {
        state.withLock { state in
            guard state.held[id] != nil else { return false }
            state.held[id]?.onLost = onLost
            return true
        }
    }

    /// Gives the place back. Called from a connection's end, which cannot wait: the release runs on
    /// its own and, should it fail, is retried by the heartbeat.
    func release(id: String) {
        state.withLock { _ = $0.held.removeValue(forKey: id) }
        Task { await self.tryRelease(id) }
    }

    /// Undoes an admission whose stream will not open: the place, and the token if it spent one.
    func abandon(id: String, scope: String, tokenHash: String?) {
        guard record(abandoned: id, scope: scope, tokenHash: tokenHash) else { return }
        Task { await self.tryAbandon(id) }
    }

    private func abandonNow(id: String, scope: String, tokenHash: String?) async {
        guard record(abandoned: id, scope: scope, tokenHash: tokenHash) else { return }
        await tryAbandon(id)
    }

    /// Most abandonments kept for retrying: during a long outage every failed admission adds one.
    /// Past it, the place still expires by itself (it is never renewed); only the token stays spent.
    static let maxPendingAbandonments = 10_000

    private func record(abandoned id: String, scope: String, tokenHash: String?) -> Bool {
        state.withLock { state in
            state.held[id] = nil
            guard state.abandoned.count < Self.maxPendingAbandonments else { return false }
            state.abandoned[id] = Abandoned(scope: scope, tokenHash: tokenHash)
            return true
        }
    }

    private func tryRelease(_ id: String) async {
        do {
            try await store.releaseLease(id: id)
            state.withLock { _ = $0.unreleased.remove(id) }
        } catch {
            state.withLock { _ = $0.unreleased.insert(id) }
        }
    }

    private func tryAbandon(_ id: String) async {
        guard let abandoned = state.withLock({ $0.abandoned[id] }) else { return }
        do {
            try await store.abandonAdmission(leaseID: id, scope: abandoned.scope, tokenHash: abandoned.tokenHash, now: now)
            state.withLock { _ = $0.abandoned.removeValue(forKey: id) }
        } catch {
            logger.debug("cannot undo an abandoned admission yet; retrying at the next beat", metadata: ["error": "\(error)"])
        }
    }

    /// The nodes that hold live leases (this one among them if it holds any).
    func holders() async throws -> Set<String> {
        try await store.leaseHolders(now: now)
    }

    /// The node that holds the lease `id`, if it is live.
    func holder(of id: String) async throws -> String? {
        try await store.lease(id: id, now: now)?.node
    }

    /// Ends the streams of every place the store has not confirmed for `fenceAfter`: other nodes may
    /// be giving those places away. The follower calls it before each delivery, so it is one lock and
    /// a pass over this node's places.
    func fenceIfStale() {
        let now = ContinuousClock.now
        let lost = state.withLock { state -> [String: Place] in
            guard now - state.renewedAll >= fenceAfter else { return [:] }
            return state.stale(after: fenceAfter, at: now)
        }
        guard !lost.isEmpty else { return }
        logger.error(
            "no lease renewal confirmed for \(Int(period)) s: this node may have lost \(lost.count) places, so the streams they cover end")
        for case let end? in lost.values.map(\.onLost) { end() }
    }

    /// When the oldest confirmation runs out, if anything is held.
    private var nextFence: ContinuousClock.Instant? {
        state.withLock { $0.held.values.map(\.since).min() }.map { $0 + fenceAfter }
    }

    /// One heartbeat: renews what is held and ends the streams of places the store no longer has,
    /// then retries some of what is pending (the renewal first: it is what keeps streams open).
    private func beat() async {
        await renew()
        for id in state.withLock({ $0.unreleased.prefix(200) }) { await tryRelease(id) }
        for id in state.withLock({ $0.abandoned.keys.prefix(200) }) { await tryAbandon(id) }
    }

    private func renew() async {
        let started = ContinuousClock.now
        let ids = state.withLock { Set($0.held.keys) }
        do {
            let now = self.now
            let renewed = try await store.renewLeases(ids, node: node, until: now.addingTimeInterval(period), now: now)
            let lost = state.withLock { state -> [Place] in
                // Released or fenced meanwhile: already gone from `held`.
                for id in renewed {
                    if let since = state.held[id]?.since, since < started { state.held[id]?.since = started }
                }
                let lost = ids.subtracting(renewed).compactMap { state.held.removeValue(forKey: $0) }
                // Places taken while the renewal ran may have begun before it.
                state.renewedAll = min(started, state.held.values.map(\.since).min() ?? started)
                return lost
            }
            if !lost.isEmpty {
                logger.warning("\(lost.count) of this node's places expired and may have been taken over; their streams end")
            }
            for case let end? in lost.map(\.onLost) { end() }
        } catch {
            logger.warning("cannot renew this node's leases", metadata: ["error": "\(error)"])
        }
    }

    /// The heartbeat and the fence's timer, until shutdown; then this node's places are given back.
    func run() async throws {
        // Four beats a period: a renewal delayed by a busy node or database has three more chances.
        let beat = Duration.milliseconds(Int64(period * 1000 / 4))
        try? await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: beat)
                        await self.beat()
                    }
                }
                // A renewal that hangs (the database is cut off) must not hold back the fence.
                group.addTask {
                    while !Task.isCancelled {
                        let soon = ContinuousClock.now + beat
                        try await Task.sleep(until: min(self.nextFence ?? soon, soon), clock: .continuous)
                        self.fenceIfStale()
                    }
                }
                try await group.next()
                group.cancelAll()
            }
        }
        // Services stop in reverse order: the server has ended its streams by now, and the store is
        // still open. Expiring what is left means clients reconnecting to other nodes are not refused
        // for a lease period (a rolling restart).
        for id in state.withLock({ Array($0.abandoned.keys) }) { await tryAbandon(id) }
        let ids = state.withLock { Set($0.held.keys).union($0.unreleased) }
        do {
            _ = try await store.renewLeases(ids, node: node, until: now, now: now)
        } catch {
            logger.warning("cannot give back this node's leases; they expire within \(Int(period)) s", metadata: ["error": "\(error)"])
        }
    }
}
