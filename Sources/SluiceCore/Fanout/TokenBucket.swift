import Foundation

/// A token bucket: `rate` tokens per second, holding at most `capacity`.
///
/// Used for the per-connection event rate (5 events/s by default): an event takes a token or is skipped.
public struct TokenBucket: Sendable, Equatable {
    public let rate: Double
    public let capacity: Double
    private var tokens: Double
    private var updated: Double

    /// - Parameters:
    ///   - rate: tokens added per second.
    ///   - capacity: burst size; defaults to one second's worth.
    public init(rate: Double, capacity: Double? = nil, now: Double) {
        self.rate = rate
        self.capacity = capacity ?? max(1, rate)
        self.tokens = self.capacity
        self.updated = now
    }

    /// Takes a token if there is one. `now` is in seconds on any monotonic clock.
    public mutating func take(now: Double) -> Bool {
        tokens = min(capacity, tokens + max(0, now - updated) * rate)
        updated = now
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
