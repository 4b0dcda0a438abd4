import Foundation
import Logging
import ServiceLifecycle
import SluiceCore
import SluiceStore
import Synchronization

/// Feeds the hub from the event log: each event once, in sequence order, after it is durable.
///
/// Ingest calls `notify` after every append, and with a shared store so does the cluster listener when
/// another node commits; the follower then reads what is new from the store in batches. Reading back
/// from the log (rather than handing events over in memory) keeps one path for live delivery, replay
/// and other nodes' events.
///
/// Each read starts at the last event dispatched, which must still be there as it was read: a log that
/// moved backwards (a restored database, a failover to a standby that lagged) reuses sequence numbers
/// this node has passed, and would otherwise never be delivered. The follower then rewinds: every
/// stream is closed (the ids their clients hold may now name other events), `/healthz` answers 503,
/// and the hubs start over from a fresh snapshot at the log's new head.
final class LogFollower: Service, Sendable {
    let store: any EventLog
    let hub: PrivateSSEHub
    let siteHub: SiteStreamHub
    let feed: PrivateSSEFeed
    let logger: Logger
    /// With a shared store: also look for new events this often, whatever the notifications say.
    let pollInterval: Duration?
    /// Waited before each read (tests only: plays a node whose follower lags the log).
    let testDelay: Duration?
    /// Called before each page is delivered: the fence that ends streams whose places may be lost (`NodeLeases`).
    let beforeDelivery: @Sendable () -> Void
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    /// The last event dispatched, as it was read, and what rewinds happened.
    private struct Continuity {
        var anchor: (sequence: Int64, acceptedAt: Date, data: String)?
        var rewinds = 0
        var rewinding = false
    }
    private let continuity = Mutex(Continuity())

    /// Whether the log was found to have moved backwards and the hubs are starting over (`/healthz`
    /// answers 503 meanwhile), and how many times that happened since start.
    var logStatus: (rewinding: Bool, rewinds: Int) { continuity.withLock { ($0.rewinding, $0.rewinds) } }

    init(
        store: any EventLog, hub: PrivateSSEHub, siteHub: SiteStreamHub, pollInterval: Duration? = nil, beforeDelivery: @escaping @Sendable () -> Void = {},
        testDelay: Duration? = nil, startingAfter last: StoredEvent? = nil, logger: Logger
    ) {
        self.testDelay = testDelay
        self.store = store
        self.pollInterval = pollInterval
        self.beforeDelivery = beforeDelivery
        self.hub = hub
        self.siteHub = siteHub
        self.feed = PrivateSSEFeed(store: store, truth: siteHub.truth)
        self.logger = logger
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        continuity.withLock { $0.anchor = last.map { ($0.sequence, $0.acceptedAt, $0.data) } }
    }

    /// The log has grown: dispatch what is new.
    func notify() {
        wake.yield()
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                if let interval = self.pollInterval {
                    // Other nodes' commits arrive as notifications; this bounds how late a node can be
                    // when one is lost or the listener is still reconnecting.
                    group.addTask {
                        while !Task.isCancelled {
                            try await Task.sleep(for: interval)
                            self.notify()
                        }
                    }
                }
                group.addTask {
                    for await _ in self.wakeups {
                        await self.catchUp()
                    }
                }
                try await group.next()
                group.cancelAll()
            }
        }
    }

    /// Dispatches every event after the hub's position; on a store error, retries after a second.
    func catchUp() async {
        while !Task.isCancelled {
            do {
                if let testDelay { try await Task.sleep(for: testDelay) }
                let position = hub.position
                // The page starts with the last event dispatched: it must still be there, unchanged.
                var events = try await store.events(after: max(0, position - 1), limit: 1001)
                if position > 0 {
                    guard let first = events.first, first.sequence == position, continuity.withLock({ $0.anchor.map { anchor in
                        anchor.sequence == position && anchor.acceptedAt == first.acceptedAt && anchor.data == first.data } ?? true })
                    else {
                        try await rewind(from: position, found: events.first)
                        continue
                    }
                    events.removeFirst()
                }
                // Whole batches only: a page that ends inside one reads on to its end (at most one
                // batch's worth more), so what the batch takes back later is applied before it is decided.
                while let last = events.last, let end = last.batchEnd, end > last.sequence {
                    let rest = try await store.events(after: last.sequence, limit: Int(end - last.sequence))
                    guard !rest.isEmpty else { break }
                    events += rest
                }
                guard let last = events.last else { return }
                let decoded = try events.map { try $0.decoded() }
                siteHub.truth.withState { $0.forgetBeyondMemory() }
                // Both APIs decide on the shared state; what it no longer holds about the tweets these
                // events refer to (author, liveness) comes from the store first. Never profiles: those
                // the state keeps current itself.
                let embedded = decoded.reduce(into: Set()) { $0.formUnion(SiteStreamMessage.referencedTweets(of: $1)) }
                var referenced = embedded
                var created = Set<Int64>()
                for case .tweet(let tweet) in decoded {
                    referenced.formUnion(Visibility.referencedTweets(of: tweet))
                    created.insert(tweet.id)
                }
                // The page's own new tweets are applied before anything is decided on them: not looked up.
                try await feed.learnTweets(referenced.subtracting(created))
                let tweets = try await store.tweets(ids: embedded)
                // Site Streams routes each event on the state before it and applies it. Private SSE decides
                // each on the state after it, then again once the whole page is applied: the page is durable
                // already, so a tweet deleted (or an account protected) a moment later in it is not sent.
                var messages: [(sequence: Int64, message: PrivateSSEMessage?, publicThen: Bool)] = []
                messages.reserveCapacity(events.count)
                // Nothing is delivered by a node that may have lost the places of its streams.
                beforeDelivery()
                for (event, value) in zip(events, decoded) {
                    siteHub.dispatch(value, sequence: event.sequence, acceptedAt: event.acceptedAt, tweets: tweets)
                    let message = try PrivateSSEMessage(value, sequence: event.sequence)
                    messages.append((event.sequence, message, message.map(feed.isPublic) ?? false))
                }
                let publicNow = feed.arePublic(messages.map(\.message))
                hub.dispatch(
                    page: zip(messages, publicNow).map { ($0.sequence, $0.message, $0.publicThen && $1) }, now: Date().timeIntervalSince1970)
                // Only now: a page that failed half-way is read again from the previous anchor.
                continuity.withLock { $0.anchor = (last.sequence, last.acceptedAt, last.data) }
            } catch {
                logger.error("cannot follow the event log; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// The log no longer holds the last event dispatched as it was: close every stream, and start both
    /// hubs over from a snapshot at the log's new head.
    private func rewind(from position: Int64, found: StoredEvent?) async throws {
        continuity.withLock { $0.rewinding = true }
        let what = found?.sequence == position ? "another event now" : "gone"
        logger.critical(
            "the event log moved backwards: event \(position), the last this node dispatched, is \(what); closing every stream and starting over at the log's head")
        hub.closeAll(.logRewound)
        siteHub.closeAll(.shedLoad, reason: CloseReason.logRewound.message)
        let graph = try await store.socialGraph()
        siteHub.truth.withState { state in
            state = SocialState(
                users: graph.users, follows: graph.follows, blocks: graph.blocks, tweetMemory: state.tweetMemory, position: graph.sequence)
        }
        hub.rewind(to: graph.sequence, closing: .logRewound)
        continuity.withLock { continuity in
            continuity.anchor = graph.last.map { ($0.sequence, $0.acceptedAt, $0.data) }
            continuity.rewinds += 1
            continuity.rewinding = false
        }
        logger.critical("started over at the log's head", metadata: ["position": "\(graph.sequence)"])
    }
}
