import Foundation
import Logging
import ServiceLifecycle
import SluiceCore
import SluiceStore

/// Feeds the hub from the event log: each event once, in sequence order, after it is durable.
///
/// Ingest calls `notify` after every append, and with a shared store so does the cluster listener when
/// another node commits; the follower then reads what is new from the store in batches. Reading back from the log (rather than handing events over in memory) keeps one path for
/// live delivery, replay and, later, other nodes' events.
final class LogFollower: Service, Sendable {
    let store: any Store
    let hub: Hub
    let siteHub: SiteStreamHub
    let feed: PrivateSSEFeed
    let logger: Logger
    /// With a shared store: also look for new events this often, whatever the notifications say.
    let pollInterval: Duration?
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    init(store: any Store, hub: Hub, siteHub: SiteStreamHub, pollInterval: Duration? = nil, logger: Logger) {
        self.store = store
        self.pollInterval = pollInterval
        self.hub = hub
        self.siteHub = siteHub
        self.feed = PrivateSSEFeed(store: store, truth: siteHub.truth)
        self.logger = logger
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
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
                var events = try await store.events(after: hub.position, limit: 1000)
                // Whole batches only: a page that ends inside one reads on to its end (at most one
                // batch's worth more), so what the batch takes back later is applied before it is decided.
                while let last = events.last, let end = last.batchEnd, end > last.sequence {
                    let rest = try await store.events(after: last.sequence, limit: Int(end - last.sequence))
                    guard !rest.isEmpty else { break }
                    events += rest
                }
                guard !events.isEmpty else { return }
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
                for (event, value) in zip(events, decoded) {
                    siteHub.dispatch(value, sequence: event.sequence, acceptedAt: event.acceptedAt, tweets: tweets)
                    let message = try PrivateSSEMessage(value, sequence: event.sequence)
                    messages.append((event.sequence, message, message.map(feed.isPublic) ?? false))
                }
                let publicNow = feed.arePublic(messages.map(\.message))
                let now = Date().timeIntervalSince1970
                for (entry, stillPublic) in zip(messages, publicNow) {
                    hub.dispatch(sequence: entry.sequence, message: entry.message, isPublic: entry.publicThen && stillPublic, now: now)
                }
            } catch {
                logger.error("cannot follow the event log; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
