import Foundation
import Logging
import ServiceLifecycle
import SluiceCore

/// `serve --demo`: publishes a demo population, then live synthetic traffic at `rate` events/s, through
/// the same ingest path as `POST /v1/events`, until graceful shutdown.
struct DemoTraffic: Service {
    let ingest: EventIngest
    let keys: KeyAdministration
    let rate: Double
    /// Where the server listens, for the example command in the banner.
    let baseURL: String
    let logger: Logger

    func run() async throws {
        let key = try await freshDemoKey()
        // Printed, not logged: shown once to the person who started the demo, like `sluice keys create`.
        FileHandle.standardOutput.write(Data(
            """

            Sluice demo is running: \(rate) synthetic events/s.
              demo API key (stream, ingest and read; shown once): \(key)
              read the log:  curl -s -H 'Authorization: Bearer \(key)' '\(baseURL)/v1/events?after=0&limit=5'

            """.utf8))
        var population = SyntheticTraffic(seed: UInt64.random(in: 0 ... .max))
        _ = try await ingest.publish(population.population())
        logger.info("demo population published", metadata: ["users": "\(population.users.count)"])
        let interval = Duration.seconds(1.0 / max(rate, 0.01))
        // Graceful shutdown cancels the loop; that is its normal end, not an error.
        try? await cancelWhenGracefulShutdown { [population] in
            var traffic = population
            while !Task.isCancelled {
                do {
                    _ = try await ingest.publish([traffic.next()])
                } catch {
                    logger.warning("demo event refused", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: interval)
            }
        }
    }

    /// One live demo key at a time: earlier ones are revoked, so restarts don't pile up keys.
    private func freshDemoKey() async throws -> String {
        for old in try await keys.list() where old.name == "demo" && !old.isRevoked {
            _ = try await keys.revoke(id: old.id)
        }
        return try await keys.create(name: "demo", scopes: ["stream", "ingest", "read"]).1
    }
}
