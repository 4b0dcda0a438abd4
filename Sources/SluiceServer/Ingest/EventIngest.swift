import SluiceCore
import SluiceStore

/// The one way events enter Sluice: validated, appended durably, then handed on.
///
/// The HTTP ingest route and the demo traffic both publish through this, so both get the same
/// validation and the same guarantees.
public struct EventIngest: Sendable {
    let store: any Store
    let appended: @Sendable () -> Void

    /// - Parameter appended: told after each append, once the events are durable (wakes the fan-out).
    public init(store: any Store, appended: @escaping @Sendable () -> Void = {}) {
        self.store = store
        self.appended = appended
    }

    /// Appends `events` as one batch; returns their sequence numbers once they are durable.
    public func publish(_ events: [Event]) async throws -> ClosedRange<Int64> {
        let range = try await store.append(events)
        appended()
        return range
    }
}
