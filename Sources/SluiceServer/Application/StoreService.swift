import ServiceLifecycle
import SluiceStore

/// Owns the store's lifetime within the service group: it closes the store after graceful shutdown,
/// which the group begins only once the HTTP server (added after it) has finished its requests.
struct StoreService: Service {
    let store: any Store

    func run() async throws {
        try? await gracefulShutdown()
        try await store.close()
    }
}
