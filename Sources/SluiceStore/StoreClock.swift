import Foundation
import Synchronization

/// The time by which a store decides expiries and windows (leases, connect windows, token lifetimes,
/// nonces): with a shared store, the database's clock, so that nodes whose own clocks disagree still
/// agree on when a lease ran out or what "the last second" was.
///
/// Read without a round trip: the store measures the database's clock against this node's now and
/// then (`synchronize`), and `now()` applies that offset to the local clock. The estimate is off by
/// at most half a round trip when it was taken.
public final class StoreClock: Sendable {
    /// Added to this node's wall clock; only tests set it, to play a node whose clock is wrong.
    private let skew: TimeInterval
    private let offset = Mutex<TimeInterval>(0)

    public init(skew: TimeInterval = 0) {
        self.skew = skew
    }

    /// This node's own wall clock (skewed in tests).
    public var local: Date { Date().addingTimeInterval(skew) }

    /// The store's time, as best known here.
    public func now() -> Date {
        local.addingTimeInterval(offset.withLock { $0 })
    }

    /// Records a reading of the reference clock taken between `sent` and `received` (local times):
    /// it is assumed to have been taken half-way.
    func synchronize(reference: Date, sent: Date, received: Date) {
        let midpoint = sent.addingTimeInterval(received.timeIntervalSince(sent) / 2)
        offset.withLock { $0 = reference.timeIntervalSince(midpoint) }
    }
}
