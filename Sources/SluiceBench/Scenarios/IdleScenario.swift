import AsyncHTTPClient
import Foundation

/// `idle`: the server's memory per open, idle stream, read from the server's processes (`/proc`) before
/// and after opening C streams, once their memory has settled.
public struct IdleScenario: Sendable {
    public var target: BenchTarget
    public var connections: Int
    public var sourceAddresses: Int
    /// The server's processes; their resident memory is summed.
    public var serverPIDs: [Int32]

    public init(target: BenchTarget, connections: Int, sourceAddresses: Int = 4, serverPIDs: [Int32]) {
        self.target = target
        self.connections = connections
        self.sourceAddresses = sourceAddresses
        self.serverPIDs = serverPIDs
    }

    public struct Report: Codable, Sendable {
        public var scenario = "idle"
        public var server: String
        public var connections: Int
        public var connected: Int
        public var connectsPerSecond: Double
        public var serverRSSBeforeBytes: Int
        public var serverRSSAfterBytes: Int
        public var bytesPerConnection: Double
        /// The load generator's own memory per connection, for comparison.
        public var loadGeneratorBytesPerConnection: Double
    }

    public func run(log: @escaping @Sendable (String) -> Void) async throws -> Report {
        guard let before = ProcessStats.residentBytes(serverPIDs) else {
            throw BenchError("give the server's process ids (--server-pid) to read its memory")
        }
        let ownBefore = ProcessStats.residentBytes(getpid()) ?? 0
        return try await HTTPClient.withLoadClient { http in
            let streams = try await StreamSet.open(target, connections: connections, sourceAddresses: sourceAddresses, http: http, log: log)
            let after = await Self.settledRSS(serverPIDs) ?? before
            let own = ProcessStats.residentBytes(getpid()) ?? ownBefore
            try await streams.load.shutdown()
            let opened = max(1, streams.opened)
            return Report(
                server: target.label, connections: connections, connected: streams.opened, connectsPerSecond: streams.connectsPerSecond,
                serverRSSBeforeBytes: before, serverRSSAfterBytes: after, bytesPerConnection: Double(after - before) / Double(opened),
                loadGeneratorBytesPerConnection: Double(own - ownBefore) / Double(opened))
        }
    }

    /// Resident memory once it stops moving: two readings a second apart within 0.5%, or the last of 15 s.
    static func settledRSS(_ pids: [Int32]) async -> Int? {
        var last = ProcessStats.residentBytes(pids)
        for _ in 0..<15 {
            try? await Task.sleep(for: .seconds(1))
            let now = ProcessStats.residentBytes(pids)
            if let now, let previous = last, abs(now - previous) <= previous / 200 { return now }
            last = now
        }
        return last
    }
}
