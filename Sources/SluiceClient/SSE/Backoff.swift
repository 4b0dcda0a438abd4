/// Reconnection delays: exponential with full jitter, capped; a server's `Retry-After` wins.
///
/// Twitter's streaming guidance: back off exponentially on HTTP errors, more gently on network errors,
/// and start over once a connection has worked.
public struct Backoff: Sendable {
    public var initial: Duration
    public var maximum: Duration
    private var attempt = 0

    public init(initial: Duration = .milliseconds(250), maximum: Duration = .seconds(60)) {
        self.initial = initial
        self.maximum = maximum
    }

    /// The next delay; `retryAfter` (seconds) from the server takes precedence.
    public mutating func next(retryAfter: Int? = nil, using generator: inout some RandomNumberGenerator) -> Duration {
        if let retryAfter { return .seconds(retryAfter) }
        let ceiling = min(maximum, initial * (1 << min(attempt, 16)))
        attempt += 1
        let fraction = Double.random(in: 0.5...1, using: &generator)
        return ceiling * fraction
    }

    /// A connection worked: the next failure starts from `initial` again.
    public mutating func reset() {
        attempt = 0
    }
}
