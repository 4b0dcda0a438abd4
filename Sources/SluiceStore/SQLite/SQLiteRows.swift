import Foundation
import NIOCore
import SQLiteNIO
import SluiceCore

extension SQLiteRow: StoreRow {
    func integer(_ name: String) -> Int64? { column(name)?.integer.map(Int64.init) }
    func text(_ name: String) -> String? { column(name)?.string }
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
