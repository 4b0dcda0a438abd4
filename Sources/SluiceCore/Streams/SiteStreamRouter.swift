/// Routes events to Site Streams subscribers (one entry per user per stream) without scanning them all.
///
/// Candidates come from the users an event directly concerns, plus, for tweets, the subscribers in
/// `with=followings` mode who follow the author (an index kept current from follow, unfollow and block
/// events). Each candidate is then checked with `SiteStreamRules`, so the index only narrows, never decides.
public struct SiteStreamRouter<ID: Hashable & Sendable>: Sendable {
    public struct Subscriber: Sendable, Hashable {
        public var user: Int64
        public var options: SiteStreamRules.Options
    }

    public private(set) var state = SocialState()
    public private(set) var subscribers: [ID: Subscriber] = [:]
    private var byUser: [Int64: Set<ID>] = [:]
    /// For subscribers in followings mode: the authors they follow → those subscribers.
    private var byFollowedAuthor: [Int64: Set<ID>] = [:]

    public init() {}

    public mutating func subscribe(_ id: ID, user: Int64, options: SiteStreamRules.Options) {
        unsubscribe(id)
        subscribers[id] = Subscriber(user: user, options: options)
        byUser[user, default: []].insert(id)
        guard options.followings else { return }
        for edge in state.follows where edge.source == user {
            byFollowedAuthor[edge.target, default: []].insert(id)
        }
    }

    public mutating func unsubscribe(_ id: ID) {
        guard let subscriber = subscribers.removeValue(forKey: id) else { return }
        byUser[subscriber.user]?.remove(id)
        if byUser[subscriber.user]?.isEmpty == true { byUser[subscriber.user] = nil }
        guard subscriber.options.followings else { return }
        for edge in state.follows where edge.source == subscriber.user {
            byFollowedAuthor[edge.target]?.remove(id)
        }
    }

    /// Routes the next event of the log and updates the state. Returns the subscribers that receive it.
    public mutating func route(_ event: Event) -> [ID] {
        if case .tweet(let tweet) = event { state.remember(tweet.user) }
        var candidates = Set<ID>()
        for user in SiteStreamRules.directlyConcerned(event, state: state) {
            if let ids = byUser[user] { candidates.formUnion(ids) }
        }
        if case .tweet(let tweet) = event, let ids = byFollowedAuthor[tweet.user.id] { candidates.formUnion(ids) }
        let receivers = candidates.filter { id in
            guard let subscriber = subscribers[id] else { return false }
            return SiteStreamRules.receives(subscriber.user, event, options: subscriber.options, state: state)
        }
        updateFollowingsIndex(for: event)
        state.apply(event, recipients: Set(receivers.compactMap { subscribers[$0]?.user }))
        return Array(receivers)
    }

    private mutating func updateFollowingsIndex(for event: Event) {
        func set(_ source: Int64, follows target: Int64, _ present: Bool) {
            for id in byUser[source] ?? [] where subscribers[id]?.options.followings == true {
                if present { byFollowedAuthor[target, default: []].insert(id) } else { byFollowedAuthor[target]?.remove(id) }
            }
        }
        switch event {
        case .follow(let r): set(r.sourceID, follows: r.targetID, true)
        case .unfollow(let r): set(r.sourceID, follows: r.targetID, false)
        case .block(let r):
            set(r.sourceID, follows: r.targetID, false)
            set(r.targetID, follows: r.sourceID, false)
        default: break
        }
    }
}
