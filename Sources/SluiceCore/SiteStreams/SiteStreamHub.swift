import Foundation
import NIOCore
import Synchronization

/// The Site Streams side of the fan-out: open connections and the users each carries. Who receives
/// what is decided on the shared `SocialTruth`, which this hub's dispatch also advances.
///
/// One lock guards routing, delivery and control changes together, so a user added by a control
/// request gets their preamble before any message, and a removed user's messages stop at once.
/// Each event's inner message is encoded once per variant (with or without the tweet it refers to,
/// see `SiteStreamRules.mayEmbed`); wrapping it for a user is a concatenation, done once per user and
/// wire format however many connections carry that user.
///
/// Grants are checked against the store before users are attached, outside this lock; a revocation
/// landing in between is caught by a `RevocationLog.Mark`: users are attached only if no revocation for them
/// was recorded since the mark taken before the store was read.
public final class SiteStreamHub: Sendable {
    /// One user of one connection: what the router routes to.
    struct Recipient: Hashable, Sendable {
        var connection: UInt64
        var user: Int64
    }

    struct Entry {
        var serial: UInt64
        var connection: SiteStreamConnection
        var users: Set<Int64>
    }

    struct State {
        var router = SiteStreamRouter<Recipient>()
        var entries: [String: Entry] = [:]
        var serials: [UInt64: String] = [:]
        var nextSerial: UInt64 = 1
        var revocations = RevocationLog()
    }

    public enum ControlError: Error, Equatable, Sendable {
        /// No open stream with this id belongs to the app.
        case unknownStream
        /// The stream would carry more than `maxUsersPerConnection` users.
        case tooManyUsers(limit: Int)
    }

    /// Most users one connection may carry (control streams' `add_user`).
    public let maxUsersPerConnection: Int
    private let state: Mutex<State>
    /// The facts every decision reads; this hub's dispatch applies each event to them.
    public let truth: SocialTruth
    /// What this hub's streams did, for metrics.
    public let counters = StreamCounters()

    public init(truth: SocialTruth, maxUsersPerConnection: Int = 1000) {
        self.maxUsersPerConnection = maxUsersPerConnection
        self.truth = truth
        self.state = Mutex(State())
    }

    /// A point in this hub's record of grant revocations: take one before reading grants from the store,
    /// and hand it to `open` or `addUsers`, which then skip users whose grant was revoked since.
    public func revocationMark() -> RevocationLog.Mark {
        state.withLock { $0.revocations.mark() }
    }

    public var connectionCount: Int { state.withLock { $0.entries.count } }
    /// Bytes queued in every connection's outbox, for metrics.
    public var queuedBytes: Int { state.withLock { $0.entries.values.reduce(0) { $0 + $1.connection.outbox.queuedBytes } } }
    public var userStreamCount: Int { state.withLock { $0.router.subscribers.count } }

    /// The users the open streams carry, by app.
    /// The open connections and the users each carries, for the operator.
    public var openConnections: [(connection: SiteStreamConnection, users: Set<Int64>)] {
        state.withLock { state in state.entries.values.map { ($0.connection, $0.users) } }
    }

    /// Ends the stream `streamID` for an operator (`disconnect` code 3); false if it is not open here.
    public func close(streamID: String) -> Bool {
        guard let connection = state.withLock({ $0.entries[streamID]?.connection }) else { return false }
        connection.close(.controlRequest, reason: "an operator of this server closed the stream; reconnect")
        return true
    }

    public var carriedUsers: [String: Set<Int64>] {
        state.withLock { state in
            state.entries.values.reduce(into: [:]) { $0[$1.connection.appID, default: []].formUnion($1.users) }
        }
    }

    // MARK: - Connecting

    /// Registers `connection` carrying `users` (checked against the app's grants after `mark` was taken):
    /// sends the control message, then each user's friends preamble, before anything else can reach it.
    /// Users whose grant was revoked since `mark` are left out.
    public func open(_ connection: SiteStreamConnection, users: [Int64], checkedSince mark: RevocationLog.Mark) {
        state.withLock { state in
            let serial = state.nextSerial
            state.nextSerial += 1
            state.entries[connection.id] = Entry(serial: serial, connection: connection, users: [])
            state.serials[serial] = connection.id
            connection.push(connection.format.frame(TwitterMessage.json(TwitterMessage.control(uri: connection.controlURI))))
            let granted = users.prefix(maxUsersPerConnection).filter { !state.revocations.revoked(app: connection.appID, user: $0, since: mark) }
            add(granted, to: connection.id, in: &state)
        }
    }

    public func remove(_ connection: SiteStreamConnection) {
        state.withLock { state in
            guard let entry = state.entries.removeValue(forKey: connection.id), entry.connection === connection else { return }
            state.serials[entry.serial] = nil
            for user in entry.users { state.router.unsubscribe(Recipient(connection: entry.serial, user: user)) }
        }
    }

    private func add(_ users: some Sequence<Int64>, to streamID: String, in state: inout State) {
        guard var entry = state.entries[streamID] else { return }
        let connection = entry.connection
        for user in users where entry.users.insert(user).inserted {
            state.router.subscribe(Recipient(connection: entry.serial, user: user), user: user, options: connection.options)
            let friends = truth.withState { $0.following(of: user).sorted() }
            let preamble = TwitterMessage.json(TwitterMessage.friends(friends, stringify: connection.stringifyFriendIDs))
            connection.push(connection.format.frame(SiteStreamEnvelope.wrap(forUser: user, message: preamble)))
        }
        state.entries[streamID] = entry
    }

    // MARK: - Control streams

    private func entry(_ streamID: String, appID: String, in state: State) throws(ControlError) -> Entry {
        guard let entry = state.entries[streamID], entry.connection.appID == appID else { throw .unknownStream }
        return entry
    }

    /// Adds users (checked against the app's grants after `mark` was taken) to an open stream; their
    /// preambles follow at once. Users whose grant was revoked since `mark` are left out.
    public func addUsers(_ users: [Int64], to streamID: String, appID: String, checkedSince mark: RevocationLog.Mark) throws(ControlError) {
        try state.withLock { (state: inout State) throws(ControlError) in
            let entry = try entry(streamID, appID: appID, in: state)
            let total = entry.users.union(users).count
            guard total <= maxUsersPerConnection else { throw .tooManyUsers(limit: maxUsersPerConnection) }
            add(users.filter { !state.revocations.revoked(app: appID, user: $0, since: mark) }, to: streamID, in: &state)
        }
    }

    /// Removes users from an open stream: nothing more is delivered for them from now on.
    public func removeUsers(_ users: [Int64], from streamID: String, appID: String) throws(ControlError) {
        try state.withLock { (state: inout State) throws(ControlError) in
            var entry = try entry(streamID, appID: appID, in: state)
            for user in users where entry.users.remove(user) != nil {
                state.router.unsubscribe(Recipient(connection: entry.serial, user: user))
            }
            state.entries[streamID] = entry
        }
    }

    /// What a control stream's `info` reports.
    public struct Info: Sendable {
        public var connection: SiteStreamConnection
        /// The users carried, with their profiles where known, by id.
        public var users: [(id: Int64, user: User?)]
    }

    public func info(_ streamID: String, appID: String) throws(ControlError) -> Info {
        try state.withLock { (state: inout State) throws(ControlError) in
            let entry = try entry(streamID, appID: appID, in: state)
            let ids = entry.users.sorted()
            let profiles = truth.withState { social in ids.map { social.users[$0] } }
            return Info(connection: entry.connection, users: zip(ids, profiles).map { ($0, $1) })
        }
    }

    /// The profile and friends of a user the stream carries; nil when it does not carry that user.
    public func friends(of user: Int64, on streamID: String, appID: String) throws(ControlError) -> (User?, [Int64])? {
        try state.withLock { (state: inout State) throws(ControlError) in
            let entry = try entry(streamID, appID: appID, in: state)
            guard entry.users.contains(user) else { return nil }
            return truth.withState { ($0.users[user], $0.following(of: user).sorted()) }
        }
    }

    /// The user took back the app's access: each of the app's streams carrying them gets
    /// `access_revoked` for that user, and then nothing more for them.
    public func revoke(appID: String, appName: String, user: Int64, now: Date) {
        state.withLock { state in
            state.revocations.record(app: appID, user: user)
            let profile = truth.withState { $0.users[user] }
            for (streamID, var entry) in state.entries where entry.connection.appID == appID && entry.users.contains(user) {
                if let profile {
                    let message = TwitterMessage.json(SiteStreamMessage.accessRevoked(user: profile, appID: appID, appName: appName, at: now))
                    entry.connection.push(entry.connection.format.frame(SiteStreamEnvelope.wrap(forUser: user, message: message)))
                }
                entry.users.remove(user)
                state.router.unsubscribe(Recipient(connection: entry.serial, user: user))
                state.entries[streamID] = entry
            }
        }
    }

    // MARK: - Dispatch

    /// Routes the next event of the log and applies it to the shared state; `tweets` holds the full
    /// text of the tweets it refers to, from the store. Events must come in sequence order, each once.
    ///
    /// Three steps, so that no message is built or encoded under the lock that connects, control
    /// requests and metrics share (a tweet of 25,000 characters embedding two more is not cheap):
    /// route and capture under the lock; build, encode and frame outside it; push under it again, to
    /// the recipients still subscribed then (a user removed or revoked in between gets nothing more).
    public func dispatch(_ event: Event, sequence: Int64, acceptedAt: Date, tweets: [Int64: Tweet]) {
        guard let plan = route(event, sequence: sequence, tweets: tweets) else { return }
        // At most two variants of the message: with and without the tweet it refers to; each wrapped
        // once per user and wire format.
        var messages: [Bool: ByteBuffer] = [:]
        var frames: [SiteStreamFormat: [Int64: ByteBuffer]] = [:]
        var deliveries: [(Recipient, ByteBuffer)] = []
        deliveries.reserveCapacity(plan.recipients.count)
        for (recipient, embedding, format) in plan.recipients {
            if let frame = frames[format]?[recipient.user] {
                deliveries.append((recipient, frame))
                continue
            }
            let message: ByteBuffer
            if let encoded = messages[embedding] {
                message = encoded
            } else {
                guard let json = SiteStreamMessage.json(for: event, context: plan.context, at: acceptedAt, embedding: embedding) else { continue }
                message = ByteBuffer(string: TwitterMessage.json(json))
                messages[embedding] = message
            }
            let frame = format.frame(forUser: recipient.user, message: message, sequence: sequence)
            frames[format, default: [:]][recipient.user] = frame
            deliveries.append((recipient, frame))
        }
        let now = Date()
        let delivered = state.withLock { state in
            var delivered = 0
            for (recipient, frame) in deliveries where state.router.subscribers[recipient] != nil {
                guard let streamID = state.serials[recipient.connection], let connection = state.entries[streamID]?.connection else { continue }
                if connection.push(frame) {
                    connection.deliveries.record(at: now)
                    delivered += 1
                }
            }
            return delivered
        }
        counters.add(.deliveries, delivered)
    }

    /// Who receives an event, decided under the hub's lock and the truth's on the state before it, and
    /// what its message needs from the state after it (which this applies).
    private struct Plan {
        var context: SiteStreamMessage.Context
        var recipients: [(Recipient, embedding: Bool, format: SiteStreamFormat)]
    }

    private func route(_ event: Event, sequence: Int64, tweets: [Int64: Tweet]) -> Plan? {
        state.withLock { state in
            let router = state.router
            let serials = state.serials
            let entries = state.entries
            return truth.withState { social -> Plan? in
                let recipients = router.route(event, state: &social)
                social.position = sequence
                guard !recipients.isEmpty, let context = SiteStreamMessage.context(for: event, state: social, tweets: tweets) else { return nil }
                let planned = recipients.compactMap { recipient -> (Recipient, embedding: Bool, format: SiteStreamFormat)? in
                    guard let streamID = serials[recipient.connection], let connection = entries[streamID]?.connection else { return nil }
                    return (recipient, SiteStreamRules.mayEmbed(recipient.user, event, state: social), connection.format)
                }
                Self.noteEmbedded(event, in: planned, state: &social)
                return Plan(context: context, recipients: planned)
            }
        }
    }

    /// Those who received a tweet embedded in `event`'s message also hear of its deletion.
    private static func noteEmbedded(
        _ event: Event, in recipients: [(Recipient, embedding: Bool, format: SiteStreamFormat)], state social: inout SocialState
    ) {
        let embedded = recipients.filter(\.embedding).map(\.0.user)
        switch event {
        case .tweet(let tweet):
            if let retweeted = tweet.retweetedStatusID { social.noteEmbedded(retweeted, in: recipients.map(\.0.user)) }
            if let quoted = tweet.quotedStatusID { social.noteEmbedded(quoted, in: embedded) }
        case .favorite(let f), .unfavorite(let f):
            social.noteEmbedded(f.tweetID, in: embedded)
        default:
            break
        }
    }

    // MARK: - Keep-alives and closing

    /// Sends every connection a keep-alive.
    public func keepalive() {
        for connection in state.withLock({ $0.entries.values.map(\.connection) }) {
            connection.push(connection.format.keepalive)
        }
    }

    /// Ends every stream with `code` (shutdown: 1).
    public func closeAll(_ code: TwitterMessage.DisconnectCode, reason: String) {
        for connection in state.withLock({ $0.entries.values.map(\.connection) }) {
            connection.close(code, reason: reason)
        }
    }
}
