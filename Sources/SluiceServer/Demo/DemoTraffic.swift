import Foundation
import Logging
import ServiceLifecycle
import SluiceCore
import SluiceSimulation

/// `serve --demo`: publishes a demo population, then live synthetic traffic at `rate` events/s, through
/// the same ingest path as `POST /v1/events`, until graceful shutdown.
///
/// A restart on the same store keeps what the demo made: its key (kept in `keyFile`, since the store
/// holds only its hash), so that `sluice tail` started with it goes on; and its population (one fixed
/// seed, published once), so that the log does not grow by a population per restart.
struct DemoTraffic: Service {
    let ingest: EventIngest
    let keys: KeyAdministration
    let rate: Double
    /// Where the server listens, for the example command in the banner.
    /// The server's URL, once it listens (its port is known only then with `--port 0`).
    let baseURL: @Sendable () async throws -> String
    /// Where the demo key is kept between restarts (mode 0600): beside an SQLite database, or in the
    /// working directory.
    let keyFile: String
    let logger: Logger

    /// The demo population's seed: the same users and graph at every start.
    static let seed: UInt64 = 0x51_1CE_DE30

    func run() async throws {
        let (key, kept, stored) = try await demoKey()
        let baseURL = try await baseURL()
        // Printed, not logged: shown to the person who started the demo, like `sluice keys create`.
        FileHandle.standardOutput.write(
            Data(
                """

                Sluice demo is running: \(rate) synthetic events/s.
                  demo API key (stream, ingest and read; \(kept ? "the same as before, " : "")\(stored ? "kept in \(keyFile)" : "shown once: \(keyFile) cannot be written")): \(key)
                  read the log:  curl -s -H 'Authorization: Bearer \(key)' '\(baseURL)/v1/events?after=0&limit=5'

                """.utf8))
        var population = SyntheticTraffic(seed: Self.seed)
        let events = population.population()
        if try await ingest.store.user(id: SyntheticTraffic.firstUserID) == nil {
            _ = try await ingest.publish(events)
            logger.info("demo population published", metadata: ["users": "\(population.users.count)"])
        }
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

    /// The demo key kept in `keyFile` if it is still a live demo key of this store (true), else a new
    /// one, written there. One live demo key at a time: earlier ones are revoked.
    private func demoKey() async throws -> (key: String, kept: Bool, stored: Bool) {
        let live = try await keys.list().filter { $0.name == "demo" && !$0.isRevoked }
        if let kept = try? String(contentsOfFile: keyFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
            live.contains(where: { $0.secretHash == Secret.hash(kept) })
        {
            return (kept, true, true)
        }
        for old in live { _ = try await keys.revoke(id: old.id) }
        let key = try await keys.create(name: "demo", scopes: ["stream", "ingest", "read"]).1
        let stored = Self.writeSecret(key + "\n", to: keyFile)
        if !stored { logger.warning("cannot keep the demo key in \(keyFile); a restart will make a new one") }
        return (key, false, stored)
    }

    /// Writes `secret` to `path` readable by its owner only from the first byte: a file created with
    /// mode 0600 (never wider, whatever the umask), then renamed over the old one.
    static func writeSecret(_ secret: String, to path: String) -> Bool {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return false }
        let bytes = Array(secret.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced, rename(temporary, path) == 0 else {
            unlink(temporary)
            return false
        }
        return true
    }
}
