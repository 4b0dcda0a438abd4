import Foundation
import Logging
import ServiceLifecycle
import SluiceStore

/// Removes stream tokens that can no longer matter (spent or expired, and older than the per-key
/// issue window they count towards), every `interval`, so the token table stays small.
struct TokenJanitor: Service {
    let store: any Store
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let removed = try await store.purgeStreamTokens(before: Date())
                    if removed > 0 { logger.debug("purged stream tokens", metadata: ["count": "\(removed)"]) }
                } catch {
                    logger.warning("cannot purge stream tokens", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: interval)
            }
        }
    }
}
