import AsyncHTTPClient
import Foundation
import NIOCore
import SluiceCore
import Synchronization

/// `sluice bench sse`: opens many Private SSE connections (tokens bought and checked for each), measures
/// the server's memory per idle connection, then publishes marked tweets that every connection receives
/// and measures latency from the ingest acknowledgement to receipt.
public struct SSEBenchmark: Sendable {
    public var baseURL: String
    /// Where streams are opened, if not at `baseURL` (a dedicated stream listener).
    public var streamURL: String?
    public var adminToken: String
    public var connections: Int
    public var publishRate: Double
    public var duration: Double
    /// The server's process id, to read its memory (`/proc/PID/status`); nil skips the memory figure.
    public var serverPID: Int32?
    /// Connections are spread over 127.0.0.2, 127.0.0.3, … to pass the ephemeral-port limit of one address.
    public var sourceAddresses: Int

    public init(
        baseURL: String, streamURL: String? = nil, adminToken: String, connections: Int, publishRate: Double, duration: Double,
        serverPID: Int32?, sourceAddresses: Int
    ) {
        self.baseURL = baseURL
        self.streamURL = streamURL
        self.adminToken = adminToken
        self.connections = connections
        self.publishRate = publishRate
        self.duration = duration
        self.serverPID = serverPID
        self.sourceAddresses = sourceAddresses
    }

    public struct Report: Codable, Sendable {
        public var connections: Int
        public var connected: Int
        public var tokensPerSecond: Double
        public var connectsPerSecond: Double
        public var serverRSSBeforeBytes: Int?
        public var serverRSSAfterBytes: Int?
        public var bytesPerIdleConnection: Double?
        public var published: Int
        public var deliveries: Int
        public var expectedDeliveries: Int
        /// Streams the server ended before the run was over (slow readers, among others).
        public var closedStreams: Int
        public var ackP50Milliseconds: Double
        public var ackToReceiptP50Milliseconds: Double
        public var ackToReceiptP99Milliseconds: Double
        public var publishToReceiptP99Milliseconds: Double
        public var loadGeneratorCPUSeconds: Double
    }

    public func run(log: @Sendable (String) -> Void) async throws -> Report {
        let http = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: .init(connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)))
        do {
            let report = try await run(http: http, log: log)
            try await http.shutdown()
            return report
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    private func run(http: HTTPClient, log: @Sendable (String) -> Void) async throws -> Report {
        let admin = SluiceRESTClient(baseURL: baseURL, credential: adminToken, http: http)
        let key = try await admin.createKey(
            name: "bench", scopes: ["stream", "ingest"],
            limits: ["max_connections": connections + 10, "tokens_per_hour": connections * 2 + 100, "events_per_second": 10_000,
                     "idle_timeout_seconds": 24 * 3600])
        let client = SluiceRESTClient(baseURL: baseURL, credential: key.key!, http: http)
        let author = User(id: 9_100_000_001, username: "bench_latency")
        _ = try await client.publish([.userUpdate(author)])

        // Tokens, 32 requests at a time.
        let clock = ContinuousClock()
        var started = clock.now
        let tokens = try await withThrowingTaskGroup(of: [String].self) { group in
            let lanes = 32
            for lane in 0..<lanes {
                let count = connections / lanes + (lane < connections % lanes ? 1 : 0)
                group.addTask { var mine: [String] = []; for _ in 0..<count { mine.append(try await client.streamToken()) }; return mine }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let tokensPerSecond = Double(tokens.count) / seconds(clock.now - started)
        log(String(format: "bought %d tokens: %.0f tokens/s", tokens.count, tokensPerSecond))

        let rssBefore = serverPID.flatMap(Self.residentBytes)
        let load = StreamLoad()
        let url = URL(string: streamURL ?? baseURL)!
        let host = url.host ?? "127.0.0.1", port = url.port ?? 80
        started = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            let lanes = 64
            for lane in 0..<lanes {
                group.addTask {
                    for index in stride(from: lane, to: tokens.count, by: lanes) {
                        let source = sourceAddresses > 1 ? "127.0.0.\(2 + index % sourceAddresses)" : nil
                        try? await load.open(host: host, port: port, path: "/sse/private?token=\(tokens[index])", sourceAddress: source)
                    }
                }
            }
            try await group.waitForAll()
        }
        let connectsPerSecond = Double(connections) / seconds(clock.now - started)
        log(String(format: "opened %d connections (%d refused): %.0f connections/s", load.snapshot.connected, load.snapshot.failed, connectsPerSecond))
        try await Task.sleep(for: .seconds(2))
        let rssAfter = serverPID.flatMap(Self.residentBytes)
        var perConnection: Double?
        if let rssBefore, let rssAfter {
            perConnection = Double(rssAfter - rssBefore) / Double(max(1, load.snapshot.connected))
            log(String(format: "server RSS %.1f MiB → %.1f MiB: %.1f KB per idle connection",
                Double(rssBefore) / 1_048_576, Double(rssAfter) / 1_048_576, perConnection! / 1000))
        }

        // Latency: marked tweets at a fixed rate, each published alone; every connection gets every one.
        load.resetReceipts()
        let acks = AckLog()
        let cpuBefore = Self.cpuSeconds()
        let total = Int(publishRate * duration)
        let interval = Duration.seconds(1 / publishRate)
        var deadline = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<total {
                deadline = deadline.advanced(by: interval)
                try await clock.sleep(until: deadline)
                group.addTask {
                    let marker = Int64(Date().timeIntervalSince1970 * 1e9)
                    let tweet = Tweet(id: marker, text: "lat \(marker) bench \(n)", createdAt: Date(), user: author)
                    _ = try await client.publish([.tweet(tweet)])
                    let acked = Int64(Date().timeIntervalSince1970 * 1e9)
                    acks.record(marker: marker, ackedAt: acked)
                }
            }
            try await group.waitForAll()
        }
        let expected = total * load.snapshot.connected
        _ = try? await waitFor(seconds: 10) { load.snapshot.receipts.count >= expected }
        let cpu = Self.cpuSeconds() - cpuBefore
        let receipts = load.snapshot.receipts
        let closed = load.snapshot.closed
        let ackTimes = acks.all
        let fromAck = receipts.compactMap { r in ackTimes[r.marker].map { max(0, r.receivedAt - $0) } }.sorted()
        let fromPublish = receipts.map { $0.receivedAt - $0.marker }.sorted()
        try await load.shutdown()
        let ackSorted = ackTimes.map { $0.value - $0.key }.sorted()
        return Report(
            connections: connections, connected: load.snapshot.connected, tokensPerSecond: tokensPerSecond,
            connectsPerSecond: connectsPerSecond, serverRSSBeforeBytes: rssBefore, serverRSSAfterBytes: rssAfter,
            bytesPerIdleConnection: perConnection, published: total, deliveries: receipts.count, expectedDeliveries: expected,
            closedStreams: closed,
            ackP50Milliseconds: Self.percentile(ackSorted, 0.5), ackToReceiptP50Milliseconds: Self.percentile(fromAck, 0.5),
            ackToReceiptP99Milliseconds: Self.percentile(fromAck, 0.99), publishToReceiptP99Milliseconds: Self.percentile(fromPublish, 0.99),
            loadGeneratorCPUSeconds: cpu)
    }

    static func percentile(_ sorted: [Int64], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1e6
    }

    func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

    func waitFor(seconds: Double, _ condition: () -> Bool) async throws -> Bool {
        let end = ContinuousClock.now.advanced(by: .seconds(seconds))
        while ContinuousClock.now < end {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    /// Resident memory of a process, from `/proc/PID/status` (Linux).
    public static func residentBytes(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return nil }
        return line.split(separator: " ").compactMap { Int($0) }.first.map { $0 * 1024 }
    }

    /// CPU time this process has used (user + system), in seconds.
    public static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}

/// Acknowledgement times by marker, recorded by concurrent publishers.
final class AckLog: Sendable {
    private let acks = Mutex<[Int64: Int64]>([:])

    func record(marker: Int64, ackedAt: Int64) { acks.withLock { $0[marker] = ackedAt } }
    var all: [Int64: Int64] { acks.withLock { $0 } }
}
