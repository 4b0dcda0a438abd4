import Synchronization

/// Where the main listener is bound, once it is: what prints URLs for people (the demo) needs the real
/// port, which with `--port 0` is known only then.
final class ServerAddress: Sendable {
    private let bound = Mutex<String?>(nil)

    /// Called once the listener is up, with its address as `host:port`.
    func set(_ address: String) {
        bound.withLock { $0 = address }
    }

    /// The address, once the listener is up; waits for it, and throws `CancellationError` if the task
    /// is cancelled first (a server that never came up).
    func value() async throws -> String {
        while true {
            if let address = bound.withLock({ $0 }) { return address }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
