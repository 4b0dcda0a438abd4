import SluiceCore
import SluiceStore

/// The one way events enter Sluice: validated, appended durably, then handed on.
///
/// The HTTP ingest route and the demo traffic both publish through this, so both get the same
/// validation and the same guarantees.
public struct EventIngest: Sendable {
    let store: any EventLog
    let appended: @Sendable () -> Void
    let metrics: ServerMetrics?

    /// - Parameter appended: told after each append, once the events are durable (wakes the fan-out).
    public init(store: any EventLog, appended: @escaping @Sendable () -> Void = {}) {
        self.init(store: store, metrics: nil, appended: appended)
    }

    init(store: any EventLog, metrics: ServerMetrics?, appended: @escaping @Sendable () -> Void) {
        self.store = store
        self.metrics = metrics
        self.appended = appended
    }

    /// Appends `events` as one batch; returns their sequence numbers once they are durable.
    ///
    /// - Throws: `StoreError.rejected` for what the store's validation refuses (`event_too_large` among it).
    @discardableResult
    public func publish(_ events: [Event]) async throws -> ClosedRange<Int64> {
        try await publish(events, idempotency: nil).range
    }

    /// Appends `events` as one batch under an idempotency key (see `Store.append(_:idempotency:)`).
    public func publish(_ events: [Event], idempotency: IdempotencyKey?) async throws -> Appended {
        let started = ContinuousClock.now
        let appended: Appended
        do {
            appended = try await store.append(events, idempotency: idempotency)
        } catch StoreError.rejected(let rejection) {
            metrics?.ingestRefused(code: rejection.code.rawValue)
            throw StoreError.rejected(rejection)
        } catch StoreError.idempotencyKeyReused {
            metrics?.ingestRefused(code: "idempotency_key_reused")
            throw StoreError.idempotencyKeyReused
        } catch {
            metrics?.appendFailures.increment()
            throw error
        }
        guard !appended.replayed else { return appended }
        metrics?.appendLatency.record(duration: ContinuousClock.now - started)
        metrics?.eventsIngested.increment(by: events.count)
        self.appended()
        return appended
    }
}
