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
        var once: [String: Date] = [:]
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

    func recordOnce(_ key: String, until expiresAt: Date, now: Date) -> Bool {
        state.withLock { state in
            if let held = state.once[key], held > now { return false }
            state.once[key] = expiresAt
            return true
        }
    }

    func purgeExpired(before date: Date) -> Int {
        state.withLock { state in
            var removed = 0
            for (scope, pool) in state.pools {
                let live = pool.filter { $0.value.expiresAt > date }
                removed += pool.count - live.count
                for id in pool.keys where live[id] == nil { state.scopes[id] = nil }
                state.pools[scope] = live.isEmpty ? nil : live
            }
            let hourAgo = date.addingTimeInterval(-3600)
            for (scope, attempts) in state.windows {
                let recent = attempts.filter { $0 > hourAgo }
                removed += attempts.count - recent.count
                state.windows[scope] = recent.isEmpty ? nil : recent
            }
            let live = state.once.filter { $0.value > date }
            removed += state.once.count - live.count
            state.once = live
            return removed
        }
    }
}
