import Foundation
import Synchronization

/// What one open stream has delivered, for the operator's list of connections: how many messages,
/// and when the last one was queued. Atomics, so that counting costs the fan-out no lock; held inline
/// by its stream (no allocation of its own: 24 bytes per stream).
public struct DeliveryRecord: ~Copyable, Sendable {
    /// When the stream opened.
    public let openedAt: Date
    private let count = Atomic<Int>(0)
    /// Milliseconds since 1970 of the last delivery; `Int64.min` before the first.
    private let lastMillis = Atomic<Int64>(.min)

    public init(openedAt: Date = Date()) {
        self.openedAt = openedAt
    }

    /// Counts one message queued for the client at `date`.
    public func record(at date: Date = Date()) {
        count.wrappingAdd(1, ordering: .relaxed)
        lastMillis.store(Int64(date.timeIntervalSince1970 * 1000), ordering: .relaxed)
    }

    /// Messages delivered so far.
    public var delivered: Int { count.load(ordering: .relaxed) }

    /// When the last message was delivered, if one was.
    public var lastDelivery: Date? {
        let millis = lastMillis.load(ordering: .relaxed)
        return millis == .min ? nil : Date(timeIntervalSince1970: Double(millis) / 1000)
    }
}
