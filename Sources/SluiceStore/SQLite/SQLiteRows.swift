import Foundation
import NIOCore
import SQLiteNIO
import SluiceCore

/// Conversions between SQLite rows and the model.
extension SQLiteRow {
    func int64(_ name: String) throws -> Int64 {
        guard let value = column(name)?.integer else { throw StoreError.unavailable("column \(name) missing") }
        return Int64(value)
    }

    func string(_ name: String) throws -> String {
        guard let value = column(name)?.string else { throw StoreError.unavailable("column \(name) missing") }
        return value
    }

    func date(_ name: String) -> Date? {
        column(name)?.integer.map { Date(timeIntervalSince1970: Double($0) / 1000) }
    }

    func storedEvent() throws -> StoredEvent {
        let type = try string("type")
        guard let kind = EventKind(rawValue: type) else { throw StoreError.unavailable("unknown event type \(type) in log") }
        return StoredEvent(sequence: try int64("seq"), kind: kind, data: try string("data"), acceptedAt: date("accepted_at") ?? .distantPast)
    }

    func streamToken() throws -> StreamToken {
        StreamToken(
            secretHash: try string("secret_hash"), keyID: try string("key_id"), createdAt: date("created_at") ?? .distantPast,
            expiresAt: date("expires_at") ?? .distantPast, usedAt: date("used_at"))
    }

    func siteApp() throws -> SiteApp {
        SiteApp(
            id: try string("id"), name: try string("name"), consumerKey: try string("consumer_key"),
            consumerSecret: try string("consumer_secret"), accessToken: try string("access_token"),
            accessTokenSecret: try string("access_token_secret"), createdAt: date("created_at") ?? .distantPast)
    }

    func apiKey() throws -> APIKey {
        let scopes = try string("scopes").split(separator: ",").compactMap { KeyScope(rawValue: String($0)) }
        let limits = try JSONDecoder().decode(StreamLimits.self, from: Data(try string("limits").utf8))
        return APIKey(
            id: try string("id"), name: try string("name"), scopes: Set(scopes), secretHash: try string("secret_hash"),
            limits: limits, createdAt: date("created_at") ?? .distantPast, revokedAt: date("revoked_at"))
    }
}

extension Date {
    var millisecondsSince1970: Int { Int((timeIntervalSince1970 * 1000).rounded()) }
}

extension SQLiteConnection {
    /// Closes the connection even when the calling task is cancelled.
    ///
    /// The async `close()` runs on `NIOThreadPool.runIfActive`, which drops the work in a cancelled
    /// task: a store shut down by cancellation (a failing sibling service, a second SIGINT) would leave
    /// its handles open. The future-based close is not tied to the task.
    func closeEvenIfCancelled() async throws {
        let closed: EventLoopFuture<Void> = close()
        try await closed.get()
    }

    /// Runs `sql` once per chunk of `values`, with `(?, ?, …)` placeholders repeated per row, so a large
    /// write stays well under SQLite's bound-parameter limit without a statement per row.
    func executeRows(
        _ prefix: String, suffix: String = "", columns: Int, rows: [[SQLiteData]], rowsPerStatement: Int = 500
    ) async throws {
        guard !rows.isEmpty else { return }
        let tuple = "(" + Array(repeating: "?", count: columns).joined(separator: ",") + ")"
        var start = 0
        while start < rows.count {
            let chunk = rows[start..<min(start + rowsPerStatement, rows.count)]
            let sql = prefix + " VALUES " + Array(repeating: tuple, count: chunk.count).joined(separator: ",") + " " + suffix
            _ = try await query(sql, chunk.flatMap { $0 })
            start += chunk.count
        }
    }

    /// Runs `sql` (which contains one `IN (%@)`) over `ids` in chunks, collecting the rows; `leading`
    /// binds the placeholders before the list.
    func selectIn(_ sql: String, leading: [SQLiteData] = [], ids: some Collection<Int64>) async throws -> [SQLiteRow] {
        var result: [SQLiteRow] = []
        let all = Array(ids)
        var start = 0
        while start < all.count {
            let chunk = all[start..<min(start + 500, all.count)]
            let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            result += try await query(sql.replacingOccurrences(of: "%@", with: placeholders), leading + chunk.map { .integer(Int($0)) })
            start += chunk.count
        }
        return result
    }
}
