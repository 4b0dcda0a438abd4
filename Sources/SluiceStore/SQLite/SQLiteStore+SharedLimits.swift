import Foundation
import SQLiteNIO
import SluiceCore

/// The `SharedLimits` role (the class conforms through `Store`).
extension SQLiteStore {
    public func acquireLease(_ lease: Lease, limit: Int, now: Date) async throws -> Bool {
        try leases.acquire(lease, limit: limit, now: now)
    }

    public func admitStream(tokenHash: String, lease: Lease, limit: Int, now: Date) async throws -> StreamAdmissionOutcome {
        try checkOpen()
        // Decided in memory under one lock (the token cannot be spent twice, and a full pool leaves it
        // unspent), then written before the client is answered.
        let outcome = try credentials.spend(secretHash: tokenHash, by: lease.id, at: now) {
            try self.leases.acquire(lease, limit: limit, now: now)
        }
        guard case .admitted = outcome else { return outcome }
        do {
            // Unconditional: memory decided. An abandoned admission's reset of the same row (which
            // names its own lease) may be queued behind this write, or ahead of it; either way the
            // row ends spent by this lease, as memory says.
            try await writer.execute(
                "UPDATE stream_tokens SET used_at = ?, used_by = ? WHERE secret_hash = ?",
                [.integer(now.millisecondsSince1970), .text(lease.id), .text(tokenHash)])
        } catch {
            credentials.unspend(secretHash: tokenHash, by: lease.id)
            leases.release(id: lease.id)
            throw error
        }
        return outcome
    }

    public func abandonAdmission(leaseID: String, scope: String, tokenHash: String?, now: Date) async throws {
        leases.abandon(id: leaseID, now: now)
        guard let tokenHash, credentials.unspend(secretHash: tokenHash, by: leaseID) else { return }
        try await writer.execute(
            "UPDATE stream_tokens SET used_at = NULL, used_by = NULL WHERE secret_hash = ? AND used_by = ?", [.text(tokenHash), .text(leaseID)])
    }

    public func releaseLease(id: String) async throws {
        leases.release(id: id)
    }

    public func renewLeases(_ ids: Set<String>, node: String, until: Date, now: Date) async throws -> Set<String> {
        leases.renew(ids, node: node, until: until, now: now)
    }

    public func lease(id: String, now: Date) async throws -> Lease? {
        leases.lease(id: id, now: now)
    }

    public func leaseHolders(now: Date) async throws -> Set<String> {
        leases.holders(now: now)
    }

    public func admit(scope: String, limit: Int, window: TimeInterval, at date: Date) async throws -> TimeInterval? {
        leases.admit(scope: scope, limit: limit, window: window, at: date)
    }

    /// Durable, unlike the leases: a nonce must stay used across a restart for as long as its request
    /// would still be accepted.
    public func recordOnce(_ key: String, until expiresAt: Date, now: Date) async throws -> Bool {
        try await write { db in
            // Inserts, or takes over an expired record; a live record makes the statement return nothing.
            try await !db.query(
                """
                INSERT INTO once_keys (key, expires_at) VALUES (?, ?)
                ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE once_keys.expires_at <= ?
                RETURNING key
                """, [.text(key), .integer(expiresAt.millisecondsSince1970), .integer(now.millisecondsSince1970)]
            ).isEmpty
        }
    }

    public func purgeExpired(before date: Date) async throws -> Int {
        let now = date.millisecondsSince1970
        let removed = try await write { db in
            var removed = 0
            for table in ["once_keys", "idempotency_keys"] {
                removed += try await db.query("DELETE FROM \(table) WHERE expires_at <= ? RETURNING 1", [.integer(now)]).count
            }
            return removed
        }
        return removed + leases.purgeExpired(before: date)
    }
}
