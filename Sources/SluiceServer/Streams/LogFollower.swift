import Foundation
import Logging
import ServiceLifecycle
import SluiceCore
import SluiceStore
import Synchronization

/// Feeds every API from the event log: each event once, in sequence order, after it is durable, to
/// each registered `LogConsumer` in turn (Site Streams first: it moves the shared truth along).
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
/// and the truth and every consumer start over from a fresh snapshot at the log's new head.
final class LogFollower: Service, Sendable {
    let store: any EventLog
    /// The shared state every delivery decision reads; the follower reads for it what its memory lost.
    let feed: PrivateSSEFeed
    let consumers: [any LogConsumer]
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
        /// The log position the truth and the consumers were (re)built at, while no event was read there.
        var start: Int64 = 0
        var rewinds = 0
        var rewinding = false
    }
    private let continuity = Mutex(Continuity())

    /// Whether the log was found to have moved backwards and the hubs are starting over (`/healthz`
    /// answers 503 meanwhile), and how many times that happened since start.
    var logStatus: (rewinding: Bool, rewinds: Int) { continuity.withLock { ($0.rewinding, $0.rewinds) } }

    /// - Parameters:
    ///   - feed: the store and the shared truth, which the consumers decide on and which starts, like
    ///     every consumer, just after the event `sequence`: `last`, as read with the graph (nil when
    ///     the log held no event there, which the first read then finds out).
    ///   - consumers: in the order each event is handed to them; Site Streams' first.
    init(
        feed: PrivateSSEFeed, consumers: [any LogConsumer], pollInterval: Duration? = nil, beforeDelivery: @escaping @Sendable () -> Void = {},
        testDelay: Duration? = nil, startingAfter sequence: Int64, last: StoredEvent?, logger: Logger
    ) {
        self.testDelay = testDelay
        self.store = feed.store
        self.feed = feed
        self.consumers = consumers
        self.pollInterval = pollInterval
        self.beforeDelivery = beforeDelivery
        self.logger = logger
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        continuity.withLock {
            $0.anchor = last.map { ($0.sequence, $0.acceptedAt, $0.data) }
            $0.start = sequence
        }
    }

    /// The last event dispatched.
    var position: Int64 { continuity.withLock { $0.anchor?.sequence ?? $0.start } }

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

    /// Dispatches every event after `position`; on a store error, retries after a second.
    func catchUp() async {
        while !Task.isCancelled {
            do {
                if let testDelay { try await Task.sleep(for: testDelay) }
                let position = self.position
                // The page starts with the last event dispatched: it must still be there, unchanged.
                var events = try await store.events(after: max(0, position - 1), limit: 1001)
                if position > 0 {
                    guard let first = events.first, first.sequence == position,
                        continuity.withLock({
                            $0.anchor.map { anchor in
                                anchor.sequence == position && anchor.acceptedAt == first.acceptedAt && anchor.data == first.data
                            } ?? true
                        })
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
                feed.truth.withState { $0.forgetBeyondMemory() }
                // Every API decides on the shared state; what it no longer holds about the tweets these
                // events refer to (author, liveness) comes from the store first. Never profiles: those
                // the state keeps current itself.
                var embedded = Set<Int64>(), facts = Set<Int64>()
                for consumer in consumers {
                    consumer.beginPage()
                    let needs = consumer.needs(for: decoded)
                    embedded.formUnion(needs.embedded)
                    facts.formUnion(needs.facts)
                }
                // The page's own new tweets are applied before anything is decided on them: not looked up.
                var created = Set<Int64>()
                for case .tweet(let tweet) in decoded { created.insert(tweet.id) }
                try await feed.learnTweets(facts.subtracting(created))
                let tweets = embedded.isEmpty ? [:] : try await store.tweets(ids: embedded)
                // Nothing is delivered by a node that may have lost the places of its streams.
                beforeDelivery()
                for (event, value) in zip(events, decoded) {
                    for consumer in consumers { try consumer.take(value, sequence: event.sequence, acceptedAt: event.acceptedAt, tweets: tweets) }
                }
                for consumer in consumers { consumer.endPage() }
                // Only now: a page that failed half-way is read again from the previous anchor.
                continuity.withLock { $0.anchor = (last.sequence, last.acceptedAt, last.data) }
            } catch {
                logger.error("cannot follow the event log; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// The log no longer holds the last event dispatched as it was: close every stream, and start the
    /// truth and every consumer over from a snapshot at the log's new head.
    private func rewind(from position: Int64, found: StoredEvent?) async throws {
        continuity.withLock { $0.rewinding = true }
        let what = found?.sequence == position ? "another event now" : "gone"
        logger.critical(
            "the event log moved backwards: event \(position), the last this node dispatched, is \(what); closing every stream and starting over at the log's head"
        )
        for consumer in consumers { consumer.closeAll(.logRewound) }
        let graph = try await store.socialGraph()
        feed.truth.withState { state in
            state = SocialState(
                users: graph.users, follows: graph.follows, blocks: graph.blocks, tweetMemory: state.tweetMemory, position: graph.sequence)
        }
        for consumer in consumers { consumer.rewind(to: graph.sequence) }
        continuity.withLock { continuity in
            continuity.anchor = graph.last.map { ($0.sequence, $0.acceptedAt, $0.data) }
            continuity.start = graph.sequence
            continuity.rewinds += 1
            continuity.rewinding = false
        }
        logger.critical("started over at the log's head", metadata: ["position": "\(graph.sequence)"])
    }
}
