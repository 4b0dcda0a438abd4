import SluiceCore
import SluiceStore

/// The one way events enter Sluice: validated, appended durably, then handed on.
///
/// The HTTP ingest route and the demo traffic both publish through this, so both get the same
/// validation and the same guarantees.
public struct EventIngest: Sendable {
    let store: any Store
    let appended: @Sendable () -> Void
    let metrics: ServerMetrics?

    /// - Parameter appended: told after each append, once the events are durable (wakes the fan-out).
    public init(store: any Store, appended: @escaping @Sendable () -> Void = {}) {
        self.init(store: store, metrics: nil, appended: appended)
    }

    init(store: any Store, metrics: ServerMetrics?, appended: @escaping @Sendable () -> Void) {
        self.store = store
        self.metrics = metrics
        self.appended = appended
    }

    /// Appends `events` as one batch; returns their sequence numbers once they are durable.
    public func publish(_ events: [Event]) async throws -> ClosedRange<Int64> {
        let started = ContinuousClock.now
        let range: ClosedRange<Int64>
        do {
            range = try await store.append(events)
        } catch {
            metrics?.appendFailures.increment()
            throw error
        }
        metrics?.appendLatency.record(duration: ContinuousClock.now - started)
        metrics?.eventsIngested.increment(by: events.count)
        appended()
        return range
    }
}
