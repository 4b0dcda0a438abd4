import Synchronization

/// The one current truth for who may see what in a running server: the `SocialState` at the event
/// core's position in the log, shared by both APIs.
///
/// The log follower is its only writer, applying each event once, in order (`SiteStreamHub.dispatch`
/// applies it while routing, so a Site Streams connect never sees a half-applied event). Live Private
/// SSE delivery, replay and Site Streams routing all read it, so no path can decide from an older or
/// an embedded copy of the facts. Lock order: a hub's lock, then this one; never the reverse.
public final class SocialTruth: Sendable {
    private let state: Mutex<SocialState>

    public init(_ state: SocialState) {
        self.state = Mutex(state)
    }

    /// Runs `body` with the state; keep it short, every delivery decision waits on it.
    public func withState<R: Sendable>(_ body: (inout SocialState) -> R) -> R {
        state.withLock { body(&$0) }
    }

    /// Among `ids` and the chains of retweets they lead to, the tweets the state does not hold (to be
    /// looked up in the store and learned), and the log position the state reflects (what they must be
    /// looked up as of).
    public func unknownTweets(inChainsFrom ids: Set<Int64>) -> (ids: Set<Int64>, position: Int64) {
        guard !ids.isEmpty else { return ([], 0) }
        return state.withLock { ($0.unknownTweets(inChainsFrom: ids), $0.position) }
    }
}
