/// Finds the subscriptions whose filters may match an event without looking at the others.
///
/// Each spec is filed under one anchor: each of its keywords (by first term), else its users, else its
/// languages, else in the small "matches everything" list. Routing a tweet looks up the tweet's terms,
/// author and language, so its cost grows with the subscriptions it may match, not with how many are
/// open. The candidates are then checked in full with `FilterSpec.matches`.
public struct FilterIndex<ID: Hashable & Sendable>: Sendable {
    public private(set) var specs: [ID: FilterSpec] = [:]
    private var byTerm: [String: Set<ID>] = [:]
    private var byUserID: [Int64: Set<ID>] = [:]
    private var byUsername: [String: Set<ID>] = [:]
    private var byLanguage: [String: Set<ID>] = [:]
    private var unanchored: Set<ID> = []

    public init() {}

    public var count: Int { specs.count }

    public mutating func insert(_ id: ID, _ spec: FilterSpec) {
        remove(id)
        specs[id] = spec
        for user in spec.users {
            switch user {
            case .id(let userID): byUserID[userID, default: []].insert(id)
            case .username(let name): byUsername[name, default: []].insert(id)
            }
        }
        if !spec.keywords.isEmpty {
            for keyword in spec.keywords { byTerm[keyword.terms[0], default: []].insert(id) }
        } else if spec.users.isEmpty {
            if spec.languages.isEmpty {
                unanchored.insert(id)
            } else {
                for language in spec.languages { byLanguage[language, default: []].insert(id) }
            }
        }
    }

    public mutating func remove(_ id: ID) {
        guard let spec = specs.removeValue(forKey: id) else { return }
        func drop<K>(_ key: K, from index: inout [K: Set<ID>]) {
            index[key]?.remove(id)
            if index[key]?.isEmpty == true { index[key] = nil }
        }
        for user in spec.users {
            switch user {
            case .id(let userID): drop(userID, from: &byUserID)
            case .username(let name): drop(name, from: &byUsername)
            }
        }
        for keyword in spec.keywords { drop(keyword.terms[0], from: &byTerm) }
        for language in spec.languages { drop(language, from: &byLanguage) }
        unanchored.remove(id)
    }

    /// The subscriptions a tweet matches.
    public func matches(_ tweet: Tweet, terms: TweetTerms) -> [ID] {
        var candidates = unanchored
        for term in terms.allTerms {
            if let ids = byTerm[term] { candidates.formUnion(ids) }
        }
        candidates.formUnion(concerned(tweet.user))
        if let language = tweet.primaryLanguage, let ids = byLanguage[language] { candidates.formUnion(ids) }
        return candidates.filter { specs[$0]?.matches(tweet, terms: terms) == true }
    }

    /// The subscriptions whose `users` filter names `user`.
    public func concerned(_ user: User) -> Set<ID> {
        var ids = byUserID[user.id] ?? []
        if let named = byUsername[user.username.lowercased()] { ids.formUnion(named) }
        return ids
    }
}
