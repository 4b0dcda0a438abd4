import AsyncHTTPClient
import Foundation
import Synchronization

/// `connect`: new authenticated streams per second. Each of L lanes repeats: buy a stream token (Sluice),
/// open a stream with it, wait for the server's 200, close. The latency is that whole sequence.
public struct ConnectScenario: Sendable {
    public var target: BenchTarget
    public var lanes: Int
    public var duration: Double
    public var sourceAddresses: Int
    public var serverPIDs: [Int32]

    public init(target: BenchTarget, lanes: Int, duration: Double, sourceAddresses: Int = 4, serverPIDs: [Int32] = []) {
        self.target = target
        self.lanes = lanes
        self.duration = duration
        self.sourceAddresses = sourceAddresses
        self.serverPIDs = serverPIDs
    }

    public struct Report: Codable, Sendable {
        public var scenario = "connect"
        public var server: String
        public var lanes: Int
        public var duration: Double
        public var connects: Int
        public var refused: Int
        public var firstRefusal: String?
        public var connectsPerSecond: Double
        /// Token purchase (Sluice) plus connect, request and response head.
        public var latency: LatencySummary
        public var loadGeneratorCPUSeconds: Double
        public var serverCPUSeconds: Double?
    }

    public func run(log: @escaping @Sendable (String) -> Void) async throws -> Report {
        try await HTTPClient.withLoadClient { http in
            let setup: SluiceSetup?
            let address: StreamAddress
            switch target {
            case .sluice(let sluice):
                setup = try await SluiceSetup.make(sluice, http: http, connections: lanes)
                address = try setup!.streamAddress
            case .generic(let generic):
                setup = nil
                address = try StreamAddress(generic.subscribeURL.replacingOccurrences(of: "{{n}}", with: "0"))
            }
            let load = StreamLoad()
            let state = Tally(RequestTally())
            let meter = CPUMeter(serverPIDs: serverPIDs)
            let clock = ContinuousClock()
            let started = clock.now
            let end = started.advanced(by: .seconds(duration))
            await withTaskGroup(of: Void.self) { group in
                for lane in 0..<lanes {
                    group.addTask {
                        var n = lane
                        while clock.now < end {
                            let source = sourceAddresses > 1 ? "127.0.0.\(2 + n % sourceAddresses)" : nil
                            n += lanes
                            let t0 = ProcessStats.wallNanoseconds()
                            var failure: String?
                            do {
                                var path = address.path
                                if let setup { path = "/sse/private?token=\(try await setup.client.streamToken())" }
                                try await load.open(host: address.host, port: address.port, path: path, sourceAddress: source, keep: false)
                            } catch {
                                failure = "\(error)"
                            }
                            let elapsed = ProcessStats.wallNanoseconds() - t0
                            state.update { $0.record(failure: failure, nanoseconds: elapsed) }
                        }
                    }
                }
            }
            let seconds = (clock.now - started) / .seconds(1)
            let cpu = meter.ownSeconds
            let serverCPU = meter.serverSeconds
            try await load.shutdown()
            return state.update {
                Report(
                    server: target.label, lanes: lanes, duration: seconds, connects: $0.succeeded, refused: $0.failed,
                    firstRefusal: $0.firstFailure, connectsPerSecond: Double($0.succeeded) / seconds, latency: $0.latency.summary,
                    loadGeneratorCPUSeconds: cpu, serverCPUSeconds: serverCPU)
            }
        }
    }
}
