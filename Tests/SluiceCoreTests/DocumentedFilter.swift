import SluiceCore

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
    func wants(_ t: Tweet) -> Bool {
        let text = Array(t.text.lowercased())
        func isWordCharacter(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" }
        var words = Set<String>(), hashtags = Set<String>()
        var index = 0
        while index < text.count {
            guard isWordCharacter(text[index]) else {
                index += 1
                continue
            }
            var end = index
            while end < text.count, isWordCharacter(text[end]) { end += 1 }
            let word = String(text[index..<end])
            words.insert(word)
            if index > 0, text[index - 1] == "#" { hashtags.insert(word) }
            index = end
        }
        for tag in t.entities.hashtags {
            let bare = tag.lowercased().hasPrefix("#") ? String(tag.lowercased().dropFirst()) : tag.lowercased()
            hashtags.insert(bare)
            words.insert(bare)
        }
        func has(_ word: String) -> Bool {
            let w = word.lowercased()
            return w.hasPrefix("#") ? hashtags.contains(String(w.dropFirst())) : words.contains(w)
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
