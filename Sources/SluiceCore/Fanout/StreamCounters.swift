import Synchronization

/// Running totals of what one kind of stream did, for metrics: bumped from any event loop without a
/// lock, read when metrics are scraped. Deliveries are added once per event, not once per recipient.
public final class StreamCounters: Sendable {
    public enum Counter: Sendable, CaseIterable {
        /// Streams admitted and opened.
        case opened
        /// Messages queued for a connection.
        case deliveries
        /// Messages a connection's rate limit skipped.
        case rateLimited
        /// Connections closed because their reader fell behind and the outbox filled.
        case slowReaderDisconnects
    }

    private let opened = Atomic<Int>(0)
    private let deliveries = Atomic<Int>(0)
    private let rateLimited = Atomic<Int>(0)
    private let slowReaderDisconnects = Atomic<Int>(0)

    public init() {}

    public func add(_ counter: Counter, _ amount: Int = 1) {
        guard amount != 0 else { return }
        switch counter {
        case .opened: opened.wrappingAdd(amount, ordering: .relaxed)
        case .deliveries: deliveries.wrappingAdd(amount, ordering: .relaxed)
        case .rateLimited: rateLimited.wrappingAdd(amount, ordering: .relaxed)
        case .slowReaderDisconnects: slowReaderDisconnects.wrappingAdd(amount, ordering: .relaxed)
        }
    }

    public func value(_ counter: Counter) -> Int {
        switch counter {
        case .opened: opened.load(ordering: .relaxed)
        case .deliveries: deliveries.load(ordering: .relaxed)
        case .rateLimited: rateLimited.load(ordering: .relaxed)
        case .slowReaderDisconnects: slowReaderDisconnects.load(ordering: .relaxed)
        }
    }
}
