import Foundation
import Synchronization

/// Leases and rate windows of a single-node store, kept in memory.
///
/// One process owns an SQLite database (see `SQLiteStore`), so the places it hands out need no
/// durability: they all end with the process, as its connections do.
final class LocalLeases: Sendable {
    private struct State {
        /// By scope, then id: taking a place looks at its own pool only.
        var pools: [String: [String: Lease]] = [:]
        var scopes: [String: String] = [:]
        var windows: [String: [Date]] = [:]
    }
    private let state = Mutex(State())

    func acquire(_ lease: Lease, limit: Int, now: Date) -> Bool {
        state.withLock { state in
            var pool = state.pools[lease.scope, default: [:]]
            pool = pool.filter { $0.value.expiresAt > now }
            guard pool.count < limit || pool[lease.id] != nil else {
                state.pools[lease.scope] = pool
                return false
            }
            pool[lease.id] = lease
            state.pools[lease.scope] = pool
            state.scopes[lease.id] = lease.scope
            return true
        }
    }

    func release(id: String) {
        state.withLock { state in
            guard let scope = state.scopes.removeValue(forKey: id) else { return }
            state.pools[scope]?[id] = nil
            if state.pools[scope]?.isEmpty == true { state.pools[scope] = nil }
        }
    }

    func renew(node: String, until: Date) {
        state.withLock { state in
            for (scope, pool) in state.pools {
                for (id, lease) in pool where lease.node == node { state.pools[scope]?[id]?.expiresAt = until }
            }
        }
    }

    func lease(id: String, now: Date) -> Lease? {
        state.withLock { state in
            state.scopes[id].flatMap { state.pools[$0]?[id] }.flatMap { $0.expiresAt > now ? $0 : nil }
        }
    }

    func admit(scope: String, limit: Int, window: TimeInterval, at date: Date) -> TimeInterval? {
        state.withLock { state in
            var recent = state.windows[scope, default: []].filter { date.timeIntervalSince($0) < window }
            defer { state.windows[scope] = recent.isEmpty ? nil : recent }
            guard recent.count < limit else { return max(0.001, window - date.timeIntervalSince(recent[0])) }
            recent.append(date)
            return nil
        }
    }
}
