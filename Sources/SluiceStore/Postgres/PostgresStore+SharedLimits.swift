import Foundation
import PostgresNIO
import SluiceCore

/// The `SharedLimits` role (the class conforms through `Store`).
extension PostgresStore {
    public func acquireLease(_ lease: Lease, limit: Int, now: Date) async throws -> Bool {
        let nowMS = Int64(now.millisecondsSince1970)
        return try await transaction(serializedOn: "lease:" + lease.scope) { connection in
            try await self.takePlace(lease, limit: limit, nowMS: nowMS, on: connection)
        }
    }

    /// Inside a transaction serialized on the lease's scope: takes the place if there is one.
    func takePlace(_ lease: Lease, limit: Int, nowMS: Int64, on connection: PostgresConnection) async throws -> Bool {
        // Checked under the scope's lock, which `abandonAdmission` takes after writing the mark: either
        // this sees the mark, or the abandonment waits for this to commit and then undoes it.
        let abandoned =
            try await connection.query(
                "SELECT 1 FROM once_keys WHERE key = \(Self.abandonedKey(lease.id))", logger: logger
            ).rows().first != nil
        if abandoned { throw StoreError.unavailable("the admission was abandoned") }
        try await connection.query(
            """
            DELETE FROM leases WHERE id IN (
                SELECT id FROM leases WHERE scope = \(lease.scope) AND expires_at <= \(nowMS) ORDER BY id FOR UPDATE)
            """, logger: logger)
        let held =
            try await connection.query(
                "SELECT count(*)::INT8 AS n FROM leases WHERE scope = \(lease.scope) AND id <> \(lease.id)", logger: logger
            ).rows().first?.int64("n") ?? 0
        guard held < limit else { return false }
        try await connection.query(
            """
            INSERT INTO leases (id, scope, node, expires_at)
            VALUES (\(lease.id), \(lease.scope), \(lease.node), \(Int64(lease.expiresAt.millisecondsSince1970)))
            ON CONFLICT (id) DO UPDATE SET scope = excluded.scope, node = excluded.node, expires_at = excluded.expires_at
            """, logger: logger)
        return true
    }

    public func admitStream(tokenHash: String, lease: Lease, limit: Int, now: Date) async throws -> StreamAdmissionOutcome {
        let nowMS = Int64(now.millisecondsSince1970)
        return try await transaction(serializedOn: "lease:" + lease.scope) { connection -> StreamAdmissionOutcome in
            // The row lock makes racing nodes take turns: the second sees `used_at` set.
            guard
                let token = try await connection.query(
                    "SELECT * FROM stream_tokens WHERE secret_hash = \(tokenHash) FOR UPDATE", logger: self.logger
                ).rows().first?.streamToken()
            else { return .refused(.unknown) }
            let key = try await connection.query("SELECT * FROM api_keys WHERE id = \(token.keyID)", logger: self.logger).rows().first?.apiKey()
            let use = TokenUse.of(token, key: key, at: now)
            guard case .consumed(let spent, let current) = use else { return .refused(use) }
            guard try await self.takePlace(lease, limit: limit, nowMS: nowMS, on: connection) else { return .full }
            try await connection.query(
                "UPDATE stream_tokens SET used_at = \(nowMS), used_by = \(lease.id) WHERE secret_hash = \(tokenHash)", logger: self.logger)
            return .admitted(spent, current)
        }
    }

    public func abandonAdmission(leaseID: String, scope: String, tokenHash: String?, now: Date) async throws {
        let until = Int64(now.addingTimeInterval(3600).millisecondsSince1970)
        // The mark first, committed on its own: an admission that has not taken the scope's lock yet
        // will see it. Then, under the lock, undo whatever an admission that did take it committed.
        _ = try await rows(
            """
            INSERT INTO once_keys (key, expires_at) VALUES (\(Self.abandonedKey(leaseID)), \(until))
            ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at
            """)
        try await transaction(serializedOn: "lease:" + scope) { connection in
            try await connection.query("DELETE FROM leases WHERE id = \(leaseID)", logger: self.logger)
            if let tokenHash {
                try await connection.query(
                    "UPDATE stream_tokens SET used_at = NULL, used_by = NULL WHERE secret_hash = \(tokenHash) AND used_by = \(leaseID)",
                    logger: self.logger)
            }
        }
    }

    public func releaseLease(id: String) async throws {
        _ = try await rows("DELETE FROM leases WHERE id = \(id)")
    }

    public func renewLeases(_ ids: Set<String>, node: String, until: Date, now: Date) async throws -> Set<String> {
        // In id order, as every statement that locks several lease rows: no deadlock between nodes.
        let renewed =
            ids.isEmpty
            ? []
            : Set(
                try await rows(
                    """
                    UPDATE leases SET expires_at = \(Int64(until.millisecondsSince1970))
                    WHERE id IN (
                        SELECT id FROM leases WHERE id = ANY(\(Array(ids))) AND node = \(node) AND expires_at > \(Int64(now.millisecondsSince1970))
                        ORDER BY id FOR UPDATE)
                    RETURNING id
                    """
                ).map { try $0.string("id") })
        // The heartbeat also keeps this node's clock on the database's (after the renewal, which is urgent).
        try? await synchronizeClock()
        return renewed
    }

    public func lease(id: String, now: Date) async throws -> Lease? {
        guard
            let row = try await rows(
                "SELECT * FROM leases WHERE id = \(id) AND expires_at > \(Int64(now.millisecondsSince1970))"
            ).first
        else { return nil }
        return Lease(id: try row.string("id"), scope: try row.string("scope"), node: try row.string("node"), expiresAt: row.date("expires_at") ?? now)
    }

    public func leaseHolders(now: Date) async throws -> Set<String> {
        Set(try await rows("SELECT DISTINCT node FROM leases WHERE expires_at > \(Int64(now.millisecondsSince1970))").map { try $0.string("node") })
    }

    public func admit(scope: String, limit: Int, window: TimeInterval, at date: Date) async throws -> TimeInterval? {
        let at = Int64(date.millisecondsSince1970)
        let start = at - Int64((window * 1000).rounded())
        return try await transaction(serializedOn: "rate:" + scope) { connection -> TimeInterval? in
            try await connection.query("DELETE FROM rate_window WHERE scope = \(scope) AND at <= \(start)", logger: self.logger)
            let row = try await connection.query(
                "SELECT count(*)::INT8 AS n, min(at) AS oldest FROM rate_window WHERE scope = \(scope)", logger: self.logger
            ).rows().first
            let count = row?.integer("n") ?? 0
            if count >= limit, let oldest = row?.integer("oldest") {
                return max(0.001, Double(oldest - start) / 1000)
            }
            try await connection.query("INSERT INTO rate_window (scope, at) VALUES (\(scope), \(at))", logger: self.logger)
            return nil
        }
    }

    public func recordOnce(_ key: String, until expiresAt: Date, now: Date) async throws -> Bool {
        // Inserts, or takes over an expired record; a live record makes the statement return nothing.
        try await !rows(
            """
            INSERT INTO once_keys (key, expires_at) VALUES (\(key), \(Int64(expiresAt.millisecondsSince1970)))
            ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at
            WHERE once_keys.expires_at <= \(Int64(now.millisecondsSince1970))
            RETURNING key
            """
        ).isEmpty
    }

    public func purgeExpired(before date: Date) async throws -> Int {
        let now = Int64(date.millisecondsSince1970)
        let hourAgo = now - 3_600_000
        return try await transaction { [logger] connection in
            var removed = 0
            for query: PostgresQuery in [
                "DELETE FROM leases WHERE id IN (SELECT id FROM leases WHERE expires_at <= \(now) ORDER BY id FOR UPDATE) RETURNING 1",
                "DELETE FROM once_keys WHERE expires_at <= \(now) RETURNING 1",
                "DELETE FROM idempotency_keys WHERE expires_at <= \(now) RETURNING 1",
                "DELETE FROM rate_window WHERE at <= \(hourAgo) RETURNING 1",
                // Requests whose sender gave up long ago (it deletes its own when answered or timed out).
                "DELETE FROM control_requests WHERE created_at <= \(hourAgo) RETURNING 1",
            ] {
                removed += try await connection.query(query, logger: logger).rows().count
            }
            return removed
        }
    }
}
