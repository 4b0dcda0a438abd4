import Foundation
import SluiceCore

/// Site Streams' side of the log: each event routed on the shared truth as it stands before it, then
/// applied to it (`SiteStreamHub.dispatch`).
///
/// Registered first: applying each event to the `SocialTruth` is how the truth moves along the log,
/// so every consumer after it decides on the state after the event. With no user stream open it
/// asks the store for nothing, and each event only updates the truth.
struct SiteStreamsLogConsumer: LogConsumer {
    let hub: SiteStreamHub

    func needs(for page: [Event]) -> (embedded: Set<Int64>, facts: Set<Int64>) {
        guard hub.userStreamCount > 0 else { return ([], []) }
        let embedded = page.reduce(into: Set()) { $0.formUnion(SiteStreamMessage.referencedTweets(of: $1)) }
        return (embedded, embedded)
    }

    func take(_ event: Event, sequence: Int64, acceptedAt: Date, tweets: [Int64: Tweet]) {
        hub.dispatch(event, sequence: sequence, acceptedAt: acceptedAt, tweets: tweets)
    }

    func beginPage() {}

    func endPage() {}

    func closeAll(_ reason: CloseReason) {
        hub.closeAll(.shedLoad, reason: reason.message)
    }

    func rewind(to sequence: Int64) {
        hub.closeAll(.shedLoad, reason: CloseReason.logRewound.message)
    }
}
