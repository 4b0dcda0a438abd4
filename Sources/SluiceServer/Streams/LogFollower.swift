import Foundation
import Logging
import ServiceLifecycle
import SluiceCore
import SluiceStore

/// Feeds the hub from the event log: each event once, in sequence order, after it is durable.
///
/// Ingest calls `notify` after every append; the follower then reads what is new from the store in
/// batches. Reading back from the log (rather than handing events over in memory) keeps one path for
/// live delivery, replay and, later, other nodes' events.
final class LogFollower: Service, Sendable {
    let store: any Store
    let hub: Hub
    let siteHub: SiteStreamHub
    let logger: Logger
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    init(store: any Store, hub: Hub, siteHub: SiteStreamHub, logger: Logger) {
        self.store = store
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
            for await _ in self.wakeups {
                await self.catchUp()
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
