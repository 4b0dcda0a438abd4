import Foundation
import SluiceCore
import SluiceStore

/// One API's side of the event log, registered with the `LogFollower`, which knows nothing else of it.
///
/// For each page of the log the follower begins the page (`beginPage`), asks every consumer what it
/// needs of the store (`needs(for:)`), reads it once for all, then hands each event to every consumer in the order they
/// were registered (`take`), and ends the page (`endPage`). All calls come from the follower's one
/// task, in log order. A consumer whose API has no subscribers should ask for nothing and do little.
protocol LogConsumer: Sendable {
    /// A page begins: whatever a page that failed half-way left behind is dropped (that page is read
    /// again, whole).
    func beginPage()

    /// What the consumer's decisions on `page` need: `embedded`, the tweets whose stored form its
    /// messages carry; `facts`, tweets whose author and liveness must be known in the shared truth.
    func needs(for page: [Event]) -> (embedded: Set<Int64>, facts: Set<Int64>)

    /// The next event of the log. `tweets` holds the stored tweets every consumer asked for.
    func take(_ event: Event, sequence: Int64, acceptedAt: Date, tweets: [Int64: Tweet]) throws

    /// The page's last event was taken: deliver what waited for the whole page.
    func endPage()

    /// Ends every stream at once, with `reason` (the log moved backwards: the ids clients hold may
    /// now name other events).
    func closeAll(_ reason: CloseReason)

    /// Starts over after `sequence`, the head of a log that moved backwards; streams opened since
    /// `closeAll` are ended too.
    func rewind(to sequence: Int64)
}
