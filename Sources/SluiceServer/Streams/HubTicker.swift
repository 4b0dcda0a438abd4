import Foundation
import ServiceLifecycle
import SluiceCore

/// Drives every connection's periodic duties once a second (limit notices, idle timeouts, token
/// expiry) and sends heartbeats and Site Streams keep-alives; on shutdown, ends every stream with its reason.
struct HubTicker: Service {
    let hub: PrivateSSEHub
    let siteHub: SiteStreamHub
    let heartbeatEvery: Int
    let siteKeepaliveEvery: Int

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var ticks = 0
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(1))
                ticks += 1
                hub.tick(now: Date().timeIntervalSince1970, heartbeat: ticks % max(1, heartbeatEvery) == 0)
                if ticks % max(1, siteKeepaliveEvery) == 0 { siteHub.keepalive() }
            }
        }
        hub.closeAll(.shutdown)
        siteHub.closeAll(.shutdown, reason: "the server is shutting down; reconnect")
    }
}
