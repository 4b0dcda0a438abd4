import Foundation
import Logging
import PostgresNIO
import Synchronization

/// `ClusterBus` over PostgreSQL: `LISTEN/NOTIFY` on one channel, and a table for request bodies and
/// replies. A notification carries `log:SEQ`, `request:NODE:ID`, `reply:NODE:ID` (bodies stay in the
/// table, so their size never matters) or `announce:MESSAGE` (small by contract).
final class PostgresClusterBus: ClusterBus {
    private let client: PostgresClient
    private let logger: Logger
    /// Where a forwarded request of this node stands, by request id.
    private enum Wait {
        /// Sent; nobody is suspended yet.
        case pending
        case suspended(CheckedContinuation<Void, Never>)
        /// The reply arrived, or the wait ended: whoever comes next returns at once.
        case over
    }
    private let waits = Mutex<[Int64: Wait]>([:])

    /// Ends the wait for `id`, resuming the waiter if it is suspended.
    private func endWait(_ id: Int64) {
        let waiter: CheckedContinuation<Void, Never>? = waits.withLock { waits in
            guard let wait = waits[id] else { return nil }
            waits[id] = .over
            if case .suspended(let continuation) = wait { return continuation }
            return nil
        }
        waiter?.resume()
    }

    /// Suspends until `endWait(id)` (returns at once if it already happened).
    private func waitForReply(_ id: Int64) async {
        await withCheckedContinuation { continuation in
            let over = waits.withLock { waits -> Bool in
                if case .over = waits[id] { return true }
                waits[id] = .suspended(continuation)
                return false
            }
            if over { continuation.resume() }
        }
    }

    init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    func listen(
        node: String, logMayHaveGrown: @escaping @Sendable () -> Void,
        handleRequest: @escaping @Sendable (String) async -> String,
        heard: @escaping @Sendable (String) async -> Void,
        listening: @escaping @Sendable () async -> Void
    ) async throws {
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: PostgresLogWriter.channel) { notifications in
                        // Listening from here on: anything committed before is read by sequence, and
                        // revocations announced before are found by re-checking the open streams.
                        logMayHaveGrown()
                        await listening()
                        // Forwarded requests are answered in tasks of their own, each bounded in time, so
                        // that a slow query or a failure answering one never holds back wake-ups,
                        // revocations or other requests, nor drops this connection.
                        try await withThrowingDiscardingTaskGroup { group in
                            for try await notification in notifications {
                                let payload = notification.payload
                                if let request = Self.request(in: payload, for: node) {
                                    group.addTask { await self.answer(request, handleRequest: handleRequest) }
                                } else {
                                    await self.dispatch(payload, node: node, logMayHaveGrown: logMayHaveGrown, heard: heard)
                                }
                            }
                        }
                    }
                }
            } catch {
                guard !Task.isCancelled else { break }
                logger.warning("cluster listener lost its connection; reconnecting", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    /// The id of the request `payload` forwards to `node`, if it is one.
    private static func request(in payload: String, for node: String) -> Int64? {
        let parts = payload.split(separator: ":", maxSplits: 2).map(String.init)
        guard parts.count == 3, parts[0] == "request", parts[1] == node else { return nil }
        return Int64(parts[2])
    }

    /// Reads the forwarded request `id`, answers it and tells its sender; failures are logged, never thrown.
    private func answer(_ id: Int64, handleRequest: @escaping @Sendable (String) async -> String) async {
        do {
            try await PostgresDeadline.run {
                var request: (String, String)?
                for try await row in try await self.client.query(
                    "SELECT from_node, request FROM control_requests WHERE id = \(id)", logger: self.logger
                ).decode((String, String).self) {
                    request = row
                }
                guard let (from, body) = request else { return }
                let reply = await handleRequest(body)
                try await self.client.query("UPDATE control_requests SET reply = \(reply) WHERE id = \(id)", logger: self.logger)
                try await self.client.query("SELECT pg_notify(\(PostgresLogWriter.channel), \("reply:\(from):\(id)"))", logger: self.logger)
            }
        } catch {
            logger.warning("cannot answer a forwarded control request", metadata: ["request": "\(id)", "error": "\(String(reflecting: error))"])
        }
    }

    private func dispatch(_ payload: String, node: String, logMayHaveGrown: @Sendable () -> Void, heard: @Sendable (String) async -> Void) async {
        if payload.hasPrefix("announce:") {
            await heard(String(payload.dropFirst("announce:".count)))
            return
        }
        let parts = payload.split(separator: ":", maxSplits: 2).map(String.init)
        switch parts.first {
        case "log":
            logMayHaveGrown()
        case "reply" where parts.count == 3 && parts[1] == node:
            guard let id = Int64(parts[2]) else { return }
            endWait(id)
        default:
            break
        }
    }

    func announce(_ message: String) async throws {
        _ = try await PostgresDeadline.run {
            try await self.client.query("SELECT pg_notify(\(PostgresLogWriter.channel), \("announce:" + message))", logger: self.logger)
        }
    }

    func forward(_ request: String, from: String, to node: String, timeout: Duration) async throws -> String {
        try await PostgresDeadline.run(within: timeout + PostgresDeadline.default) {
            try await self.send(request, from: from, to: node, timeout: timeout)
        }
    }

    private func send(_ request: String, from: String, to node: String, timeout: Duration) async throws -> String {
        let now = Int64(Date().millisecondsSince1970)
        guard
            let id = try await client.query(
                "INSERT INTO control_requests (from_node, to_node, request, created_at) VALUES (\(from), \(node), \(request), \(now)) RETURNING id",
                logger: logger
            ).rows().first?.integer("id")
        else { throw StoreError.unavailable("the control request could not be recorded") }
        // Wait for the reply's notification, or the timeout; then read the reply either way, so a lost
        // notification costs only time.
        waits.withLock { $0[id] = .pending }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForReply(id) }
            group.addTask { try? await Task.sleep(for: timeout) }
            if (try? await client.query("SELECT pg_notify(\(PostgresLogWriter.channel), \("request:\(node):\(id)"))", logger: logger)) == nil {
                endWait(id)
            }
            await group.next()
            endWait(id)
            group.cancelAll()
        }
        waits.withLock { $0[id] = nil }
        let reply = try await client.query("DELETE FROM control_requests WHERE id = \(id) RETURNING reply", logger: logger).rows().first?.text(
            "reply")
        if let reply { return reply }
        throw StoreError.unavailable("node \(node) did not answer the control request in time")
    }
}
