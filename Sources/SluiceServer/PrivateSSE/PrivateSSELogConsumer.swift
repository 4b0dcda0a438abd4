import Foundation
import SluiceCore
import Synchronization

/// Private SSE's side of the log: each event decided on the state after it, and again once the whole
/// page is applied (the page is durable already, so a tweet deleted, or an account protected, a
/// moment later in it is not sent), then dispatched to the hub, which also keeps it for replay.
final class PrivateSSELogConsumer: LogConsumer {
    let hub: PrivateSSEHub
    let feed: PrivateSSEFeed
    /// The page's messages so far, with whether each was public on the state after it. Touched only by
    /// the follower's task; the lock makes that checkable.
    private let page = Mutex<[(sequence: Int64, message: PrivateSSEMessage?, publicThen: Bool)]>([])

    init(hub: PrivateSSEHub, feed: PrivateSSEFeed) {
        self.hub = hub
        self.feed = feed
    }

    func beginPage() {
        page.withLock { $0.removeAll(keepingCapacity: true) }
    }

    func needs(for page: [Event]) -> (embedded: Set<Int64>, facts: Set<Int64>) {
        var referenced = Set<Int64>()
        for case .tweet(let tweet) in page { referenced.formUnion(Visibility.referencedTweets(of: tweet)) }
        return ([], referenced)
    }

    func take(_ event: Event, sequence: Int64, acceptedAt: Date, tweets: [Int64: Tweet]) throws {
        let message = try PrivateSSEMessage(event, sequence: sequence)
        let publicThen = message.map(feed.isPublic) ?? false
        page.withLock { $0.append((sequence, message, publicThen)) }
    }

    func endPage() {
        let messages = page.withLock { page in
            defer { page.removeAll(keepingCapacity: true) }
            return page
        }
        let publicNow = feed.arePublic(messages.map(\.message))
        hub.dispatch(page: zip(messages, publicNow).map { ($0.sequence, $0.message, $0.publicThen && $1) }, now: Date().timeIntervalSince1970)
    }

    func closeAll(_ reason: CloseReason) {
        hub.closeAll(reason)
    }

    func rewind(to sequence: Int64) {
        page.withLock { $0.removeAll() }
        hub.rewind(to: sequence, closing: .logRewound)
    }
}
