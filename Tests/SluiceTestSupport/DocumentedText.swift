import Foundation

/// What a tweet's text holds, by the README's rule: the oracles' view, written apart from the server's
/// scanner (`TweetText`), with Foundation's character sets.
///
/// Words are runs of letters, digits and `_`; a hashtag (mention) is a word right after `#` (`@`) where
/// that sign starts a whitespace-separated token or follows a character that is not a letter, digit or
/// `_`; a token that starts `http://` or `https://` is a URL, whose words are words but which tags and
/// mentions nobody.
public struct DocumentedText: Sendable {
    /// Every word, lower-cased.
    public var words: Set<String> = []
    /// The hashtags' words, lower-cased, without `#`.
    public var hashtags: Set<String> = []
    /// The mentioned usernames, lower-cased, without `@`.
    public var mentions: Set<String> = []

    private static let wordCharacters = CharacterSet.letters.union(.decimalDigits).union(CharacterSet(charactersIn: "_"))
    private static let separators = wordCharacters.inverted

    public init(_ text: String) {
        let lowered = text.lowercased()
        words = Set(lowered.components(separatedBy: Self.separators).filter { !$0.isEmpty })
        for token in lowered.components(separatedBy: .whitespacesAndNewlines)
        where !token.hasPrefix("http://") && !token.hasPrefix("https://") {
            let characters = Array(token)
            for (index, sign) in characters.enumerated() where sign == "#" || sign == "@" {
                if index > 0, Self.isWordCharacter(characters[index - 1]) { continue }
                let word = String(characters[(index + 1)...].prefix(while: Self.isWordCharacter))
                guard !word.isEmpty else { continue }
                if sign == "#" { hashtags.insert(word) } else { mentions.insert(word) }
            }
        }
    }

    private static func isWordCharacter(_ c: Character) -> Bool {
        c.unicodeScalars.allSatisfy { wordCharacters.contains($0) }
    }
}
