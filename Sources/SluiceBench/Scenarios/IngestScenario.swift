import AsyncHTTPClient
import Foundation
import Synchronization

/// `ingest`: events per second into Sluice's log, and acknowledgement latency, by batch size. C clients
/// each publish batches of B tweets back to back for the duration.
public struct IngestScenario: Sendable {
    public var target: SluiceTarget
    public var clients: Int
    public var batch: Int
    public var duration: Double
    public var serverPIDs: [Int32]

    public init(target: SluiceTarget, clients: Int, batch: Int, duration: Double, serverPIDs: [Int32] = []) {
        self.target = target
        self.clients = clients
        self.batch = batch
        self.duration = duration
        self.serverPIDs = serverPIDs
    }

    public struct Report: Codable, Sendable {
        public var scenario = "ingest"
        public var server: String
        public var clients: Int
        public var batch: Int
        public var requests: Int
        public var failures: Int
        public var firstFailure: String?
        public var events: Int
        public var seconds: Double
        public var eventsPerSecond: Double
        public var acknowledgement: LatencySummary
        public var serverCPUSeconds: Double?
    }

    public func run(log: @escaping @Sendable (String) -> Void) async throws -> Report {
        guard (1...9999).contains(batch) else { throw BenchError("batch must be 1…9999") }
        return try await HTTPClient.withLoadClient { http in
            let setup = try await SluiceSetup.make(target, http: http, connections: 1)
            let batch = batch, clients = clients
            let publisher = Publisher(endpoint: setup.batchEndpoint(batch), http: http)
            let state = Tally(RequestTally())
            // Distinct per run: milliseconds × 100 leaves room for 100 requests per millisecond of run time.
            let idBase = Int64(Date().timeIntervalSince1970 * 1000) * 100
            let meter = CPUMeter(serverPIDs: serverPIDs)
            let clock = ContinuousClock()
            let started = clock.now
            let end = started.advanced(by: .seconds(duration))
            await withTaskGroup(of: Void.self) { group in
                for c in 0..<clients {
                    group.addTask {
                        var n = c
                        while clock.now < end {
                            let t0 = ProcessStats.wallNanoseconds()
                            let failure = await publisher.publish(["id": String(idBase + Int64(n)), "marker": PublishMarker.make(at: t0)])
                            n += clients
                            let elapsed = ProcessStats.wallNanoseconds() - t0
                            state.update { $0.record(failure: failure, nanoseconds: elapsed) }
                            if failure != nil { try? await Task.sleep(for: .milliseconds(100)) }
                        }
                    }
                }
            }
            let seconds = (clock.now - started) / .seconds(1)
            let serverCPU = meter.serverSeconds
            return state.update {
                Report(
                    server: target.label, clients: clients, batch: batch, requests: $0.succeeded, failures: $0.failed,
                    firstFailure: $0.firstFailure, events: $0.succeeded * batch, seconds: seconds,
                    eventsPerSecond: Double($0.succeeded * batch) / seconds, acknowledgement: $0.latency.summary, serverCPUSeconds: serverCPU)
            }
        }
    }
}

extension SluiceSetup {
    /// A batch of `size` tweets per publish, ids `{{id}}`, `{{id}}+1`, … (the template is built once; only
    /// the base id and marker change per request).
    func batchEndpoint(_ size: Int) -> PublishEndpoint {
        // Ids are rendered by offsetting the base in the text: each tweet's id is `{{id}}` followed by a
        // distinct 4-digit suffix, so one template serves any base without arithmetic per request.
        let tweets = (0..<size).map { i in
            #"{"type":"tweet","data":{"id":{{id}}\#(String(format: "%04d", i)),"text":"{{marker}} bench tweet \#(i) #bench","created_at":"2024-01-01T12:00:00Z","user":\#(authorJSON),"lang":"en"}}"#
        }
        return PublishEndpoint(
            url: target.baseURL + "/v1/events", headers: [("Authorization", "Bearer \(key)")],
            body: BodyTemplate("[" + tweets.joined(separator: ",") + "]"))
    }
}
