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
        /// Lease ids whose admission was abandoned, kept an hour: never taken again.
        var abandoned: [String: Date] = [:]
    }
    private let state = Mutex(State())

    /// O(1) unless the pool is full: only then are its expired places (a lost release) looked for.
    /// A profile of 10,000 connects showed the earlier version, which filtered the pool on every call,
    /// copying the whole pool per connect.
    func acquire(_ lease: Lease, limit: Int, now: Date) throws -> Bool {
        try state.withLock { state in
            guard state.abandoned[lease.id] == nil else { throw StoreError.unavailable("the admission was abandoned") }
            let held = state.pools[lease.scope]?.count ?? 0
            if held >= limit, state.pools[lease.scope]?[lease.id] == nil {
                let pool = state.pools[lease.scope] ?? [:]
                let live = pool.filter { $0.value.expiresAt > now }
                for id in pool.keys where live[id] == nil { state.scopes[id] = nil }
                state.pools[lease.scope] = live
                guard live.count < limit else { return false }
            }
            state.pools[lease.scope, default: [:]][lease.id] = lease
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

    /// Frees the place and makes sure the id is never taken again.
    func abandon(id: String, now: Date) {
        state.withLock { $0.abandoned[id] = now.addingTimeInterval(3600) }
        release(id: id)
    }

    func renew(_ ids: Set<String>, node: String, until: Date, now: Date) -> Set<String> {
        state.withLock { state in
            var renewed = Set<String>()
            for id in ids {
                guard let scope = state.scopes[id], let lease = state.pools[scope]?[id], lease.node == node, lease.expiresAt > now else { continue }
                state.pools[scope]?[id]?.expiresAt = until
                renewed.insert(id)
            }
            return renewed
        }
    }

    func holders(now: Date) -> Set<String> {
        state.withLock { state in Set(state.pools.values.flatMap { $0.values.filter { $0.expiresAt > now }.map(\.node) }) }
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

    func purgeExpired(before date: Date) -> Int {
        state.withLock { state in
            var removed = 0
            for (scope, pool) in state.pools {
                let live = pool.filter { $0.value.expiresAt > date }
                removed += pool.count - live.count
                for id in pool.keys where live[id] == nil { state.scopes[id] = nil }
                state.pools[scope] = live.isEmpty ? nil : live
            }
            let marks = state.abandoned.count
            state.abandoned = state.abandoned.filter { $0.value > date }
            removed += marks - state.abandoned.count
            let hourAgo = date.addingTimeInterval(-3600)
            for (scope, attempts) in state.windows {
                let recent = attempts.filter { $0 > hourAgo }
                removed += attempts.count - recent.count
                state.windows[scope] = recent.isEmpty ? nil : recent
            }
            return removed
        }
    }
}
