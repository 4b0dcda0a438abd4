import NIOCore
import Synchronization

/// The fan-out point: takes each event of the log once, in order, and hands it to the connections
/// that may and want to receive it.
///
/// Each event is encoded once per wire format; connections share the bytes. Routing goes through
/// `FilterIndex`, so an event costs in proportion to the connections it matches. The hub also drives
/// the periodic duties of every connection from one ticker. (A key's concurrent connections are
/// counted in the store, so that the limit holds across nodes.)
public final class PrivateSSEHub: Sendable {
    private struct State {
        /// The subscriptions events are dispatched to.
        var subscriptions: [UInt64: PrivateSSESubscription] = [:]
        /// Every open stream, those still replaying before they join included (`track`): what the
        /// operator lists and closes.
        var open: [UInt64: PrivateSSESubscription] = [:]
        var index = FilterIndex<UInt64>()
        var position: Int64
        /// Keys revoked while this process runs: a stream admitted just before the revocation must not
        /// register after `close(keyID:)` has run.
        var revokedKeys: Set<String> = []
        var nextID: UInt64 = 1
        var recent: ReplayBuffer
        /// How many times the log moved backwards under the hub (`rewind`).
        var rewinds = 0
    }

    private let state: Mutex<State>
    /// Held while a page is dispatched and while the periodic duties run (see `dispatch(page:now:)`).
    /// Always taken before `state` or a subscription's own lock, never inside them.
    private let pageGate = Mutex(())
    /// What this hub's streams did, for metrics.
    public let counters = StreamCounters()

    /// - Parameters:
    ///   - position: the sequence number of the last event already dispatched (the log's end).
    ///   - replayMemory: bytes of recent messages kept for replay from memory (`ReplayBuffer`).
    public init(position: Int64, replayMemory: Int = 64 << 20) {
        state = Mutex(State(position: position, recent: ReplayBuffer(budget: replayMemory)))
    }

    /// Up to `limit` messages after `sequence` from memory, or nil if they are no longer (or not yet) there.
    public func recentMessages(after sequence: Int64, limit: Int) -> [ReplayBuffer.Entry]? {
        state.withLock { state in state.recent.entries(after: sequence, limit: limit).map(Array.init) }
    }

    /// The sequence number of the last event dispatched.
    public var position: Int64 { state.withLock { $0.position } }

    /// How many times the log moved backwards under the hub: a replay that began before a rewind must
    /// not join after it (`register(_:at:rewinds:)`).
    public var rewinds: Int { state.withLock { $0.rewinds } }

    public var subscriptionCount: Int { state.withLock { $0.subscriptions.count } }

    /// The keys of the open streams.
    public var keyIDs: Set<String> { state.withLock { Set($0.subscriptions.values.map(\.keyID)) } }

    public func makeSubscriptionID() -> UInt64 {
        state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
    }

    // MARK: - Subscriptions

    /// Adds `subscription` if the hub has dispatched exactly up to `position`, so that it receives
    /// every event after `position` and nothing before: the seam between replay and live. Returns
    /// the hub's position when it is elsewhere (the caller replays up to it and tries again).
    /// A subscription of a revoked key is closed instead (`key_revoked`), and so is one whose replay
    /// began when the hub had seen fewer `rewinds` than now (`log_rewound`): what it replayed is gone.
    public func register(_ subscription: PrivateSSESubscription, at position: Int64, rewinds: Int? = nil) -> Int64? {
        let (ahead, refusal): (Int64?, CloseReason?) = state.withLock { state in
            if state.revokedKeys.contains(subscription.keyID) { return (nil, .keyRevoked) }
            if let rewinds, rewinds != state.rewinds { return (nil, .logRewound) }
            guard state.position == position else { return (state.position, nil) }
            state.subscriptions[subscription.id] = subscription
            state.open[subscription.id] = subscription
            state.index.insert(subscription.id, subscription.spec)
            return (nil, nil)
        }
        if let refusal { subscription.close(refusal) }
        return ahead
    }

    /// Adds `subscription` at the hub's current position: for a stream that does not resume, which starts
    /// with the next event, whatever it is. Needs no replay, hence no task, which is what an idle stream
    /// would otherwise keep (measured: about 6 KB each).
    public func registerLive(_ subscription: PrivateSSESubscription) {
        let revoked: Bool = state.withLock { state in
            if state.revokedKeys.contains(subscription.keyID) { return true }
            state.subscriptions[subscription.id] = subscription
            state.open[subscription.id] = subscription
            state.index.insert(subscription.id, subscription.spec)
            return false
        }
        if revoked { subscription.close(.keyRevoked) }
    }

    /// Makes a stream that replays before it registers known to the operator from its opening: listed
    /// and closable while it replays, which a slow reader can make last. `remove` forgets it.
    public func track(_ subscription: PrivateSSESubscription) {
        state.withLock { $0.open[subscription.id] = subscription }
    }

    public func remove(_ subscription: PrivateSSESubscription) {
        state.withLock { state in
            state.subscriptions[subscription.id] = nil
            state.open[subscription.id] = nil
            state.index.remove(subscription.id)
        }
    }

    // MARK: - Dispatch

    /// Routes a page of the log's events (see `dispatch(sequence:message:isPublic:now:)`), all at the
    /// instant `now`, as one step the periodic duties cannot split: a limit notice counts the events a
    /// page skipped all together, never some of them with the rest a second later.
    public func dispatch(page: [(sequence: Int64, message: PrivateSSEMessage?, isPublic: Bool)], now: Double) {
        pageGate.withLock { _ in
            for entry in page { dispatch(sequence: entry.sequence, message: entry.message, isPublic: entry.isPublic, now: now) }
        }
    }

    /// Routes the next event of the log, `sequence`: its message (nil for kinds without a Private SSE
    /// form) is kept for replay, and delivered only if `isPublic` (decided on the state after the event,
    /// `PrivateSSEMessage.isPublic(in:)`). Events must come in sequence order, each once.
    public func dispatch(sequence: Int64, message: PrivateSSEMessage?, isPublic: Bool, now: Double) {
        let recipients: [PrivateSSESubscription] = state.withLock { state in
            state.position = max(state.position, sequence)
            state.recent.append(sequence: sequence, message: message)
            guard let message, isPublic else { return [] }
            let ids: [UInt64] =
                if let tweet = message.tweet, let terms = message.terms {
                    state.index.matches(tweet, terms: terms)
                } else if let user = message.user {
                    Array(state.index.concerned(user))
                } else {
                    []
                }
            return ids.compactMap { state.subscriptions[$0] }
        }
        guard let message, isPublic, !recipients.isEmpty else { return }
        var named: ByteBuffer?
        var unnamed: ByteBuffer?
        var delivered = 0
        defer { counters.add(.deliveries, delivered) }
        for subscription in recipients {
            let frame: ByteBuffer
            if subscription.eventNames {
                frame = named ?? message.frame(named: true)
                named = frame
            } else {
                frame = unnamed ?? message.frame(named: false)
                unnamed = frame
            }
            if subscription.offer(frame, now: now) { delivered += 1 }
        }
    }

    /// Bytes queued in every connection's outbox, for metrics.
    public var queuedBytes: Int {
        state.withLock { $0.subscriptions.values.reduce(0) { $0 + $1.outbox.queuedBytes } }
    }

    // MARK: - Periodic duties and closing

    /// Runs every connection's periodic duties; with `heartbeat`, also sends each a keep-alive comment.
    public func tick(now: Double, heartbeat: Bool) {
        let subscriptions = state.withLock { Array($0.subscriptions.values) }
        pageGate.withLock { _ in
            for subscription in subscriptions {
                if heartbeat { subscription.push(SSEEncoder.keepalive) }
                subscription.tick(now: now)
            }
        }
    }

    /// Closes every stream of `keyID` (the key was revoked), and any that would register later.
    public func close(keyID: String, reason: CloseReason) {
        let open = state.withLock { state in
            state.revokedKeys.insert(keyID)
            return Array(state.subscriptions.values)
        }
        for subscription in open where subscription.keyID == keyID {
            subscription.close(reason)
        }
    }

    /// The open streams, replaying ones included, for the operator.
    public var openSubscriptions: [PrivateSSESubscription] { state.withLock { Array($0.open.values) } }

    /// Ends the stream whose place is `connectionID`, replaying or live, for an operator; false if it
    /// is not open here.
    public func close(connectionID: String) -> Bool {
        guard let subscription = state.withLock({ $0.open.values.first { $0.connectionID == connectionID } }) else { return false }
        subscription.close(.closedByOperator)
        return true
    }

    /// Closes every stream (shutdown).
    public func closeAll(_ reason: CloseReason) {
        for subscription in state.withLock({ Array($0.subscriptions.values) }) {
            subscription.close(reason)
        }
    }

    /// Starts over at `position` of a log that moved backwards (restored, or failed over to a standby
    /// that lagged): every stream is closed with `reason`, and the messages kept for replay, which the
    /// log no longer holds, are forgotten.
    public func rewind(to position: Int64, closing reason: CloseReason) {
        let closed = state.withLock { state -> [PrivateSSESubscription] in
            state.position = position
            state.rewinds += 1
            state.recent = ReplayBuffer(budget: state.recent.budget)
            return Array(state.subscriptions.values)
        }
        for subscription in closed { subscription.close(reason) }
    }
}
