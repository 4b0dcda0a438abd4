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
                let events = try await store.events(after: hub.position, limit: 1000)
                guard !events.isEmpty else { return }
                let decoded = try events.map { try $0.decoded() }
                let facts = Visibility.Facts(
                    publicTweets: try await store.publicTweets(among: decoded.reduce(into: Set()) { $0.formUnion(Visibility.referencedTweets(of: $1)) }))
                let tweets = try await store.tweets(ids: decoded.reduce(into: Set()) { $0.formUnion(SiteStreamMessage.referencedTweets(of: $1)) })
                let now = Date().timeIntervalSince1970
                for (event, value) in zip(events, decoded) {
                    try hub.dispatch(event, decoded: value, facts: facts, now: now)
                    siteHub.dispatch(value, sequence: event.sequence, acceptedAt: event.acceptedAt, tweets: tweets)
                }
            } catch {
                logger.error("cannot follow the event log; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
