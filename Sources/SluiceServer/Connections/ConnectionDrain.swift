import ServiceLifecycle

/// Holds shutdown until the connections still open have closed (at most `limit`), so that the services
/// shut down after it (the follower, the leases, the store) outlive every stream's farewell.
///
/// Hummingbird's server returns once its connection tasks end, and a stream connection on the main
/// port has none (`StreamingHTTP1Channel`); the stream port's never had. Without this wait, the leases
/// of streams still writing their farewell were expired, and a replay could reach a closed store.
/// Placed to shut down right after `HubTicker`, which ends every stream with its reason.
struct ConnectionDrain: Service {
    let census: ConnectionCensus
    /// A farewell's grace period and a margin: a connection is closed by then whatever its client does.
    let limit: Duration

    func run() async throws {
        try? await gracefulShutdown()
        let deadline = ContinuousClock.now + limit
        // Connections close on their event loops; nothing signals the last one, so this looks.
        while census.openConnections > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
