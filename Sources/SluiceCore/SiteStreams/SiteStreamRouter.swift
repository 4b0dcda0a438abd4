/// Routes events to Site Streams subscribers (one entry per user per stream) without scanning them all.
///
/// Candidates come from the users an event directly concerns, plus, for tweets, the followers of the
/// author who are subscribed (from the state's adjacency sets, so no per-subscriber index to keep
/// current). Each candidate is then checked with `SiteStreamRules`: the lookup only narrows, never decides.
public struct SiteStreamRouter<ID: Hashable & Sendable>: Sendable {
    public struct Subscriber: Sendable, Hashable {
        public var user: Int64
        public var options: SiteStreamRules.Options
    }

    public private(set) var subscribers: [ID: Subscriber] = [:]
    private var byUser: [Int64: Set<ID>] = [:]

    public init() {}

    public mutating func subscribe(_ id: ID, user: Int64, options: SiteStreamRules.Options) {
        unsubscribe(id)
        subscribers[id] = Subscriber(user: user, options: options)
        byUser[user, default: []].insert(id)
    }

    public mutating func unsubscribe(_ id: ID) {
        guard let subscriber = subscribers.removeValue(forKey: id) else { return }
        byUser[subscriber.user]?.remove(id)
        if byUser[subscriber.user]?.isEmpty == true { byUser[subscriber.user] = nil }
    }

    /// Routes the next event of the log and applies it to `state`. Returns the subscribers that receive it.
    public func route(_ event: Event, state: inout SocialState) -> [ID] {
        if case .tweet(let tweet) = event { state.remember(author: tweet.user) }
        // Nobody to route to: the event only moves the state along.
        guard !subscribers.isEmpty else {
            state.apply(event)
            return []
        }
        var candidates = Set<ID>()
        for user in SiteStreamRules.directlyConcerned(event, state: state) {
            if let ids = byUser[user] { candidates.formUnion(ids) }
        }
        if case .tweet(let tweet) = event {
            // Iterate the smaller side: the author's followers or the subscribed users.
            let followers = state.followers(of: tweet.user.id)
            if followers.count <= byUser.count {
                for follower in followers { if let ids = byUser[follower] { candidates.formUnion(ids) } }
            } else {
                for (user, ids) in byUser where followers.contains(user) { candidates.formUnion(ids) }
            }
        }
        let receivers = candidates.filter { id in
            guard let subscriber = subscribers[id] else { return false }
            return SiteStreamRules.receives(subscriber.user, event, options: subscriber.options, state: state)
        }
        state.apply(event, recipients: Set(receivers.compactMap { subscribers[$0]?.user }))
        return Array(receivers)
    }
}
