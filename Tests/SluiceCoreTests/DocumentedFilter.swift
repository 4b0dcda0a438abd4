import SluiceCore
import SluiceTestSupport

/// The Private SSE filter rules as the README's table states them, written plainly: the oracle for the
/// filter index and for the hub's property test, independent of `FilterSpec` and `TweetTerms`.
struct DocumentedFilter {
    /// Each entry: its words, all needed; a `#word` needs the hashtag, a plain word the word (hashtags'
    /// and URLs' words included).
    var keywords: [[String]] = []
    /// Usernames (any case, `@` optional) or numeric ids.
    var users: [String] = []
    var minFollowers: Int?
    var verified: Bool?
    var languages: [String] = []
    var minRetweets: Int?

    var query: [String: String] {
        var q: [String: String] = [:]
        if !keywords.isEmpty { q["keywords"] = keywords.map { $0.joined(separator: " ") }.joined(separator: ",") }
        if !users.isEmpty { q["users"] = users.joined(separator: ",") }
        if let minFollowers { q["min_followers"] = String(minFollowers) }
        if let verified { q["verified"] = String(verified) }
        if !languages.isEmpty { q["language"] = languages.joined(separator: ",") }
        if let minRetweets { q["min_retweets"] = String(minRetweets) }
        return q
    }

    /// Whether a tweet passes: AND across kinds, OR within one.
    /// `text`: the tweet's text as the README reads it (`DocumentedText`), worked out once per tweet by
    /// callers that ask many filters; tweets here carry the entities derived from their text.
    func wants(_ t: Tweet, text: DocumentedText? = nil) -> Bool {
        let text = text ?? DocumentedText(t.text)
        func has(_ word: String) -> Bool {
            let w = word.lowercased()
            return w.hasPrefix("#") ? text.hashtags.contains(String(w.dropFirst())) : text.words.contains(w)
        }
        if !keywords.isEmpty, !keywords.contains(where: { $0.allSatisfy(has) }) { return false }
        if !users.isEmpty, !names(t.user) { return false }
        if let minFollowers, t.user.followersCount < minFollowers { return false }
        if let verified, t.user.verified != verified { return false }
        if !languages.isEmpty, !languages.contains(where: { Self.primary($0) == Self.primary(t.lang ?? "") }) { return false }
        if let minRetweets, t.metrics.retweets < minRetweets { return false }
        return true
    }

    /// Whether a profile update passes: only a stream that names the account in `users` gets it.
    func wants(_ u: User) -> Bool { names(u) }

    private func names(_ user: User) -> Bool {
        users.contains { entry in
            let name = entry.hasPrefix("@") ? String(entry.dropFirst()) : entry
            return name.lowercased() == user.username.lowercased() || name == String(user.id)
        }
    }

    private static func primary(_ code: String) -> String {
        code.lowercased().split(separator: "-").first.map(String.init) ?? ""
    }
}
