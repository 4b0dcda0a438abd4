import Foundation
import Synchronization

/// The time by which a store decides expiries and windows (leases, connect windows, token lifetimes,
/// nonces): with a shared store, the database's clock, so that nodes whose own clocks disagree still
/// agree on when a lease ran out or what "the last second" was.
///
/// Read without a round trip: the store reads the database's clock now and then (`synchronize`), and
/// `now()` runs forward from that reading on this node's monotonic clock. So a wall clock that is off,
/// or is stepped between readings, changes nothing. A reading is off by at most half its round trip;
/// readings whose round trip was long (a wait for a connection) are not taken.
public final class StoreClock: Sendable {
    /// Added to this node's wall clock; only tests set it, to play a node whose clock is wrong.
    private let skew: TimeInterval
    private let reading = Mutex<(reference: Date, at: ContinuousClock.Instant)?>(nil)
    /// The longest round trip a reading may take to be kept.
    static let maxRoundTrip = Duration.milliseconds(250)

    public init(skew: TimeInterval = 0) {
        self.skew = skew
    }

    /// This node's own wall clock (skewed in tests): what `now()` is until a reading is taken.
    public var local: Date { Date().addingTimeInterval(skew) }

    /// The store's time, as best known here.
    public func now() -> Date {
        guard let reading = reading.withLock({ $0 }) else { return local }
        let elapsed = ContinuousClock.now - reading.at
        return reading.reference.addingTimeInterval(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    /// Records a reading of the reference clock taken between the monotonic instants `sent` and
    /// `received`, assumed half-way; ignored if the round trip was too long to trust, unless there is
    /// no reading yet. Returns whether it was taken.
    @discardableResult
    func synchronize(reference: Date, sent: ContinuousClock.Instant, received: ContinuousClock.Instant) -> Bool {
        let roundTrip = received - sent
        return reading.withLock { reading in
            guard reading == nil || roundTrip <= Self.maxRoundTrip else { return false }
            reading = (reference, sent + roundTrip / 2)
            return true
        }
    }
}
