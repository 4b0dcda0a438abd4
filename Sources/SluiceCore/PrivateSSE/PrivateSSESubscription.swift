import Foundation
import NIOCore
import Synchronization

/// One open Private SSE connection as the hub sees it: its filters, its limits, and its outbox.
public final class PrivateSSESubscription: Sendable {
    public let id: UInt64
    public let keyID: String
    public let spec: FilterSpec
    /// `false` with `?event_names=false`: payloads go out as unnamed (`message`) events.
    public let eventNames: Bool
    public let outbox: Outbox
    /// Seconds without a delivery after which the stream closes.
    public let idleTimeout: Double
    /// When the stream token expires (seconds since 1970): the stream closes then.
    public let expiresAt: Double
    /// The id of the stream's place in its key's pool (`conn_…`): how the operator names it, on any node.
    public let connectionID: String
    /// What the stream has delivered (events, not statuses or heartbeats).
    public let deliveries: DeliveryRecord

    private struct State {
        var bucket: TokenBucket
        var skipped = 0
        var lastNotice: Double
        var lastDelivery: Double
    }

    private let state: Mutex<State>
    /// Where skipped messages and a slow-reader close are counted (the hub's).
    private let counters: StreamCounters?

    /// - Parameters:
    ///   - wake: called when the outbox has something for the connection's writer (see `Outbox`).
    ///   - counters: the hub's `counters`, for metrics.
    public init(
        id: UInt64, keyID: String, spec: FilterSpec, eventNames: Bool, limits: StreamLimits, expiresAt: Double,
        outboxLimit: Int, now: Double, connectionID: String? = nil, counters: StreamCounters? = nil, wake: @escaping @Sendable () -> Void
    ) {
        self.connectionID = connectionID ?? "sub_\(id)"
        self.deliveries = DeliveryRecord(openedAt: Date(timeIntervalSince1970: now))
        self.counters = counters
        self.id = id
        self.keyID = keyID
        self.spec = spec
        self.eventNames = eventNames
        self.outbox = Outbox(limit: outboxLimit, wake: wake)
        self.idleTimeout = Double(limits.idleTimeoutSeconds)
        self.expiresAt = expiresAt
        self.state = Mutex(State(bucket: TokenBucket(rate: Double(limits.eventsPerSecond), now: now), lastNotice: now, lastDelivery: now))
    }

    /// Offers a message: delivered within the rate limit, else counted as skipped.
    /// Returns whether it was queued.
    @discardableResult
    public func offer(_ frame: ByteBuffer, now: Double) -> Bool {
        let allowed = state.withLock { state -> Bool in
            guard state.bucket.take(now: now) else {
                state.skipped += 1
                counters?.add(.rateLimited)
                return false
            }
            state.lastDelivery = now
            return true
        }
        guard allowed, push(frame) else { return false }
        deliveries.record(at: Date(timeIntervalSince1970: now))
        return true
    }

    /// Writes a frame outside the rate limit (replay, status, heartbeat); a full outbox closes the stream.
    @discardableResult
    public func push(_ frame: ByteBuffer) -> Bool {
        switch outbox.push(frame) {
        case .queued: return true
        case .closed: return false
        case .full:
            counters?.add(.slowReaderDisconnects)
            close(.slowReader, discardQueued: true)
            return false
        }
    }

    /// Periodic duties: the limit notice (at most once a second), the idle timeout, token expiry.
    public func tick(now: Double) {
        let (skipped, idle) = state.withLock { state -> (Int, Bool) in
            var skipped = 0
            if state.skipped > 0, now - state.lastNotice >= 1 {
                skipped = state.skipped
                state.skipped = 0
                state.lastNotice = now
            }
            return (skipped, now - state.lastDelivery >= idleTimeout)
        }
        if skipped > 0 { push(PrivateSSEStatus.limit(skipped: skipped, named: eventNames)) }
        if idle {
            close(.idleTimeout)
        } else if now >= expiresAt {
            close(.tokenExpired)
        }
    }

    /// Ends the stream with a `status` event giving the reason.
    public func close(_ reason: CloseReason, discardQueued: Bool = false) {
        outbox.close(reason, farewell: PrivateSSEStatus.closing(reason, named: eventNames), discardQueued: discardQueued)
    }
}
