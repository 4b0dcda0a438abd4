/// Finds where a tweet's entities are in its text, for Twitter's `indices`: offsets in Unicode code
/// points, as Twitter counted them, matched without regard to case.
///
/// The text is read once: every `#word`, `@word` and `http(s)://…` token in it is recorded with its
/// offsets, and each entity is then a dictionary lookup. Looking each entity up by rescanning the text
/// cost the length of the text times the length of the entity, per entity, which a producer could
/// make take minutes; this costs the length of the text plus the length of the entities.
struct EntityLocator {
    /// The offsets where each folded token starts, in order, and how many an entity already took.
    private var starts: [String: (offsets: [Int], taken: Int)] = [:]

    init(text: String) {
        let scalars = text.unicodeScalars.map(Self.fold)
        var i = 0
        while i < scalars.count {
            let scalar = scalars[i]
            if scalar == "#" || scalar == "@" {
                var end = i + 1
                while end < scalars.count, Self.isWord(scalars[end]) { end += 1 }
                if end > i + 1 { record(scalars[i..<end], at: i) }
                i = end
            } else if scalar == "h", Self.startsURL(scalars, at: i) {
                var end = i
                while end < scalars.count, !scalars[end].properties.isWhitespace { end += 1 }
                record(scalars[i..<end], at: i)
                // The token as extracted from text (`Tweet.Entities(extractingFrom:)`) drops trailing punctuation.
                var trimmed = end
                while trimmed > i, ".,;:!?)".unicodeScalars.contains(scalars[trimmed - 1]) { trimmed -= 1 }
                if trimmed < end { record(scalars[i..<trimmed], at: i) }
                i = end
            } else {
                i += 1
            }
        }
    }

    /// The `[start, end]` of the next occurrence of `token` not yet taken, or `[]` when the text has none.
    mutating func indices(of token: String) -> JSONValue {
        let key = Self.key(token.unicodeScalars.map(Self.fold))
        guard var entry = starts[key], entry.taken < entry.offsets.count else { return .array([]) }
        let start = entry.offsets[entry.taken]
        entry.taken += 1
        starts[key] = entry
        let length = token.unicodeScalars.count
        return .array([.int(Int64(start)), .int(Int64(start + length))])
    }

    private mutating func record(_ token: ArraySlice<Unicode.Scalar>, at offset: Int) {
        starts[Self.key(token), default: ([], 0)].offsets.append(offset)
    }

    private static func key(_ scalars: some Sequence<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    private static let urlPrefixes = ["http://", "https://"].map { Array($0.unicodeScalars) }

    /// Whether a URL starts at `i` (checked at every `h` of every text encoded: no allocation here).
    private static func startsURL(_ scalars: [Unicode.Scalar], at i: Int) -> Bool {
        urlPrefixes.contains { prefix in
            i + prefix.count <= scalars.count && scalars[i..<(i + prefix.count)].elementsEqual(prefix)
        }
    }

    /// What continues a hashtag or mention: letters, digits, marks (accents written apart) and `_`.
    private static func isWord(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let v = scalar.value
            return (0x30...0x39).contains(v) || (0x61...0x7A).contains(v) || (0x41...0x5A).contains(v) || v == 0x5F
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .decimalNumber, .letterNumber, .otherNumber, .nonspacingMark, .spacingMark, .enclosingMark:
            return true
        default:
            return false
        }
    }

    /// One code point for one code point, so offsets in the folded text are offsets in the text.
    private static func fold(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        if scalar.isASCII {
            return (0x41...0x5A).contains(scalar.value) ? Unicode.Scalar(scalar.value + 0x20)! : scalar
        }
        let lower = scalar.properties.lowercaseMapping.unicodeScalars
        return lower.count == 1 ? lower.first! : scalar
    }
}
