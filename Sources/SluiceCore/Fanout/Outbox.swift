import NIOCore
import Synchronization

/// The bounded queue between the hub and one connection's socket.
///
/// The hub pushes shared frames without ever waiting; `wake` then tells the connection's writer
/// (once, until it next calls `take()`), which takes everything queued at once and writes it with one
/// flush. The writer stops taking while its socket is not writable, so a client that stops reading
/// fills the outbox, and a push that would pass `limit` is refused: the connection is then closed as a
/// slow reader, and the server's memory stays bounded whatever the client does.
///
/// A slow reader is one that leaves bytes waiting, not one that was handed a burst:
/// - the oldest queued frame does not count: an outbox always takes one frame, however large, so no
///   single message (a Site Streams tweet embedding two others can be several times the largest event)
///   is undeliverable;
/// - what waits behind it may pass `limit` for `patience` (a batch of large events pushed at once by
///   the fan-out, before the writer had its turn), up to `burstFactor × limit`; a backlog still over
///   `limit` after that is a reader that does not keep up.
/// Memory stays within `burstFactor × limit` plus one frame (and frames are shared between outboxes).
public final class Outbox: Sendable {
    public enum Push: Equatable, Sendable {
        case queued
        /// The outbox is full: nothing was queued.
        case full
        /// The outbox is closed.
        case closed
    }

    /// What the writer gets from `take()`.
    public enum Drain: Sendable {
        /// Frames to write, in order.
        case frames([ByteBuffer])
        /// The stream ends: write `farewell` (if any), then close the connection.
        case end(CloseReason?, farewell: ByteBuffer?)
    }

    private struct State {
        var frames: [ByteBuffer] = []
        var bytes = 0
        var wakePending = false
        /// Since when what waits behind the oldest frame has been over `limit`.
        var overLimitSince: ContinuousClock.Instant?
        var ending: (CloseReason?, ByteBuffer?)?
        var ended = false
        var roomWaiters: [CheckedContinuation<Void, Never>] = []
    }

    public let limit: Int
    private let wake: @Sendable () -> Void
    private let state = Mutex(State())

    /// - Parameters:
    ///   - limit: the most bytes queued at once.
    ///   - wake: called when there is something to take and the writer has not been told yet.
    public init(limit: Int, wake: @escaping @Sendable () -> Void) {
        self.limit = limit
        self.wake = wake
    }

    /// How long what waits behind the oldest frame may stay over `limit`.
    public static let patience = Duration.seconds(2)
    /// How far over `limit` it may go meanwhile.
    public static let burstFactor = 4

    /// Queues `frame`, or refuses it (`.full`) when the reader is not keeping up (see the type's rules).
    /// - Parameter clock: read only when the backlog is over `limit` (tests give their own time).
    public func push(_ frame: ByteBuffer, clock: () -> ContinuousClock.Instant = { .now }) -> Push {
        let (result, shouldWake): (Push, Bool) = state.withLock { state in
            guard state.ending == nil else { return (.closed, false) }
            let behindOldest = state.bytes - (state.frames.first?.readableBytes ?? 0) + frame.readableBytes
            if !state.frames.isEmpty, behindOldest > limit {
                let now = clock()
                let since = state.overLimitSince ?? now
                guard behindOldest <= limit * Self.burstFactor, now - since < Self.patience else { return (.full, false) }
                state.overLimitSince = since
            }
            state.frames.append(frame)
            state.bytes += frame.readableBytes
            defer { state.wakePending = true }
            return (.queued, !state.wakePending)
        }
        if shouldWake { wake() }
        return result
    }

    /// Bytes waiting to be taken.
    public var queuedBytes: Int { state.withLock { $0.bytes } }

    public var isClosed: Bool { state.withLock { $0.ending != nil } }

    /// Ends the stream after what is queued (or at once with `discardQueued`, for a slow reader):
    /// the writer then gets `.end(reason, farewell)`. Later pushes are refused; only the first close counts.
    public func close(_ reason: CloseReason?, farewell: ByteBuffer?, discardQueued: Bool = false) {
        let (shouldWake, waiters): (Bool, [CheckedContinuation<Void, Never>]) = state.withLock { state in
            guard state.ending == nil else { return (false, []) }
            state.ending = (reason, farewell)
            if discardQueued {
                state.frames.removeAll()
                state.bytes = 0
            }
            let waiters = state.roomWaiters
            state.roomWaiters.removeAll()
            state.wakePending = true
            return (true, waiters)
        }
        for waiter in waiters { waiter.resume() }
        // Always: a writer that stopped taking because its socket is full must still learn to close.
        if shouldWake { wake() }
    }

    /// Takes everything queued, or the end once everything was taken; nil when there is nothing.
    public func take() -> Drain? {
        let (drain, waiters): (Drain?, [CheckedContinuation<Void, Never>]) = state.withLock { state in
            state.wakePending = false
            if !state.frames.isEmpty {
                let frames = state.frames
                state.frames.removeAll(keepingCapacity: true)
                state.bytes = 0
                state.overLimitSince = nil
                let waiters = state.roomWaiters
                state.roomWaiters.removeAll()
                return (.frames(frames), waiters)
            }
            if let (reason, farewell) = state.ending, !state.ended {
                state.ended = true
                return (.end(reason, farewell: farewell), [])
            }
            return (nil, [])
        }
        for waiter in waiters { waiter.resume() }
        return drain
    }

    /// Waits until at most half the limit is queued (or the outbox is closed): lets a producer that
    /// has much to send, such as a replay, go at the pace of the client.
    public func waitForRoom() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if state.ending != nil || state.bytes <= limit / 2 { return true }
                state.roomWaiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }
}
