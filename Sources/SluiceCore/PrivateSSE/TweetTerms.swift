/// The searchable terms of a tweet: lower-cased words of its text, and its hashtags.
///
/// A plain keyword (`swift`) matches a whole word of the text, hashtags included (`#Swift` contains
/// the word `swift`); a hashtag keyword (`#swift`) matches only the hashtag. Both are case-insensitive.
public struct TweetTerms: Sendable, Equatable {
    /// Whole words, lower-cased, without sigils.
    public var words: Set<String>
    /// Hashtags, lower-cased, with the `#`.
    public var hashtags: Set<String>

    public init(_ tweet: Tweet) {
        self.init(text: tweet.text, hashtags: tweet.entities.hashtags)
    }

    public init(text: String, hashtags extra: [String] = []) {
        var words: Set<String> = []
        var hashtags: Set<String> = []
        // What is a word and what a hashtag is `TweetText`'s rule, shared with derived entities.
        TweetText.scan(Substring(text.lowercased())) { term in
            switch term {
            case .word(let word): words.insert(String(word))
            case .hashtag(let word): hashtags.insert("#" + word)
            case .mention, .url: break
            }
        }
        for tag in extra {
            let lowered = tag.lowercased()
            let bare = lowered.hasPrefix("#") ? String(lowered.dropFirst()) : lowered
            guard !bare.isEmpty else { continue }
            hashtags.insert("#" + bare)
            words.insert(bare)
        }
        self.words = words
        self.hashtags = hashtags
    }

    /// Whether one keyword of a filter matches; a keyword of several words needs all of them.
    public func matches(_ keyword: FilterSpec.Keyword) -> Bool {
        keyword.terms.allSatisfy { contains($0) }
    }

    /// Whether a single normalized term (`word` or `#tag`) is present.
    public func contains(_ term: String) -> Bool {
        term.hasPrefix("#") ? hashtags.contains(term) : words.contains(term)
    }

    /// Every term an index may be keyed on: the words and the hashtags.
    public var allTerms: some Sequence<String> { words.union(hashtags) }
}
