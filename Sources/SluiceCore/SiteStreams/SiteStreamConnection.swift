import NIOCore
import Synchronization

/// One open Site Streams connection as the hub sees it: how it wants messages, and its outbox.
///
/// Which users it carries is kept by `SiteStreamHub`, under the hub's lock, so routing and control
/// requests see one consistent set.
public final class SiteStreamConnection: Sendable {
    /// The stream id of the control URI; random and unguessable.
    public let id: String
    public let appID: String
    public let options: SiteStreamRules.Options
    /// `stringify_friend_ids=true`: the friends preamble lists ids as strings (`friends_str`).
    public let stringifyFriendIDs: Bool
    public let format: SiteStreamFormat
    /// `stall_warnings=true`: warn (`FALLING_BEHIND`) when the outbox passes `stallWarningFraction`.
    public let stallWarnings: Bool
    public let outbox: Outbox
    /// What the stream has delivered (messages for its users, not control messages or keep-alives).
    public let deliveries = DeliveryRecord()

    public static let streamName = "site"
    public static let stallWarningFraction = 0.6

    /// Where a stall close is counted (the hub's), for metrics.
    private let counters: StreamCounters?
    /// The warning sent since the outbox was last below half the warning level, if any.
    private let warning = Mutex<ByteBuffer?>(nil)

    public init(
        id: String, appID: String, options: SiteStreamRules.Options, stringifyFriendIDs: Bool, format: SiteStreamFormat,
        stallWarnings: Bool, outboxLimit: Int, counters: StreamCounters? = nil, wake: @escaping @Sendable () -> Void
    ) {
        self.counters = counters
        self.id = id
        self.appID = appID
        self.options = options
        self.stringifyFriendIDs = stringifyFriendIDs
        self.format = format
        self.stallWarnings = stallWarnings
        self.outbox = Outbox(limit: outboxLimit, wake: wake)
    }

    public var controlURI: String { "/1.1/site/c/\(id)" }

    /// Queues a frame. A full outbox ends the stream: `disconnect` code 4, what was queued dropped.
    @discardableResult
    public func push(_ frame: ByteBuffer) -> Bool {
        let before = outbox.queuedBytes
        switch outbox.push(frame) {
        case .closed:
            return false
        case .full:
            counters?.add(.slowReaderDisconnects)
            close(.stall, reason: "the client did not read fast enough and its queue filled up", discardQueued: true)
            return false
        case .queued:
            if stallWarnings { warnIfFallingBehind(before: before, after: before + frame.readableBytes) }
            return true
        }
    }

    private func warnIfFallingBehind(before: Int, after: Int) {
        let level = Int(Double(outbox.limit) * Self.stallWarningFraction)
        let percent = min(100, after * 100 / max(1, outbox.limit))
        let frame: ByteBuffer? = warning.withLock { warning in
            if before < level / 2 { warning = nil }
            guard warning == nil, after > level else { return nil }
            warning = format.frame(TwitterMessage.json(TwitterMessage.fallingBehind(percentFull: percent)))
            return warning
        }
        if let frame { _ = outbox.push(frame) }
    }

    /// Ends the stream with Twitter's `disconnect` message. When the queue is dropped (a stall), the
    /// warning it held is sent first, so the client learns it fell behind before it learns it is cut off.
    public func close(_ code: TwitterMessage.DisconnectCode, reason: String, discardQueued: Bool = false) {
        var farewell = discardQueued ? warning.withLock { $0 } ?? ByteBuffer() : ByteBuffer()
        var disconnect = format.frame(TwitterMessage.json(TwitterMessage.disconnect(code, streamName: Self.streamName, reason: reason)))
        farewell.writeBuffer(&disconnect)
        outbox.close(code.closeReason, farewell: farewell, discardQueued: discardQueued)
    }
}

extension TwitterMessage.DisconnectCode {
    /// The nearest Private SSE reason, for logs and metrics.
    var closeReason: CloseReason {
        switch self {
        case .shutdown, .shedLoad: .shutdown
        case .stall: .slowReader
        case .tokenRevoked, .adminLogout: .keyRevoked
        case .controlRequest: .closedByOperator
        }
    }
}
