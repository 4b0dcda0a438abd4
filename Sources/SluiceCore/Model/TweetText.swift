/// How a tweet's text divides into words, hashtags, mentions and URLs: one rule for the filters
/// (`TweetTerms`) and for the entities derived from a text that came without them (`Tweet.Entities`),
/// so that Private SSE and Site Streams never disagree on what a tweet tags or mentions.
///
/// - A URL is a whitespace-separated token that starts `http://` or `https://`: its words are words,
///   but a `#` or `@` in it tags and mentions nobody.
/// - A word is a run of letters, digits and `_`.
/// - A hashtag (a mention) is a word right after `#` (`@`), where that sign starts its token or follows
///   a character that is not a letter, digit or `_`: `(#swift)` and `##swift` tag `swift`, `c#swift`
///   and `mail@example` do not (Twitter's rule).
enum TweetText {
    enum Term {
        case word(Substring)
        case hashtag(Substring)
        case mention(Substring)
        case url(Substring)
    }

    static func isWordCharacter(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" }

    /// Calls `visit` with each term of `text`, in order; a hashtag's or mention's word is also a word.
    static func scan(_ text: Substring, _ visit: (Term) -> Void) {
        for token in text.split(whereSeparator: \.isWhitespace) {
            let isURL = Self.isURL(token)
            if isURL { visit(.url(token)) }
            // The character just before the current one, and the one before that.
            var previous: Character?
            var beforePrevious: Character?
            var index = token.startIndex
            while index < token.endIndex {
                let c = token[index]
                guard isWordCharacter(c) else {
                    beforePrevious = previous
                    previous = c
                    index = token.index(after: index)
                    continue
                }
                var end = token.index(after: index)
                while end < token.endIndex, isWordCharacter(token[end]) { end = token.index(after: end) }
                let word = token[index..<end]
                visit(.word(word))
                // Words are whole runs, so what precedes one is never a word character: a sign, perhaps.
                if !isURL, let sign = previous, sign == "#" || sign == "@", beforePrevious.map({ !isWordCharacter($0) }) ?? true {
                    visit(sign == "#" ? .hashtag(word) : .mention(word))
                }
                previous = token[token.index(before: end)]
                beforePrevious = nil
                index = end
            }
        }
    }

    private static func isURL(_ token: Substring) -> Bool {
        func starts(_ prefix: String) -> Bool {
            token.count > prefix.count && token.prefix(prefix.count).lowercased() == prefix
        }
        return starts("http://") || starts("https://")
    }
}
