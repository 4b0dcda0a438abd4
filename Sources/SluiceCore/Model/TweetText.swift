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

    static func isWordCharacter(_ c: Character) -> Bool {
        // ASCII first: Unicode's character properties were a tenth of the cost of routing a tweet.
        if let ascii = c.asciiValue {
            return (ascii >= 0x30 && ascii <= 0x39) || (ascii >= 0x41 && ascii <= 0x5A) || (ascii >= 0x61 && ascii <= 0x7A) || ascii == 0x5F
        }
        return c.isLetter || c.isNumber
    }

    /// `Character.isWhitespace`, answered for ASCII without Unicode's tables (`\t` to `\r`, space).
    static func isWhitespace(_ c: Character) -> Bool {
        if let ascii = c.asciiValue { return ascii == 0x20 || (ascii >= 0x09 && ascii <= 0x0D) }
        return c.isWhitespace
    }

    /// Calls `visit` with each term of `text`, in order; a hashtag's or mention's word is also a word.
    /// One pass over the text, without splitting it (a filter's hot path: no allocation of its own).
    static func scan(_ text: Substring, _ visit: (Term) -> Void) {
        var index = text.startIndex
        var atTokenStart = true
        var inURL = false
        // The character just before the current one in its token, and the one before that.
        var previous: Character?
        var beforePrevious: Character?
        while index < text.endIndex {
            let c = text[index]
            if isWhitespace(c) {
                atTokenStart = true
                inURL = false
                previous = nil
                beforePrevious = nil
                index = text.index(after: index)
                continue
            }
            if atTokenStart {
                atTokenStart = false
                let rest = text[index...]
                if isURL(rest) {
                    inURL = true
                    visit(.url(rest[..<(rest.firstIndex(where: isWhitespace) ?? rest.endIndex)]))
                }
            }
            guard isWordCharacter(c) else {
                beforePrevious = previous
                previous = c
                index = text.index(after: index)
                continue
            }
            var end = text.index(after: index)
            while end < text.endIndex, isWordCharacter(text[end]) { end = text.index(after: end) }
            let word = text[index..<end]
            visit(.word(word))
            // Words are whole runs, so what precedes one is never a word character: a sign, perhaps.
            if !inURL, let sign = previous, sign == "#" || sign == "@", beforePrevious.map({ !isWordCharacter($0) }) ?? true {
                visit(sign == "#" ? .hashtag(word) : .mention(word))
            }
            previous = text[text.index(before: end)]
            beforePrevious = nil
            index = end
        }
    }

    /// Whether the token starting `rest` starts `http://` or `https://` (any case) and goes on after it.
    private static func isURL(_ rest: Substring) -> Bool {
        func starts(_ prefix: StaticString) -> Bool {
            var index = rest.startIndex
            for byte in UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount) {
                guard index < rest.endIndex, rest[index].lowercased() == String(UnicodeScalar(byte)) else { return false }
                index = rest.index(after: index)
            }
            return index < rest.endIndex && !isWhitespace(rest[index])
        }
        return starts("http://") || starts("https://")
    }
}
