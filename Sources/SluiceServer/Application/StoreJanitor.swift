import Foundation
import Logging
import ServiceLifecycle
import SluiceStore

/// Every `interval`, removes from the store what can no longer matter: stream tokens that are spent or
/// expired (and older than the per-key issue window they count towards), and the expired leases,
/// records and old attempts behind the limits. Keeps those tables small however long the server runs.
struct StoreJanitor: Service {
    let store: any Credentials & SharedLimits
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let now = store.clock.now()
                    let tokens = try await store.purgeStreamTokens(before: now)
                    let entries = try await store.purgeExpired(before: now)
                    if tokens + entries > 0 { logger.debug("purged the store", metadata: ["tokens": "\(tokens)", "entries": "\(entries)"]) }
                } catch {
                    logger.warning("cannot purge the store", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: interval)
            }
        }
    }
}
