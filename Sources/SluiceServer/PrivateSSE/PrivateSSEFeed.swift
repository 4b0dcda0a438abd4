import SluiceCore
import SluiceStore

/// Private SSE's one path from the log to its streams: which messages may be delivered now. Live
/// fan-out (`LogFollower`) and replay (`PrivateSSEStreams`, from memory or from the log) both decide
/// here, on the shared `SocialTruth`, so the two cannot drift apart.
struct PrivateSSEFeed: Sendable {
    let store: any EventLog
    let truth: SocialTruth

    /// Makes known the author, liveness and retweeted tweet of the tweets among `ids` that the state no
    /// longer holds (evicted from its memory, or never seen since the start), from the store as of the
    /// state's position; then those up their chains of retweets.
    ///
    /// Facts read while the state moved on are refused and read again; what is still unknown after a
    /// few tries stays unknown, which every decision treats as not visible.
    func learnTweets(_ ids: Set<Int64>) async throws {
        for _ in 0..<(SocialState.maxRetweetChain + 4) {
            let (missing, position) = truth.unknownTweets(inChainsFrom: ids)
            guard !missing.isEmpty else { return }
            let facts = try await store.tweetStates(ids: missing, asOf: position)
            guard !facts.isEmpty else { return }
            _ = truth.withState { $0.learn(facts, asOf: position) }
        }
    }

    /// Whether `message`, the event just applied to the state, may be delivered live.
    func isPublic(_ message: PrivateSSEMessage) -> Bool {
        truth.withState { message.isPublic(in: $0) }
    }

    /// Whether each of `messages` (nil: no Private SSE form) may be delivered now.
    func arePublic(_ messages: [PrivateSSEMessage?]) -> [Bool] {
        truth.withState { state in messages.map { $0?.isPublic(in: state) ?? false } }
    }

    /// Those of `messages` that may be delivered now, in order: what a replay sends.
    func deliverable(_ messages: [PrivateSSEMessage]) async throws -> [PrivateSSEMessage] {
        guard !messages.isEmpty else { return [] }
        try await learnTweets(messages.reduce(into: Set()) { $0.formUnion($1.tweetsToKnow) })
        return truth.withState { state in messages.filter { $0.isPublic(in: state) } }
    }
}
